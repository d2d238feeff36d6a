"""A task the service does not show yet: a 404 for a task created a moment ago is looked at again,
never read as forgotten (the poller, `storyfilm cancel`).

    unseen_yet(exc, age)   is this 404, for a task `age` seconds old, one to look at again?
    names_the_task(exc)    is this 404 about a task (not a route the service lacks)?
"""

from __future__ import annotations

from storyfilm.errors import ApiRefused

# ark-api.md leaves open what a read says of a task created a moment ago: a service whose reads lag
# its writes answers 404 (and lists nothing) for a while. A task this young that is not found is
# looked for again, never read as forgotten: that reading would create it again, and pay twice.
UNSEEN_GRACE = 30.0


def names_the_task(exc: ApiRefused) -> bool:
    """A 404 that may be of a task not shown yet: the documented `NotFound.<Parameter>` (§10), or
    one without a code (a gateway's own shape). A bare `NotFound` is a route the service lacks."""
    return exc.code.startswith("NotFound.") or not exc.code


def unseen_yet(exc: ApiRefused, age: float) -> bool:
    """A 404 for a task created `age` seconds ago (under UNSEEN_GRACE): the service may not show
    it yet, so it is looked at again, never written off (the poller, `storyfilm cancel`)."""
    return exc.status == 404 and names_the_task(exc) and age < UNSEEN_GRACE
