"""The tasks API contract (ark-api.md) in-process, over httpx.ASGITransport: create refusals with
their exact error bodies, echoes, list filters and paging, delete per status, auth, limits and the
queue's order. No socket and no thread: each test gets its own server; time moves by `advance`
and a sweep, never by waiting."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from helpers import PRO, TASKS, ark_in_process, error_of, make_image, settled, text_task
from storyfilm.errors import FaultSpecError
from storyfilm.localark.app import LocalArk
from storyfilm.localark.embedded import LocalServer

pytestmark = pytest.mark.anyio

LITE_T2V = "doubao-seedance-1-0-lite-t2v-250428"
LITE_I2V = "doubao-seedance-1-0-lite-i2v-250428"
PRO_FAST = "doubao-seedance-1-0-pro-fast-251015"
V15 = "doubao-seedance-1-5-pro-251215"
V20 = "doubao-seedance-2-0-260128"
V25 = "doubao-seedance-2-5-260628"
MINI = "doubao-seedance-2-0-mini-260615"
PARKED = "queue=60"  # tasks stay queued: no rendering
HELD = "fail=1,run=60"  # a started task holds its slot, running, and renders nothing
MISSING = "The request failed because it is missing one or multiple required parameters: `{}`."
BAD_TYPES = "text, image_url, video_url, audio_url, draft_task"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def image_url(tmp_path_factory) -> str:
    path = make_image(tmp_path_factory.mktemp("img") / "frame.png", 640, 360)
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def invalid(param: str, reason: str) -> str:
    return f"The parameter `{param}` specified in the request is not valid: {reason}."


def _img(url: str, role: str | None = None) -> dict:
    item = {"type": "image_url", "image_url": {"url": url}}
    return item | ({"role": role} if role else {})


def _text(model: str, **params) -> dict:
    return {"model": model, "content": [{"type": "text", "text": "x"}], **params}


async def create(http, body: dict) -> str:
    response = await http.post(TASKS, json=body)
    assert response.status_code == 200, response.text
    return response.json()["id"]


# -- create refusals: the service's error JSON, exactly --------------------------------------------

BAD = [
    ({"content": [{"type": "text", "text": "x"}]}, 400, "MissingParameter", "model", MISSING.format("model")),
    (_text("no-such-model"), 404, "InvalidEndpointOrModel.NotFound", "model",
     "The model or endpoint no-such-model does not exist or you do not have access to it."),
    ({"model": PRO}, 400, "MissingParameter", "content", MISSING.format("content")),
    ({"model": PRO, "content": []}, 400, "InvalidParameter", "content",
     invalid("content", "must be a non-empty array of content items")),
    ({"model": PRO, "content": [{"type": "gif"}]}, 400, "InvalidParameter", "content",
     invalid("content", f"content[0].type must be one of {BAD_TYPES}")),
    ({"model": PRO, "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}, 400,
     "InvalidParameter", "content", invalid("content", "at most one text item is allowed")),
    (text_task(resolution="4k"), 400, "InvalidParameter", "resolution",
     invalid("resolution", f"{PRO} supports 480p, 720p, 1080p")),
    (text_task(duration=13), 400, "InvalidParameter", "duration", invalid("duration", "must be within [2, 12]")),
    (text_task(duration=-1), 400, "InvalidParameter", "duration", invalid("duration", "must be within [2, 12]")),
    (_text(V15, duration=13), 400, "InvalidParameter", "duration", invalid("duration", "must be within [4, 12] or -1")),
    (text_task(duration="5"), 400, "InvalidParameter", "duration", invalid("duration", "must be an integer")),
    (text_task(frames=30), 400, "InvalidParameter", "frames", invalid("frames", "must be 25+4n within [29, 289]")),
    (text_task(seed=2**32), 400, "InvalidParameter", "seed", invalid("seed", "must be within [-1, 2147483647]")),
    (text_task(seed=2**31), 400, "InvalidParameter", "seed", invalid("seed", "must be within [-1, 2147483647]")),
    (text_task(seed=-2), 400, "InvalidParameter", "seed", invalid("seed", "must be within [-1, 2147483647]")),
    (text_task(ratio="5:4"), 400, "InvalidParameter", "ratio",
     invalid("ratio", "must be one of 16:9, 4:3, 1:1, 3:4, 9:16, 21:9, adaptive")),
    (text_task(ratio="adaptive"), 400, "InvalidParameter", "ratio",
     invalid("ratio", f"adaptive is not available for text tasks on {PRO}")),
    (text_task(ratio="keep_ratio"), 400, "InvalidParameter", "ratio",  # Wan2.1's, never Seedance's (§2)
     invalid("ratio", "must be one of 16:9, 4:3, 1:1, 3:4, 9:16, 21:9, adaptive")),
    (text_task(ratio="9:21"), 400, "InvalidParameter", "ratio",
     invalid("ratio", "must be one of 16:9, 4:3, 1:1, 3:4, 9:16, 21:9, adaptive")),
    (text_task(generate_audio=True), 400, "InvalidParameter", "generate_audio",
     invalid("generate_audio", f"is not supported by {PRO}")),
    (text_task(execution_expires_after=100), 400, "InvalidParameter", "execution_expires_after",
     invalid("execution_expires_after", "must be within [3600, 259200]")),
    (text_task(service_tier="cheap"), 400, "InvalidParameter", "service_tier",
     invalid("service_tier", "must be default or flex")),
    (text_task(watermark="yes"), 400, "InvalidParameter", "watermark", invalid("watermark", "must be a boolean")),
    (text_task(callback_url="ftp://x"), 400, "InvalidParameter", "callback_url",
     invalid("callback_url", "must be an http(s) URL")),
    (text_task(callback_url=5), 400, "InvalidParameter", "callback_url", invalid("callback_url", "must be a string")),
    (_text(V20, service_tier="flex"), 400, "InvalidParameter", "service_tier",
     invalid("service_tier", f"is not supported by {V20}")),
    (_text(V20, priority=10), 400, "InvalidParameter", "priority", invalid("priority", "must be within [0, 9]")),
    (_text(V20, frames=57), 400, "InvalidParameter", "frames", invalid("frames", f"is not supported by {V20}")),
    (_text(V20, safety_identifier="u" * 65), 400, "InvalidParameter", "safety_identifier",
     invalid("safety_identifier", "must be at most 64 characters")),
    (_text(V20, tools=[{"type": "code"}]), 400, "InvalidParameter", "tools",
     invalid("tools", 'only [{"type": "web_search"}] is supported')),
    (_text(V25, output_format="avi"), 400, "InvalidParameter", "output_format",
     invalid("output_format", "must be mp4 or mov")),
    (_text(V15, draft=True, resolution="720p"), 400, "InvalidParameter", "resolution",
     invalid("resolution", "a draft task is rendered at 480p only")),
    (_text(V15, draft=True, return_last_frame=True), 400, "InvalidParameter", "return_last_frame",
     invalid("return_last_frame", "a draft task returns no last frame")),
    (_text(V15, draft=True, service_tier="flex"), 400, "InvalidParameter", "service_tier",
     invalid("service_tier", "flex is not available for draft tasks")),
    ({"model": PRO, "content": [_img("data:image/png;base64,!!")]}, 400, "InvalidImageURL.InvalidFormat", "content",
     "The image is not valid: the image base64 is not valid."),
    ({"model": PRO, "content": [_img("")]}, 400, "InvalidImageURL.EmptyURL", "content", "The image URL is empty."),
    ({"model": V20, "content": [_img("asset://a-1")]}, 400, "InvalidParameter", "content",
     invalid("content", "asset:// URIs name the service's asset library, which this local server lacks "
                        "(start it with --assets DIR)")),
]


@pytest.mark.parametrize("body, status, code, param, message", BAD, ids=[f"{b[3]}:{n}" for n, b in enumerate(BAD)])
async def test_create_refuses_like_the_service(body: dict, status: int, code: str, param: str, message: str) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        error_of(await http.post(TASKS, json=body), status, code, param, message)
        assert ark.tasks == {} and ark.stats["create"] == 1  # a refused create makes no task


async def test_modes_are_checked_per_model(image_url: str, tmp_path: Path) -> None:
    txt = {"type": "text", "text": "x"}
    small = make_image(tmp_path / "small.png", 200, 200)
    tiny = "data:image/png;base64," + base64.b64encode(small.read_bytes()).decode()
    video = {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}, "role": "reference_video"}
    cases = [
        ({"model": PRO, "content": [txt, _img(image_url), _img(image_url)]}, "role must be specified for image contents"),
        ({"model": V20, "content": [_img(image_url, "first_frame"), _img(image_url, "reference_image")]},
         "first frame, first-last frame and reference modes are mutually exclusive"),
        ({"model": LITE_T2V, "content": [txt, _img(image_url)]}, f"{LITE_T2V} does not support first frame tasks"),
        ({"model": PRO_FAST, "content": [_img(image_url, "first_frame"), _img(image_url, "last_frame")]},
         f"{PRO_FAST} does not support first last frame tasks"),
        ({"model": PRO, "content": [_img(image_url, "last_frame")]}, "a last_frame image needs a first_frame image"),
        ({"model": PRO, "content": [_img(tiny)]}, "image sides must be within [300, 6000] px, got 200x200"),
        ({"model": V20, "content": [video] * 4}, "at most 3 reference videos"),
        ({"model": V20, "content": [{**video, "video_url": {"url": "data:video/mp4;base64,AA=="}}]},
         "reference_video must be provided as a web url"),
        ({"model": LITE_I2V, "content": [_img(image_url, "reference_image")] * 5},
         "reference-image mode takes 1 to 4 images"),
        ({"model": LITE_I2V, "content": [_img(image_url, "reference_image")], "camera_fixed": True},
         "is not available in reference mode"),
    ]
    async with ark_in_process(faults=PARKED) as (ark, http):
        for body, reason in cases:
            param = "camera_fixed" if "camera_fixed" in body else "content"
            error_of(await http.post(TASKS, json=body), 400, "InvalidParameter", param, invalid(param, reason))
        constrained = {"model": V25, "content": [_img(image_url, "first_frame")], "ratio": "16:9"}
        error_of(await http.post(TASKS, json=constrained), 400, "InvalidParameter.TaskTypeConstraint", "ratio",
                 "The parameter ratio specified in the request is not valid. For first-frame or first-last-frame "
                 "generation, the output ratio follows the first-frame image.")
        assert ark.tasks == {}


async def test_malformed_bodies_and_auth() -> None:
    async with ark_in_process(key="server-key-1", faults=PARKED, api_key="server-key-1", max_body=2000) as (ark, http):
        error_of(await http.post(TASKS, content=b"{not json", headers={"Content-Type": "application/json"}), 400,
                 "InvalidParameter", "body", invalid("body", "the request body is not valid JSON"))
        error_of(await http.post(TASKS, json=[1, 2]), 400, "InvalidParameter", "body",
                 invalid("body", "the request body must be a JSON object"))
        error_of(await http.post(TASKS, json=text_task(pad="x" * 3000)), 413, "InvalidParameter", "body",
                 "The request body is larger than 2000 bytes.")
        refused = "The API key or AK/SK in the request is missing or invalid."
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic server-key-1"},
                        {"Authorization": "Bearer "}):
            error_of(await http.get(TASKS + "/cgt-x", headers=headers), 401, "AuthenticationError", "", refused)
        error_of(await http.get(TASKS + "/cgt-x"), 404, "NotFound.TaskId", "id", "The specified task cgt-x is not found.")
        assert ark.tasks == {}
    async with ark_in_process(key="anything", faults=PARKED) as (ark, http):  # no api_key: any bearer token
        await create(http, text_task())
        error_of(await http.post(TASKS, json=text_task(), headers={"Authorization": ""}), 401, "AuthenticationError", "",
                 refused)
        assert len(ark.tasks) == 1


# -- what a create echoes ------------------------------------------------------------------------

async def test_optional_fields_and_echoes() -> None:
    sdk_nulls = {k: None for k in ("safety_identifier", "callback_url", "return_last_frame", "service_tier",
                                   "execution_expires_after", "priority", "generate_audio", "draft",
                                   "camera_fixed", "watermark", "seed", "resolution", "duration", "frames",
                                   "tools", "output_format", "omni_reference_task_type")}
    async with ark_in_process(faults=PARKED) as (ark, http):
        task_id = await create(http, {"model": V15, "content": [{"type": "text", "text": "hi"}], **sdk_nulls,
                                      "ratio": "16:9"})
        task = (await http.get(f"{TASKS}/{task_id}")).json()
        seed = task["seed"]
        assert 0 <= seed < 2**31  # -1 / absent: a random seed, recorded
        assert task == {"id": task_id, "model": V15, "status": "queued", "error": None,
                        "created_at": task["created_at"], "updated_at": task["created_at"], "seed": seed,
                        "resolution": "720p", "ratio": "16:9", "duration": 5, "framespersecond": 24,
                        "generate_audio": True, "draft": False, "service_tier": "default",
                        "execution_expires_after": 172800}
        framed = (await http.get(TASKS + "/" + await create(http, text_task(frames=57)))).json()
        assert framed["frames"] == 57 and "duration" not in framed
        v25 = await http.post(TASKS, json={"model": V25, "content": [{"type": "text", "text": "a kite"}],
                                        "priority": 3, "safety_identifier": "u-1"})
        assert v25.json() == {"id": v25.json()["id"], "safety_identifier": "u-1"}
        got = (await http.get(TASKS + "/" + v25.json()["id"])).json()
        assert (got["priority"], got["duration"], got["ratio"], got["safety_identifier"]) == (3, 5, "16:9", "u-1")
        for model in (PRO, PRO_FAST, LITE_T2V, V15):  # §2: safety_identifier is for every model
            told = await http.post(TASKS, json=_text(model, safety_identifier="u-2"))
            assert told.status_code == 200 and told.json()["safety_identifier"] == "u-2", told.text


async def test_ratio_follows_the_image_adaptive(image_url: str) -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        adaptive = await create(http, {"model": PRO, "content": [_img(image_url, "first_frame")], "ratio": "adaptive"})
        task = (await http.get(f"{TASKS}/{adaptive}")).json()
        assert (task["ratio"], task["resolution"]) == ("16:9", "1080p")
        kept = await http.post(TASKS, json={"model": PRO, "content": [_img(image_url)], "ratio": "keep_ratio"})
        error_of(kept, 400, "InvalidParameter", "ratio",
                 invalid("ratio", "must be one of 16:9, 4:3, 1:1, 3:4, 9:16, 21:9, adaptive"))
        video = {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}, "role": "reference_video"}
        multimodal = await create(http, {"model": V20, "content": [{"type": "text", "text": "x"}, video,
                                                                    _img(image_url, "reference_image")]})
        assert ark.tasks[multimodal].spec.reference_videos == 1 and ark.tasks[multimodal].spec.mode == "multimodal"


NASTY = [None, 0, "x", {"model": 5}, {"model": PRO, "content": "x"}, {"model": PRO, "content": [None]},
         {"model": PRO, "content": [{"type": "text", "text": 5}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": "x"}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": 5}, "role": ["x"]}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
         {"model": V20, "content": [{"type": "audio_url", "audio_url": {"url": None}, "role": "reference_audio"}]},
         {"model": V15, "content": [{"type": "draft_task", "draft_task": "cgt-x"}]},
         {"model": V15, "content": [{"type": "draft_task"}, {"type": "text", "text": "x"}]},
         text_task(seed=1.5), text_task(duration=True), text_task(resolution=["480p"]), text_task(tools="web"),
         text_task(ratio={"w": 1}), text_task(execution_expires_after=1e9), {**text_task(), "content": [{}]},
         _text(V25, omni_reference_task_type=["edit"])]


async def test_nasty_bodies_get_a_4xx_never_a_500() -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        for body in NASTY:
            response = await http.post(TASKS, json=body)
            assert 400 <= response.status_code < 500 and set(response.json()["error"]) == {
                "code", "message", "param", "type"}, (body, response.text)
        assert ark.tasks == {} and ark.stats["create"] == len(NASTY)


# -- list ----------------------------------------------------------------------------------------

async def test_list_filters_pages_newest_first() -> None:
    async with ark_in_process(faults=PARKED) as (ark, http):
        ids = [await create(http, text_task(seed=n)) for n in range(5)]
        flex = await create(http, text_task(service_tier="flex"))
        lite = await create(http, _text(LITE_T2V))
        assert (await http.delete(f"{TASKS}/{ids[0]}")).json() == {}

        async def listed(**params) -> tuple[int, list[str]]:
            body = (await http.get(TASKS, params=params)).json()
            assert set(body) == {"total", "items"}
            return body["total"], [t["id"] for t in body["items"]]

        # filter.service_tier defaults to default: a flex task is listed only when asked for (§9.1)
        assert await listed() == (6, [lite, *reversed(ids)])  # newest first, default page_size 10
        assert await listed(**{"filter.status": "cancelled"}) == (1, [ids[0]])
        assert await listed(**{"filter.status": "queued"}) == (5, [lite, *reversed(ids[1:])])
        assert await listed(**{"filter.service_tier": "flex"}) == (1, [flex])
        assert await listed(**{"filter.service_tier": "flex", "filter.task_ids": [flex, ids[1]]}) == (1, [flex])
        assert await listed(**{"filter.service_tier": "default"}) == (6, [lite, *reversed(ids)])
        assert await listed(**{"filter.task_ids": [ids[1], ids[3], "cgt-nope"]}) == (2, [ids[3], ids[1]])
        assert await listed(**{"filter.status": "succeeded"}) == (0, [])
        assert await listed(page_num=2, page_size=3) == (6, [ids[2], ids[1], ids[0]])
        assert await listed(page_num=3, page_size=3) == (6, [])
        for name, value in (("page_size", "501"), ("page_num", "0"), ("page_num", "x"), ("page_size", "-1")):
            error_of(await http.get(TASKS, params={name: value}), 400, "InvalidParameter", name,
                     invalid(name, "must be an integer within [1, 500]"))
        error_of(await http.get(TASKS, params={"filter.status": "done"}), 400, "InvalidParameter", "filter.status",
                 invalid("filter.status", "must be one of queued, running, cancelled, succeeded, failed, expired"))
        error_of(await http.get(TASKS, params={"filter.service_tier": "x"}), 400, "InvalidParameter",
                 "filter.service_tier", invalid("filter.service_tier", "must be default or flex"))
        first = (await http.get(TASKS)).json()["items"][0]
        assert first == (await http.get(f"{TASKS}/{first['id']}")).json()  # items are the GET object


async def test_list_filters_by_the_endpoint_id_a_task_was_created_through_not_its_model() -> None:
    """§9.1: filter.model is the Endpoint ID the task used ("与返回参数不同"), not the model name the task
    reports: a client that filters by a model ID finds nothing, here as it may on the service."""
    async with ark_in_process(faults=PARKED, endpoints={"ep-20250101-abc": PRO}) as (ark, http):
        via_endpoint = await create(http, text_task(model="ep-20250101-abc"))
        direct = await create(http, text_task())
        assert (await http.get(f"{TASKS}/{via_endpoint}")).json()["model"] == PRO
        by_endpoint = (await http.get(TASKS, params={"filter.model": "ep-20250101-abc"})).json()
        by_model = (await http.get(TASKS, params={"filter.model": PRO})).json()
        everything = (await http.get(TASKS)).json()
        assert [t["id"] for t in by_endpoint["items"]] == [via_endpoint]
        assert by_model == {"total": 0, "items": []}
        assert [t["id"] for t in everything["items"]] == [direct, via_endpoint]


# -- delete per status ---------------------------------------------------------------------------

def _not_now(task_id: str, status: str) -> str:
    return (f"The task {task_id} is {status}; only queued tasks can be cancelled and only succeeded, failed or "
            "expired tasks deleted.")


async def test_delete_cancels_queued_refuses_running_and_cancelled_forgets_expired() -> None:
    async with ark_in_process(concurrency=1, faults=HELD) as (ark, http):
        running = await create(http, text_task(execution_expires_after=3600))
        await settled(ark, running, {"running"})
        queued = await create(http, text_task())
        assert ark.tasks[queued].status == "queued"  # one slot for the model
        error_of(await http.delete(f"{TASKS}/{running}"), 400, "InvalidParameter", "id", _not_now(running, "running"))
        assert (await http.delete(f"{TASKS}/{queued}")).json() == {}
        cancelled = (await http.get(f"{TASKS}/{queued}")).json()
        assert cancelled["status"] == "cancelled" and cancelled["updated_at"] >= cancelled["created_at"]
        error_of(await http.delete(f"{TASKS}/{queued}"), 400, "InvalidParameter", "id", _not_now(queued, "cancelled"))
        ark.advance(3601)
        ark.queue.sweep()
        expired = (await http.get(f"{TASKS}/{running}")).json()
        assert (expired["status"], expired["error"], "content" in expired) == ("expired", None, False)
        assert (await http.delete(f"{TASKS}/{running}")).json() == {}
        gone = f"The specified task {running} is not found."
        error_of(await http.get(f"{TASKS}/{running}"), 404, "NotFound.TaskId", "id", gone)
        error_of(await http.delete(f"{TASKS}/{running}"), 404, "NotFound.TaskId", "id", gone)
        assert list(ark.tasks) == [queued]


@pytest.mark.parametrize("faults, status", [("fail=1", "failed"), ("", "succeeded")])
async def test_delete_forgets_a_finished_task_and_its_files(faults: str, status: str) -> None:
    async with ark_in_process(faults=faults) as (ark, http):
        task_id = await create(http, text_task(return_last_frame=True))
        assert await settled(ark, task_id, {"succeeded", "failed"}) == status
        folder = ark.workdir / ark.tasks[task_id].files
        files = ["last_frame.png", "video.mp4"] if status == "succeeded" else []  # a failing task renders nothing
        assert sorted(p.name for p in folder.glob("*")) == files
        assert (await http.delete(f"{TASKS}/{task_id}")).json() == {}
        assert ark.tasks == {} and not folder.exists()


# -- limits and the queue's order -----------------------------------------------------------------

async def test_rpm_limit_answers_429_with_the_service_body() -> None:
    async with ark_in_process(rpm=2, faults=PARKED) as (ark, http):
        await create(http, text_task())
        ark.advance(30)
        await create(http, text_task())
        refused = await http.post(TASKS, json=text_task())
        error_of(refused, 429, "ModelAccountRpmRateLimitExceeded", "",
                 f"The request has exceeded the RPM limit (2) of model {PRO}.")
        assert refused.headers["Retry-After"] == "30"  # when the oldest create leaves the minute
        await create(http, _text(LITE_T2V))  # the limit is per model
        ark.advance(31)
        await create(http, text_task())
        assert len(ark.tasks) == 4


async def test_queued_quota_and_flex_tokens_per_day() -> None:
    per_task = 864 * 480 * 49 // 1024
    async with ark_in_process(faults=PARKED, max_queued=2, flex_tpd=per_task * 3) as (ark, http):
        await create(http, text_task())
        await create(http, text_task())
        error_of(await http.post(TASKS, json=text_task()), 429, "QuotaExceeded", "", "The request has exceeded the quota.")
        ark.limits.max_queued = None
        for _ in range(3):
            await create(http, text_task(service_tier="flex"))
        error_of(await http.post(TASKS, json=text_task(service_tier="flex")), 429, "QuotaExceeded", "",
                 f"The request has exceeded the flex tier's tokens per day ({per_task * 3}) of model {PRO}.")
        await create(http, text_task())  # the default tier has no tokens-per-day limit
        assert len(ark.tasks) == 6


async def _expire_the_runner(ark, runner: str, after: int, next_up: str) -> None:
    """Move time past the running task's expiry: its slot goes to the next task in line."""
    for _ in range(10):  # every new task runs up to its place in line (asyncio runs ready tasks in order)
        await asyncio.sleep(0)
    ark.advance(after - (ark.clock.now() - ark.tasks[runner].created_at) + 1)
    ark.queue.sweep()
    assert ark.tasks[runner].status == "expired"
    await settled(ark, next_up, {"running"})


