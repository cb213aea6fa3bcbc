"""Turning engine output into one short line that says why a customer failed."""

from __future__ import annotations

import re

__all__ = ["backend_problem", "error_from_output", "last_meaningful", "shorten"]

_ERROR_MAX = 300
# Engine lines that say *that* something failed, never *why*.
_GENERIC_ERRORS = re.compile(
    r"^(update|preview|refresh|destroy|deployment) failed$"
    r"|^an error occurred while (advancing the preview|running the program)"
    r"|^program failed with an unhandled exception:?$"
    r"|^one or more errors occurred"
    # The engine's follow-up once a resource failed: the resource's own error is the cause.
    r"|^resource monitor has terminated",
    re.IGNORECASE,
)


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_MAX else text[: _ERROR_MAX - 1] + "…"


def last_meaningful(message: str) -> str | None:
    """The line of a (possibly multi-line) diagnostic that says why: a traceback's last line, etc."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    keep = []
    for ln in lines:
        ln = re.sub(r"^(error:\s*|an unhandled error occurred:\s*|python inline source runtime error:\s*)+", "", ln)
        if not ln or _GENERIC_ERRORS.search(ln) or ln.startswith(("Traceback", "File ", "^")):
            continue
        keep.append(ln)
    return keep[-1] if keep else None


def error_from_output(text: str) -> str:
    """Best-effort: the last ``error:`` diagnostic in the engine output, else its last line."""
    diag = text.split("Diagnostics:", 1)[1] if "Diagnostics:" in text else text
    diag = re.split(r"\n\s*(Resources|Outputs|Duration):", diag)[0]
    blocks = re.split(r"\n\s*error:\s*", "\n" + diag)
    for block in reversed(blocks[1:]):
        # A diagnostic ends at the blank line before the next resource's header.
        found = last_meaningful(block.split("\n\n", 1)[0])
        if found:
            return found
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("error:") and not _GENERIC_ERRORS.search(line[6:].strip()):
            return line[6:].strip()
    return last_meaningful(text) or "pulumi failed (see log)"


# The backend's own error codes the CLI passes on (S3: NoSuchBucket, AccessDenied...; the Go CDK's
# blob errors as "code=NotFound"), and what to do about each.
_BACKEND_CODES = re.compile(r"\b(NoSuchBucket|AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|code=NotFound)\b")
_BACKEND_HINTS = {
    "NoSuchBucket": "the backend's bucket does not exist: create it (docs/onboarding.md, Fleet scale)",
    "code=NotFound": "the backend's bucket does not exist: create it (docs/onboarding.md, Fleet scale)",
    "AccessDenied": "the backend refused the credentials: check the AWS_* variables of the worker",
    "InvalidAccessKeyId": "the backend does not know the access key: check AWS_ACCESS_KEY_ID",
    "SignatureDoesNotMatch": "the backend refused the secret key: check AWS_SECRET_ACCESS_KEY",
}


def backend_problem(text: str) -> str | None:
    """A one-line, code-first message for a failure of the state backend (a missing bucket...), or
    None: the code and its hint lead, so a cut report line still shows them."""
    found = _BACKEND_CODES.search(text)
    if found is None or ("bucket" not in text.lower() and "s3" not in text.lower()):
        return None
    code = "NoSuchBucket" if found[1] == "code=NotFound" else found[1]
    bucket = re.search(r"bucket[: ]+\"?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])", text, re.IGNORECASE)
    where = f" ({bucket[1]})" if bucket and bucket[1].lower() not in ("blob", "does") else ""
    return f"backend {code}{where}: {_BACKEND_HINTS[found[1]]}"
