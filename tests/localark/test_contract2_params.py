"""The local server takes only the body fields ark-api.md §2 lists (strict on what a client writes):
a misspelt or legacy name (`fps`, `camerafixed`, `return_lastframe`) would be ignored or refused by the
real service and the shot rendered without what was asked; here it is a 400 naming it. An explicit
null is "not given" (the official SDK sends every field, §2.1)."""

from __future__ import annotations

import pytest

from helpers import TASKS, ark_in_process, error_of, text_task

PARKED = "queue=60"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.parametrize("field, value", [("fps", 24), ("framespersecond", 24), ("camerafixed", True),
                                          ("return_lastframe", True), ("keep_ratio", True)])
async def test_a_field_the_api_does_not_list_is_refused_by_name(field: str, value) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json=text_task(**{field: value})), 400, "InvalidParameter", field,
                 f"The parameter `{field}` specified in the request is not valid: is not a parameter of the video "
                 "generation API (ark-api.md §2).")
        assert ark.tasks == {}


@pytest.mark.anyio
async def test_every_listed_field_as_null_is_not_given() -> None:
    """§2.1's body from the official SDK, every unset field an explicit null."""
    nulls = dict.fromkeys(("safety_identifier", "callback_url", "return_last_frame", "service_tier",
                           "execution_expires_after", "priority", "generate_audio", "draft", "camera_fixed",
                           "watermark", "seed", "frames", "tools", "output_format", "omni_reference_task_type",
                           "fps"))
    async with ark_in_process(faults=PARKED) as (ark, http):
        answer = await http.post(TASKS, json=text_task(**nulls))
        assert answer.status_code == 200, answer.text


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path", "status", "code", "message"), [
    ("GET", "/contents/generations/task", 404, "NotFound",
     "The path of the request GET /api/v3/contents/generations/task is not found."),
    ("PUT", TASKS, 405, "MethodNotAllowed", f"The request PUT /api/v3{TASKS} is not allowed."),
])
async def test_a_path_or_method_the_api_lacks_answers_in_the_services_shape(method, path, status, code, message):
    """§13: every answer carries X-Request-Id, every error the §10.1 body, whatever was asked."""
    async with ark_in_process() as (ark, http):
        answer = await http.request(method, path)
        assert answer.status_code == status and answer.headers["X-Request-Id"].startswith("02")
        assert answer.json() == {"error": {"code": code, "param": "", "type": "NotFound" if status == 404 else
                                           "MethodNotAllowed", "message": f"{message} Request id: "
                                                                          f"{answer.headers['X-Request-Id']}"}}