async def test_priority_orders_the_queue_of_a_model() -> None:
    async with ark_in_process(concurrency=1, faults=HELD) as (ark, http):
        order = {}
        for name, priority, expiry in (("blocker", 0, 3600), ("low", 1, 14400), ("high", 9, 7200), ("mid", 5, 10800)):
            order[name] = await create(http, _text(MINI, priority=priority, execution_expires_after=expiry))
            if name == "blocker":
                await settled(ark, order[name], {"running"})
        for runner, after, next_up in (("blocker", 3600, "high"), ("high", 7200, "mid"), ("mid", 10800, "low")):
            await _expire_the_runner(ark, order[runner], after, order[next_up])
            waiting = [n for n, i in order.items() if ark.tasks[i].status == "queued"]
            assert waiting == {"high": ["low", "mid"], "mid": ["low"], "low": []}[next_up]


async def test_flex_waits_its_delay_and_behind_default_tasks() -> None:
    async with ark_in_process(concurrency=1, faults=HELD, flex_delay=0) as (ark, http):
        blocker = await create(http, text_task(execution_expires_after=3600))
        await settled(ark, blocker, {"running"})
        flex = await create(http, text_task(service_tier="flex"))
        online = await create(http, text_task())
        await _expire_the_runner(ark, blocker, 3600, online)  # default first, though flex came earlier
        assert ark.tasks[flex].status == "queued"
    async with ark_in_process(faults=HELD, flex_delay=60) as (ark, http):
        flex = await create(http, text_task(service_tier="flex"))
        online = await create(http, text_task())
        await settled(ark, online, {"running"})
        assert ark.tasks[flex].status == "queued"  # a free slot, but a flex task waits its delay first


