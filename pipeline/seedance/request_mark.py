"""A mark each create request carries, so that its task can be told from any other.

A create whose answer is lost is looked for among the service's tasks by what a task echoes of
its request (ark/lost_create.py). The prompt and the pictures are not echoed; the pinned seed is,
but only where the model honours it (ark-api.md §12: 2.x may refuse the seed, or use one of its
own and report that). So unless the storyboard sets `execution_expires_after` itself, a create
sent to a service with a task list (where lost creates are looked for) sets it a little under its
default of 48 h, 0 to 3599 s less, chosen from a hash of the request: echoed on every model (§7.1),
it tells two shots of the same model, size and duration apart where the seed cannot, and costs a
task nothing but up to an hour of its 48 h queue limit. It is not part of a shot's key (it changes
nothing the task renders), and gateways without a list (seeds 003, 004) are sent none.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from storyfilm.seedance.models import DEFAULT_EXPIRY, lookup

FIELD = "execution_expires_after"
SPAN = 3600  # marks are DEFAULT_EXPIRY - SPAN + 1 .. DEFAULT_EXPIRY


def mark_of(body: dict[str, Any]) -> int:
    """The mark of a request that does not set the field (the field itself is left out)."""
    unmarked = {k: v for k, v in body.items() if k != FIELD}
    digest = hashlib.sha256(json.dumps(unmarked, sort_keys=True, ensure_ascii=False).encode()).digest()
    return DEFAULT_EXPIRY - int.from_bytes(digest[:4], "big") % SPAN


def marked(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with its mark, unless it sets the field already (then it stays as written) or its
    model is one known to take no such field."""
    model = lookup(str(body.get("model") or ""))
    if body.get(FIELD) is not None or (model is not None and not model.accepts(FIELD)):
        return body
    return {**body, FIELD: mark_of(body)}


def carries_mark(body: dict[str, Any]) -> bool:
    """Whether the field holds this request's own mark (not a value the storyboard chose)."""
    return body.get(FIELD) == mark_of(body)
