"""The overall deadlines of the calls that retry, and what their messages tell the user.

A request has its own timeout (STORYFILM_REQUEST_TIMEOUT, httpx's read timeout, and twice that for
its whole answer); the calls made of several requests have one deadline each over all their tries:
- a call (a GET, a list, a DELETE, with its retries): `call_deadline`, STORYFILM_CALL_DEADLINE;
- a create (every send, every pause after a 429 or a lost answer, every look for a lost create):
  `create_deadline`, STORYFILM_CREATE_DEADLINE.
Defaults scale with the request timeout, so a user who lets one request wait longer gets calls
that may take longer too.
"""

from __future__ import annotations

from storyfilm.ark.lost_create import seconds

CALL_SPAN = 2.5  # a call's default deadline, in request timeouts (60 s → 150 s)
CREATE_SPAN = 5.0  # a create's default deadline, in request timeouts (60 s → 300 s)
WHOLE_ANSWER = 2.0  # one answer's bytes must all come within this many request timeouts


def call_overdue(what: str, deadline: float, tries: list[str]) -> str:
    """A call that ran out of time: nothing it does creates a task, so nothing was paid."""
    told = f"{len(tries)} tr{'ies' if len(tries) != 1 else 'y'}" + (f", the last: {tries[-1]}" if tries else "")
    return (f"{what}: no usable answer within {seconds(deadline)} ({told}), the deadline for one call to the "
            "service (STORYFILM_CALL_DEADLINE). Nothing was created or paid for by it; run again when the "
            "service answers: tasks already created are picked up, never paid twice.")


def create_overdue(shot: str, deadline: float, tries: list[str], sent: bool) -> str:
    """A create that ran out of time. `sent`: one of its tries may have reached the service and made a
    task (its answer lost), so the task may exist and be paid for; else nothing was created."""
    told = f"{len(tries)} tr{'ies' if len(tries) != 1 else 'y'}" + (f", the last: {tries[-1]}" if tries else "")
    head = (f"{shot}: its task was not created within {seconds(deadline)} ({told}), the deadline for one create "
            "(STORYFILM_CREATE_DEADLINE).")
    if not sent:
        return (f"{head} The service took none of them (each was refused, or never sent): nothing was created or "
                "paid for. Run again later.")
    return (f"{head} A create was sent and its answer lost: the task may exist and be paid for. Check the tasks on "
            "the service (its task list, or a gateway's console) before creating it elsewhere; `storyfilm film` run "
            "again looks for it first and creates it only when the service shows none.")


def taken_without_id(detail: str, settle: float) -> str:
    """A create the service took (2xx) without a task id, and its task not found in the list."""
    return (f"the service took the create but answered without a task id ({detail}), and its task list did not "
            f"show the task within {seconds(settle)}. The task surely exists and may be paid for: check the tasks "
            "on the service (its task list, or a gateway's console); storyfilm does not create it again, since "
            "that could pay twice. `storyfilm film` run again looks for it first and creates it only when the "
            "service shows none.")