# -- retention and drafts (a render each; files fetched through the same in-process app) ------------

async def test_retention_media_after_a_day_records_after_a_week() -> None:
    async with ark_in_process() as (ark, http):
        done = await create(http, text_task())
        await settled(ark, done, {"succeeded"})
        video_url = (await http.get(f"{TASKS}/{done}")).json()["content"]["video_url"]
        ark.faults = PARKED
        cancelled = await create(http, text_task())
        assert (await http.delete(f"{TASKS}/{cancelled}")).json() == {}
        assert (await http.get(video_url)).status_code == 200
        ark.advance(86400 + 5)
        ark.queue.sweep()
        error_of(await http.get(video_url), 404, "NotFound", "", "The specified file is not found or has expired.")
        assert (await http.get(f"{TASKS}/{done}")).json()["status"] == "succeeded"  # the record stays 7 days
        error_of(await http.get(f"{TASKS}/{cancelled}"), 404, "NotFound.TaskId", "id",
                 f"The specified task {cancelled} is not found.")  # a cancelled record: 24 h
        ark.advance(6 * 86400)
        ark.queue.sweep()
        error_of(await http.get(f"{TASKS}/{done}"), 404, "NotFound.TaskId", "id",
                 f"The specified task {done} is not found.")
        assert ark.tasks == {} and list(ark.workdir.iterdir()) == []


