"""What a seller looks up but only the platform creates: install renders (API.md §7.6) and repositories (§7.7).

Renders are made by :mod:`.installs` (one per ``installs.create``, ``updateVersion`` and ``restore``); this
module serves them and gives each deployed render its ``install.render`` Operation and deploy-repository
commit. Repositories: a ``deploy`` one per managed or imported cluster once it is active, a ``package`` one
per hosted package (the ``repository_id`` of ``package.create``); both go with their owner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..db import Obj, Store, Tx
from ..errors import LocalNotFound, Unprocessable, ValidationFailed
from ..util import canonical, new_id, now, sha256
from . import Req, Runtime, bump, public, route
from . import clusters as _clusters  # noqa: F401  (loaded first: the modules whose calls are wrapped below)
from . import installs as _installs  # noqa: F401
from . import packages as _packages  # noqa: F401
from .hooks import after, after_effect, object_path
from .operations import TIMERS

object_path("repositories", "repository", "repository")

# -- repositories ------------------------------------------------------------------------------------


def _repository(tx: Tx, ws_id: str, purpose: str, name: str, **fields: Any) -> Obj:
    ts = now()
    repo: Obj = {
        "id": fields.pop("id", None) or new_id("repo"),
        "name": name,
        "workspace_id": ws_id,
        "created_at": ts,
        "updated_at": ts,
        "etag": "1",
        "reconciling": False,
        "purpose": purpose,
        **fields,
    }
    owner = fields.get("cluster_id") or fields.get("package_id") or fields.get("repository_change_request_id")
    tx.insert("repository", repo, workspace_id=ws_id, natural_key=f"{purpose}:{owner}", scope=ws_id)
    return repo


def deploy_repository(tx: Tx, cluster_id: str) -> Obj | None:
    """The deploy repository of a cluster (None before the cluster is active)."""
    for repo in tx.find("repository", natural_key=f"deploy:{cluster_id}"):
        return repo
    return None


def ensure_deploy_repository(tx: Tx, cluster: Obj) -> Obj:
    """One deploy repository per cluster, named after it (idempotent)."""
    found = deploy_repository(tx, cluster["id"])
    if found is not None:
        return found
    return _repository(
        tx,
        cluster["workspace_id"],
        "deploy",
        str(cluster.get("name") or cluster["id"]),
        cluster_id=cluster["id"],
        last_deploy_sha=None,
        last_render_hash=None,
    )


def render_repository(repo: Obj, view: str) -> Obj:
    out = public(repo)
    if view != "full":
        out.pop("last_deploy_sha", None)
        out.pop("last_render_hash", None)
    return out


def _cluster_active(tx: Tx, op: Obj) -> None:
    c = tx.get("cluster", op["owner_id"])
    if c is not None:
        ensure_deploy_repository(tx, c)


def _cluster_imported(r: Req, status: int, body: Any) -> None:
    if status < 300 and isinstance(body, dict) and body.get("id"):
        c = r.tx.get("cluster", body["id"])
        if c is not None:
            ensure_deploy_repository(r.tx, c)


def _cluster_gone(tx: Tx, op: Obj) -> None:
    """The deploy repository goes with its cluster, through a child ``repository.delete`` Operation."""
    repo = deploy_repository(tx, op["owner_id"])
    if repo is None:
        return
    ts = now()
    child: Obj = {
        "id": new_id("op"),
        "workspace_id": op["workspace_id"],
        "organization_id": None,
        "owner_type": "repository",
        "owner_id": repo["id"],
        "parent_operation_id": op["id"],
        "state": "SUCCEEDED",
        "done": True,
        "html_url": "https://app.akua.local/operations/",
        "metadata": {"type": "repository.delete", "repository_id": repo["id"]},
        "response": {"type": "repository.delete", "purged_at": ts},
        "error": None,
        "last_error": None,
        "started_at": ts,
        "completed_at": ts,
        "steps": [],
        "_by": op.get("_by"),
    }
    child["html_url"] += child["id"]
    tx.insert("operation", child, workspace_id=op["workspace_id"])
    tx.delete(repo["id"])


def _package_made(tx: Tx, op: Obj) -> None:
    pkg = tx.get("package", op["owner_id"])
    if pkg is not None and pkg["source"].get("repository_id"):
        _repository(
            tx, pkg["workspace_id"], "package", pkg["name"], id=pkg["source"]["repository_id"], package_id=pkg["id"]
        )


def _package_gone(r: Req, status: int, body: Any) -> None:
    if status < 300:
        for repo in r.tx.find("repository", natural_key=f"package:{r.path['id']}"):
            r.tx.delete(repo["id"])


after_effect("cluster.create", _cluster_active)
after("clusters.import", _cluster_imported)
after_effect("cluster.delete", _cluster_gone)
after_effect("package.create", _package_made)
after("packages.delete", _package_gone)


@route("repositories.list")
def list_repositories(r: Req) -> tuple[int, Any]:
    purpose, view = r.query.get("purpose"), r.query.get("view", "basic")
    keep = None if purpose is None else (lambda o: o["purpose"] == purpose)
    return r.page("repository", workspace_id=r.ws, keep=keep, render=lambda o: render_repository(o, view))


@route("repositories.get")
def get_repository(r: Req) -> tuple[int, Any]:
    repo = r.tx.must("repository", r.path["id"], r.ws, "repository")
    return 200, render_repository(repo, r.query.get("view", "basic"))


# -- renders ------------------------------------------------------------------------------------------


def sync_renders(tx: Tx, install_id: str) -> None:
    """Give every finished render of the install its ``install.render`` Operation (once) and, when it
    deployed, its commit in the deploy repository of the install's cluster."""
    i = tx.get("install", install_id)
    if i is None:
        return
    repo = deploy_repository(tx, str(i.get("cluster_id")))
    running = False
    last_hash: str | None = None
    for rnd in reversed(tx.find("render", parent_id=install_id)):  # oldest first
        if rnd["state"] == "running":
            running = True
            continue
        if rnd.get("_synced"):
            if rnd["state"] == "deployed":
                last_hash = rnd.get("render_hash")
            continue
        if rnd["state"] == "deployed":
            digest = render_hash(install_id, rnd.get("package_version_id"), i.get("_initial_values") or {})
            rnd["render_hash"] = digest
            if digest == last_hash:  # nothing new: skipped, and no commit reaches the repository
                rnd.update(state="skipped", commit_sha=None, message="the render produced nothing new")
            else:
                last_hash = digest
        parent = rnd.get("operation_id")
        ts = now()
        oid = new_id("op")
        response: Obj = {
            "type": "install.render",
            "install_render_id": rnd["id"],
            "repository_id": repo["id"] if repo else new_id("repo"),
            "render_hash": rnd.get("render_hash") or "",
            "skipped": rnd["state"] == "skipped",
        }
        if rnd.get("commit_sha"):
            response["commit_sha"] = rnd["commit_sha"]
        ok = rnd["state"] in ("deployed", "skipped")
        op: Obj = {
            "id": oid,
            "workspace_id": i["workspace_id"],
            "organization_id": None,
            "owner_type": "install",
            "owner_id": install_id,
            "parent_operation_id": parent,
            "state": "SUCCEEDED" if ok else "FAILED",
            "done": True,
            "html_url": f"https://app.akua.local/operations/{oid}",
            "metadata": {"type": "install.render", "install_id": install_id},
            "response": response if ok else None,
            "error": None if ok else {"message": rnd.get("message") or "render failed"},
            "last_error": None,
            "started_at": rnd["created_at"],
            "completed_at": ts,
            "steps": [],
        }
        tx.insert("operation", op, workspace_id=i["workspace_id"])
        rnd.update(operation_id=oid, _synced=True)
        tx.save(rnd)
        if repo is not None and rnd["state"] == "deployed":
            repo.update(last_deploy_sha=rnd.get("commit_sha"), last_render_hash=rnd.get("render_hash"))
            tx.save(bump(repo))
    if repo is not None:
        fresh = tx.get("repository", repo["id"]) or repo
        if fresh["reconciling"] != running:
            fresh["reconciling"] = running
            tx.save(fresh)


