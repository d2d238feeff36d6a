"""The local server refuses, with the service's error body, what ark-api.md says the service refuses
at create (strict, so that a client bug fails here and not on the service): Seedance 2.5's explicit
task types (§3.4)."""

from __future__ import annotations

import pytest

from helpers import TASKS, ark_in_process, error_of

V25 = "doubao-seedance-2-5-260628"
PARKED = "queue=60"
VIDEO = {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}, "role": "reference_video"}
TEXT = {"type": "text", "text": "The cup slides to the left."}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def task_type(kind: str, *content: dict, **params) -> dict:
    return {"model": V25, "content": [TEXT, *content], "omni_reference_task_type": kind, **params}


def constraint(reason: str) -> str:
    return f"The parameter `omni_reference_task_type` specified in the request is not valid: {reason}."


@pytest.mark.anyio
@pytest.mark.parametrize(("body", "reason"), [
    (task_type("edit"), "edit needs at least one reference_video"),
    (task_type("extend"), "extend needs at least one reference_video"),
    (task_type("edit", VIDEO, ratio="16:9"), "edit takes only ratio adaptive"),
    (task_type("extend", VIDEO, ratio="9:16"), "extend takes only ratio adaptive"),
    (task_type("edit", VIDEO, duration=5), "edit takes only duration -1"),
])
async def test_an_explicit_task_type_is_held_to_its_rules_at_create(body: dict, reason: str) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json=body), 400, "InvalidParameter.TaskTypeConstraint",
                 "omni_reference_task_type", constraint(reason))
        assert ark.tasks == {}


@pytest.mark.anyio
@pytest.mark.parametrize("body", [
    task_type("edit", VIDEO), task_type("extend", VIDEO, ratio="adaptive", duration=8),
    task_type("reference", ratio="16:9", duration=5), task_type("auto", ratio="16:9"),
])
async def test_a_task_type_within_its_rules_is_taken(body: dict) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        answer = await http.post(TASKS, json=body)
        assert answer.status_code == 200, answer.text


@pytest.mark.anyio
@pytest.mark.parametrize(("content_type", "named"), [
    (None, "absent"), ("text/plain", "text/plain"), ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
])
async def test_a_create_body_not_sent_as_json_is_refused(content_type: str | None, named: str) -> None:
    """§1: the request body is `Content-Type: application/json` (a client that forgot it fails here)."""
    headers = {"Content-Type": content_type} if content_type else {}
    async with ark_in_process(faults=PARKED) as (ark, http):
        body = b'{"model": "doubao-seedance-2-5-260628", "content": [{"type": "text", "text": "x"}]}'
        error_of(await http.post(TASKS, content=body, headers=headers), 400, "InvalidParameter", "Content-Type",
                 f"The parameter `Content-Type` specified in the request is not valid: must be application/json, "
                 f"not {named}.")
        taken = await http.post(TASKS, content=body, headers={"Content-Type": "Application/JSON; charset=utf-8"})
        assert taken.status_code == 200, taken.text
        assert len(ark.tasks) == 1


@pytest.mark.anyio
async def test_web_search_is_for_text_to_video_tasks_only() -> None:
    """§2 `tools`: [{"type": "web_search"}], text-to-video only (DOC-2.0)."""
    search = [{"type": "web_search"}]
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json={"model": V25, "content": [TEXT, VIDEO], "tools": search}), 400,
                 "InvalidParameter", "tools", "The parameter `tools` specified in the request is not valid: "
                 "web_search is available for text-to-video tasks only, not multimodal.")
        taken = await http.post(TASKS, json={"model": V25, "content": [TEXT], "tools": search})
        assert taken.status_code == 200, taken.text