async def test_a_draft_then_its_final_video() -> None:
    async with ark_in_process() as (ark, http):
        draft_id = await create(http, {"model": V15, "content": [{"type": "text", "text": "a fox"}], "draft": True,
                                       "seed": 8, "duration": 4, "ratio": "1:1", "generate_audio": False})
        await settled(ark, draft_id, {"succeeded"}, timeout=60)
        draft = (await http.get(f"{TASKS}/{draft_id}")).json()
        assert (draft["draft"], draft["resolution"], "last_frame_url" in draft["content"]) == (True, "480p", False)
        assert draft["usage"]["completion_tokens"] == int(640 * 640 * 97 // 1024 * 0.7)
        ark.faults = PARKED
        final_id = await create(http, {"model": V15, "content": [{"type": "draft_task", "draft_task": {"id": draft_id}}],
                                       "resolution": "720p", "seed": 1})
        final = (await http.get(f"{TASKS}/{final_id}")).json()
        assert (final["draft"], final["draft_task_id"], final["seed"], final["ratio"], final["resolution"],
                final["duration"], final["generate_audio"]) == (False, draft_id, 8, "1:1", "720p", 4, False)
        for body, param, reason in (
                ({"content": [{"type": "draft_task", "draft_task": {"id": final_id}}]}, "content",
                 f"draft_task {final_id} is not a succeeded draft task"),
                ({"content": [{"type": "draft_task", "draft_task": {"id": draft_id}}, {"type": "text", "text": "x"}]},
                 "content", "a draft_task item must be the only content item"),
                ({"content": [{"type": "draft_task", "draft_task": {"id": draft_id}}], "model": V25}, "model",
                 f"the draft was made with {V15}"),
                ({"content": [{"type": "draft_task", "draft_task": {"id": draft_id}}], "model": PRO}, "content",
                 f"{PRO} has no draft mode")):
            error_of(await http.post(TASKS, json={"model": V15, **body}), 400, "InvalidParameter", param,
                     invalid(param, reason))


def test_a_bad_fault_spec_fails_at_start() -> None:
    message = "fault spec: '429=7': a probability is within [0, 1]"
    with pytest.raises(FaultSpecError) as err:
        LocalArk(faults="429=7")
    assert str(err.value) == message
    with pytest.raises(FaultSpecError) as err, LocalServer(faults="429=7"):
        pass
    assert str(err.value) == message