def render_hash(install_id: str, version_id: str | None, values: Obj) -> str:
    """Hex SHA-256 of the install id, the package version and the install's initial values (§7.6)."""
    return sha256(canonical({"install_id": install_id, "package_version_id": version_id, "values": values}))


def _after_install_created(tx: Tx, op: Obj) -> None:
    sync_renders(tx, op["owner_id"])


def _after_render_call(r: Req, status: int, body: Any) -> None:
    """Apply an armed failure, sync the install's renders; the response shows the render and the install's
    lifecycle as stored afterwards."""
    rendered = status < 300 and isinstance(body, dict) and isinstance(body.get("render"), dict)
    message = r.rt.fail_next.pop(RENDER_FAIL, None) if rendered else None
    if message is not None:
        rnd = r.tx.get("render", body["render"]["id"])
        if rnd is not None and rnd["state"] == "running":
            rnd["_fail"] = message  # failed when its timer fires
            r.tx.save(rnd)
        elif rnd is not None:
            _fail_render(r.tx, rnd, message, moved=True)
        i = r.tx.get("install", r.path["id"])
        if i is not None and isinstance(body.get("install"), dict):
            body["install"].update(
                current_version=i.get("_current"),
                desired_version=i.get("_desired"),
                updated_at=i["updated_at"],
                etag=i["etag"],
            )
    if status < 300:
        sync_renders(r.tx, r.path["id"])
        if isinstance(body, dict) and isinstance(body.get("render"), dict):
            fresh = r.tx.get("render", body["render"]["id"])
            if fresh is not None:
                body["render"] = public(fresh)


