"""The Pulumi CLI's messages the onboarding run acts on: the one place that matches CLI text.

Each matcher takes the text of a failed CLI call (its stderr, or the ``str`` of the Automation
API's ``CommandError``, which includes it) and says whether it is that message. The strings are
the CLI's own (pulumi v3, ``pkg/backend``); ``tests/automation/test_cli_messages.py`` provokes each
one from the real CLI, so a reworded message fails a test rather than a run.

Where the run goes through the Automation API the SDK classifies the CLI's text itself and the run
catches its typed errors instead (``StackAlreadyExistsError`` from ``stack init``,
``StackNotFoundError`` from ``stack select``); the same test file checks that the real messages
still map to them.
"""

from __future__ import annotations

import re

__all__ = ["is_locked", "is_no_such_stack"]

# error: no stack named 'acme' found
_NO_SUCH_STACK = re.compile(r"no stack named '[^']*' found")
# error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or ...
_LOCKED = re.compile(r"the stack is currently locked by \d+ lock\(s\)")


def is_no_such_stack(text: str) -> bool:
    """The stack a command named does not exist in the backend (``stack output --stack``)."""
    return _NO_SUCH_STACK.search(text) is not None


def is_locked(text: str) -> bool:
    """Another run holds the stack's lock (it may be a dead one: ``pulumi cancel`` clears it)."""
    return _LOCKED.search(text) is not None