_finish = TIMERS["render"]
RENDER_FAIL = "install.render"  # the type `/_local/operations:fail-next` takes to make the next render fail


def _fail_render(tx: Tx, rnd: Obj, message: str, moved: bool = False) -> None:
    """The render ends ``failed``; the install goes to ``failed`` on its previous version with its desired
    version still set (§7.6, §2.13). ``moved``: the render already moved the install (no operation delay)."""
    rnd.update(state="failed", message=message, commit_sha=None, updated_at=now())
    rnd.pop("_fail", None)
    tx.save(rnd)
    i = tx.get("install", rnd["install_id"])
    if i is None:
        return
    if moved:
        prev = next(
            (x for x in tx.find("render", parent_id=i["id"]) if x["id"] != rnd["id"] and x["state"] == "deployed"),
            None,
        )
        v = tx.get("package_version", prev["package_version_id"]) if prev else None
        i["_desired"] = i.get("_current")
        i["_current"] = {"id": v["id"], "semver": v["semver"]} if v else None
        if v is not None:
            i["package_version_id"] = v["id"]
    i.update(state="failed", reconciling=False)
    tx.save(bump(i))


def _render_timer(tx: Tx, rt: Runtime, ref: str) -> None:
    rnd = tx.get("render", ref)
    if rnd is not None and rnd.get("_fail") and rnd["state"] == "running":
        _fail_render(tx, rnd, str(rnd["_fail"]))
    else:
        _finish(tx, rt, ref)
    rnd = tx.get("render", ref)
    if rnd is not None:
        sync_renders(tx, rnd["install_id"])


TIMERS["render"] = _render_timer
after_effect("install.create", _after_install_created)
after("installs.updateVersion", _after_render_call)
after("installs.restore", _after_render_call)


def _install(r: Req) -> Obj:
    i = r.tx.must("install", r.path["id"], r.ws, "install")
    sync_renders(r.tx, i["id"])
    return i


@route("installs.listRenders")
def list_renders(r: Req) -> tuple[int, Any]:
    i = _install(r)
    return r.page("render", parent_id=i["id"], render=public)


@route("installs.getRender")
def get_render(r: Req) -> tuple[int, Any]:
    i = _install(r)
    rnd = r.tx.get("render", r.path["render_id"])
    if rnd is None or rnd["install_id"] != i["id"]:
        raise LocalNotFound(f"render {r.path['render_id']} of install {i['id']} not found")
    return 200, public(rnd)


# -- the control plane -------------------------------------------------------------------------------

_OWNER_FIELD = {
    "deploy": "cluster_id",
    "package": "package_id",
    "repository_change_request": "repository_change_request_id",
}


def seed_repository(store: Store, rt: Runtime, p: dict[str, str], b: Any) -> tuple[int, Any]:
    """``POST /_local/repositories {workspace_id, purpose, name, cluster_id|package_id|repository_change_request_id}``:
    a repository of any variant, e.g. a ``repository_change_request`` one, which no public call makes (§7.7)."""
    if not isinstance(b, dict):
        raise ValidationFailed("body: a JSON object is required", path=["body"])
    purpose = b.get("purpose")
    if purpose not in _OWNER_FIELD:
        raise ValidationFailed(f"purpose: one of {', '.join(_OWNER_FIELD)}", path=["body", "purpose"])
    owner_field = _OWNER_FIELD[purpose]
    allowed = {"workspace_id", "purpose", "name", owner_field}
    for key in b:
        if key not in allowed:
            raise ValidationFailed(f"{key}: unknown field for purpose {purpose}", path=["body", key])
    for key in ("workspace_id", "name", owner_field):
        if not isinstance(b.get(key), str) or not 1 <= len(b[key]) <= 200:
            raise ValidationFailed(f"{key}: a string of 1-200 characters is required", path=["body", key])
    with store.tx() as tx:
        if tx.get("workspace", b["workspace_id"]) is None:
            raise Unprocessable(f"workspace {b['workspace_id']} not found", path=["body", "workspace_id"])
        kind = {"cluster_id": "cluster", "package_id": "package"}.get(owner_field)
        owner = tx.get(kind, b[owner_field]) if kind else None
        if kind and (owner is None or owner["workspace_id"] != b["workspace_id"]):
            raise Unprocessable(f"{kind} {b[owner_field]} not found in the workspace", path=["body", owner_field])
        extra = {"last_deploy_sha": None, "last_render_hash": None} if purpose == "deploy" else {}
        repo = _repository(tx, b["workspace_id"], purpose, b["name"], **{owner_field: b[owner_field]}, **extra)
    return 201, repo


ControlFn = Callable[[Store, Runtime, dict[str, str], Any], tuple[int, Any]]
#: (method, path pattern under /_local, handler) for :mod:`akua_pulumi.local.control`.
CONTROL: tuple[tuple[str, str, ControlFn], ...] = (("POST", "/repositories", seed_repository),)
