"""The tasks API contract (ark-api.md), over real sockets against the local server: every
endpoint, status, error and filter, JSON shapes field for field."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import httpx
import pytest

from helpers import PRO, ark_http, make_image, text_task, wait_status
from storyfilm.mediaio import probe
from storyfilm.mediaio import images
from storyfilm.seedance import models
from storyfilm.localark.embedded import LocalServer

ID = re.compile(r"^cgt-\d{14}-[a-z0-9]{5}$")
LITE_T2V = "doubao-seedance-1-0-lite-t2v-250428"
PRO_FAST = "doubao-seedance-1-0-pro-fast-251015"
V15 = "doubao-seedance-1-5-pro-251215"
V20 = "doubao-seedance-2-0-260128"
V25 = "doubao-seedance-2-5-260628"
PARKED = "queue=60"  # tasks stay queued: no rendering needed


@pytest.fixture(scope="module")
def parked():
    """A server whose tasks stay queued, for everything that needs no video."""
    with LocalServer(faults=PARKED) as server:
        yield server


@pytest.fixture(scope="module")
def image_url(tmp_path_factory) -> str:
    path = make_image(tmp_path_factory.mktemp("img") / "frame.png", 640, 360)
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def eventually(check, timeout: float = 10.0) -> bool:
    """True once check() is (the server's sweeper runs every sweep_interval)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _error(response: httpx.Response, status: int, code: str, param: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "param", "type"}
    err = body["error"]
    assert err["code"] == code
    assert err["type"] == {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 413: "BadRequest",
                           429: "TooManyRequests"}[status]
    assert err["message"].endswith("Request id: " + response.headers["X-Request-Id"])
    if param is not None:
        assert err["param"] == param
    return err


# -- create + get + download: the full task object ------------------------------------------

def test_a_task_from_create_to_files(tmp_path: Path) -> None:
    with LocalServer() as server:
        created = ark_http(server, "POST", json=text_task(seed=5, return_last_frame=True))
        assert created.status_code == 200 and set(created.json()) == {"id"}
        assert created.headers["X-Request-Id"].startswith("02")
        task_id = created.json()["id"]
        assert ID.match(task_id)
        queued = ark_http(server, "GET", f"/{task_id}").json()
        assert queued["status"] in ("queued", "running") and "content" not in queued and "usage" not in queued
        done = wait_status(server, task_id, {"succeeded", "failed"})
        assert set(done) == {"id", "model", "status", "error", "created_at", "updated_at", "content", "seed",
                             "resolution", "ratio", "duration", "framespersecond", "service_tier",
                             "execution_expires_after", "usage"}
        width, height = models.MODELS[PRO].size("480p", "16:9")
        tokens = width * height * 49 // 1024
        assert done | {"content": None, "created_at": 0, "updated_at": 0} == {
            "id": task_id, "model": PRO, "status": "succeeded", "error": None, "created_at": 0, "updated_at": 0,
            "content": None, "seed": 5, "resolution": "480p", "ratio": "16:9", "duration": 2,
            "framespersecond": 24, "service_tier": "default", "execution_expires_after": 172800,
            "usage": {"completion_tokens": tokens, "total_tokens": tokens}}
        assert done["created_at"] <= done["updated_at"] <= time.time() + 1
        assert set(done["content"]) == {"video_url", "last_frame_url"}
        for url, name in ((done["content"]["video_url"], "v.mp4"), (done["content"]["last_frame_url"], "f.png")):
            (tmp_path / name).write_bytes(httpx.get(url).content)  # no key needed: the URL is the secret
        info = probe.probe(tmp_path / "v.mp4")
        assert (info.width, info.height, info.frames) == (864, 480, 49) == (width, height, models.frames_for(2))
        assert images.sniff((tmp_path / "f.png").read_bytes()) == images.ImageInfo("png", 864, 480)
        # guessing a file URL gets nothing
        assert httpx.get(server.root_url + "/files/x/video.mp4").status_code == 404


def test_optional_fields_and_echoes(parked: LocalServer) -> None:
    sdk_nulls = {k: None for k in ("safety_identifier", "callback_url", "return_last_frame", "service_tier",
                                   "execution_expires_after", "priority", "generate_audio", "draft",
                                   "camera_fixed", "watermark", "seed", "resolution", "duration", "frames",
                                   "tools", "output_format", "omni_reference_task_type")}
    body = {"model": V15, "content": [{"type": "text", "text": "hi"}], **sdk_nulls, "ratio": "16:9"}
    task = ark_http(parked, "GET", "/" + ark_http(parked, "POST", json=body).json()["id"]).json()
    assert set(task) == {"id", "model", "status", "error", "created_at", "updated_at", "seed", "resolution",
                         "ratio", "duration", "framespersecond", "generate_audio", "draft", "service_tier",
                         "execution_expires_after"}
    assert (task["resolution"], task["duration"], task["generate_audio"], task["draft"]) == ("720p", 5, True, False)
    assert 0 <= task["seed"] < 2**32  # -1 / absent: a random seed, recorded
    framed = ark_http(parked, "GET", "/" + ark_http(parked, "POST", json=text_task(frames=57)).json()["id"]).json()
    assert framed["frames"] == 57 and "duration" not in framed
    v25 = ark_http(parked, "POST", json={"model": V25, "content": [{"type": "text", "text": "a kite"}],
                                          "priority": 3, "safety_identifier": "u-1"})
    assert v25.json()["safety_identifier"] == "u-1"
    got = ark_http(parked, "GET", "/" + v25.json()["id"]).json()
    assert (got["priority"], got["duration"], got["ratio"]) == (3, 5, "16:9")


def test_adaptive_ratio_follows_the_first_frame(parked: LocalServer, image_url: str) -> None:
    tall = {"type": "image_url", "image_url": {"url": image_url}, "role": "first_frame"}
    body = {"model": PRO, "content": [{"type": "text", "text": "x"}, tall], "ratio": "adaptive"}
    task = ark_http(parked, "GET", "/" + ark_http(parked, "POST", json=body).json()["id"]).json()
    assert task["ratio"] == "16:9" and task["resolution"] == "1080p"


# -- create refusals: the service's error JSON and HTTP status --------------------------------

def _img(url: str, role: str | None = None) -> dict:
    item = {"type": "image_url", "image_url": {"url": url}}
    return item | ({"role": role} if role else {})


BAD = [
    ({"content": [{"type": "text", "text": "x"}]}, 400, "MissingParameter", "model"),
    ({"model": "no-such-model", "content": [{"type": "text", "text": "x"}]}, 404, "InvalidEndpointOrModel.NotFound", "model"),
    ({"model": PRO}, 400, "MissingParameter", "content"),
    ({"model": PRO, "content": []}, 400, "InvalidParameter", "content"),
    ({"model": PRO, "content": [{"type": "gif"}]}, 400, "InvalidParameter", "content"),
    ({"model": PRO, "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}, 400, "InvalidParameter", "content"),
    (text_task(resolution="4k"), 400, "InvalidParameter", "resolution"),
    (text_task(duration=13), 400, "InvalidParameter", "duration"),
    (text_task(duration=-1), 400, "InvalidParameter", "duration"),
    (text_task(duration="5"), 400, "InvalidParameter", "duration"),
    (text_task(frames=30), 400, "InvalidParameter", "frames"),
    (text_task(seed=2**32), 400, "InvalidParameter", "seed"),
    (text_task(ratio="5:4"), 400, "InvalidParameter", "ratio"),
    (text_task(ratio="adaptive"), 400, "InvalidParameter", "ratio"),
    (text_task(generate_audio=True), 400, "InvalidParameter", "generate_audio"),
    (text_task(execution_expires_after=100), 400, "InvalidParameter", "execution_expires_after"),
    (text_task(service_tier="cheap"), 400, "InvalidParameter", "service_tier"),
    (text_task(watermark="yes"), 400, "InvalidParameter", "watermark"),
    (text_task(callback_url="ftp://x"), 400, "InvalidParameter", "callback_url"),
    ({"model": V20, "content": [{"type": "text", "text": "x"}], "service_tier": "flex"}, 400, "InvalidParameter", "service_tier"),
    ({"model": V20, "content": [{"type": "text", "text": "x"}], "priority": 10}, 400, "InvalidParameter", "priority"),
    ({"model": V20, "content": [{"type": "text", "text": "x"}], "frames": 57}, 400, "InvalidParameter", "frames"),
    ({"model": V15, "content": [{"type": "text", "text": "x"}], "draft": True, "resolution": "720p"}, 400, "InvalidParameter", "resolution"),
    ({"model": V15, "content": [{"type": "text", "text": "x"}], "draft": True, "return_last_frame": True}, 400, "InvalidParameter", "return_last_frame"),
    ({"model": PRO, "content": [_img("data:image/png;base64,!!")]}, 400, "InvalidImageURL.InvalidFormat", "content"),
    ({"model": PRO, "content": [_img("")]}, 400, "InvalidImageURL.EmptyURL", "content"),
]


@pytest.mark.parametrize("body, status, code, param", BAD, ids=[f"{b[2]}:{b[3]}:{n}" for n, b in enumerate(BAD)])
def test_create_refuses_like_the_service(parked: LocalServer, body: dict, status: int, code: str, param: str) -> None:
    before = len(parked.ark.tasks)
    _error(ark_http(parked, "POST", json=body), status, code, param)
    assert len(parked.ark.tasks) == before  # a refused create makes no task


def test_modes_are_checked_per_model(parked: LocalServer, image_url: str, tmp_path: Path) -> None:
    txt = {"type": "text", "text": "x"}
    cases = [
        ({"model": PRO, "content": [txt, _img(image_url), _img(image_url)]}, "role must be specified for image contents"),
        ({"model": V20, "content": [_img(image_url, "first_frame"), _img(image_url, "reference_image")]}, "mutually exclusive"),
        ({"model": LITE_T2V, "content": [txt, _img(image_url)]}, "does not support first frame tasks"),
        ({"model": PRO_FAST, "content": [_img(image_url, "first_frame"), _img(image_url, "last_frame")]},
         "does not support first last frame tasks"),
        ({"model": PRO, "content": [_img(image_url, "last_frame")]}, "a last_frame image needs a first_frame image"),
    ]
    for body, words in cases:
        assert words in _error(ark_http(parked, "POST", json=body), 400, "InvalidParameter", "content")["message"]
    small = make_image(tmp_path / "small.png", 200, 200)
    tiny = "data:image/png;base64," + base64.b64encode(small.read_bytes()).decode()
    assert "[300, 6000]" in _error(ark_http(parked, "POST", json={"model": PRO, "content": [_img(tiny)]}),
                                   400, "InvalidParameter", "content")["message"]
    constrained = {"model": V25, "content": [_img(image_url, "first_frame")], "ratio": "16:9"}
    _error(ark_http(parked, "POST", json=constrained), 400, "InvalidParameter.TaskTypeConstraint", "ratio")


def test_malformed_bodies_and_auth() -> None:
    with LocalServer(faults=PARKED, api_key="server-key-1", max_body=2000) as server:
        _error(ark_http(server, "POST", content=b"{not json", key="server-key-1"), 400, "InvalidParameter", "body")
        _error(ark_http(server, "POST", json=[1, 2], key="server-key-1"), 400, "InvalidParameter", "body")
        _error(ark_http(server, "POST", json=text_task(pad="x" * 3000), key="server-key-1"), 413, "InvalidParameter")
        _error(ark_http(server, "GET", "/cgt-x", key=None), 401, "AuthenticationError")
        _error(ark_http(server, "GET", "/cgt-x", key="wrong"), 401, "AuthenticationError")
        _error(ark_http(server, "GET", "/cgt-x", key="server-key-1"), 404, "NotFound.TaskId", "id")
    with LocalServer(faults=PARKED) as server:  # without --api-key: any bearer token, but one is needed
        assert ark_http(server, "POST", json=text_task(), key="anything").status_code == 200
        _error(ark_http(server, "POST", json=text_task(), key=None), 401, "AuthenticationError")


# -- list --------------------------------------------------------------------------------------

def test_list_filters_pages_newest_first() -> None:
    with LocalServer(faults=PARKED) as server:
        ids = [ark_http(server, "POST", json=text_task(seed=n)).json()["id"] for n in range(5)]
        flex = ark_http(server, "POST", json=text_task(service_tier="flex")).json()["id"]
        lite = ark_http(server, "POST", json={"model": LITE_T2V, "content": [{"type": "text", "text": "x"}]}).json()["id"]
        assert ark_http(server, "DELETE", f"/{ids[0]}").json() == {}
        everything = ark_http(server, "GET").json()
        assert set(everything) == {"total", "items"} and everything["total"] == 7
        assert [t["id"] for t in everything["items"]] == [lite, flex, *reversed(ids)]  # default page_size 10

        def listed(**params) -> tuple[int, list[str]]:
            body = ark_http(server, "GET", params=params).json()
            return body["total"], [t["id"] for t in body["items"]]

        assert listed(**{"filter.status": "cancelled"}) == (1, [ids[0]])
        assert listed(**{"filter.status": "queued", "filter.model": PRO}) == (5, [flex, *reversed(ids[1:])])
        assert listed(**{"filter.service_tier": "flex"}) == (1, [flex])
        assert listed(**{"filter.model": LITE_T2V}) == (1, [lite])
        assert listed(**{"filter.task_ids": [ids[1], ids[3], "cgt-nope"]}) == (2, [ids[3], ids[1]])
        assert listed(page_num=2, page_size=3) == (7, [ids[3], ids[2], ids[1]])
        assert listed(page_num=4, page_size=3) == (7, [])
        for bad in ({"page_size": "501"}, {"page_num": "0"}, {"page_num": "x"}):
            _error(ark_http(server, "GET", params=bad), 400, "InvalidParameter", next(iter(bad)))
        _error(ark_http(server, "GET", params={"filter.status": "done"}), 400, "InvalidParameter", "filter.status")
        item = everything["items"][0]
        assert item == ark_http(server, "GET", f"/{item['id']}").json()  # items are the GET object


# -- statuses, delete, limits, flex, expiry, retention -----------------------------------------

def test_delete_per_status_and_concurrency() -> None:
    with LocalServer(concurrency=1, faults="run=2.5") as server:
        first = ark_http(server, "POST", json=text_task(seed=1)).json()["id"]
        second = ark_http(server, "POST", json=text_task(seed=2)).json()["id"]
        assert wait_status(server, first, {"running"})["status"] == "running"
        assert ark_http(server, "GET", f"/{second}").json()["status"] == "queued"  # one slot for the model
        _error(ark_http(server, "DELETE", f"/{first}"), 400, "InvalidParameter", "id")  # running: no
        assert ark_http(server, "DELETE", f"/{second}").json() == {}  # queued: cancelled
        cancelled = ark_http(server, "GET", f"/{second}").json()
        assert cancelled["status"] == "cancelled" and cancelled["updated_at"] >= cancelled["created_at"]
        _error(ark_http(server, "DELETE", f"/{second}"), 400, "InvalidParameter", "id")  # cancelled: no
        assert wait_status(server, first, {"succeeded"})["status"] == "succeeded"
        assert ark_http(server, "DELETE", f"/{first}").json() == {}  # finished: deleted
        _error(ark_http(server, "GET", f"/{first}"), 404, "NotFound.TaskId", "id")
        _error(ark_http(server, "DELETE", f"/{first}"), 404, "NotFound.TaskId", "id")


def test_rpm_limit_answers_429_with_the_service_body() -> None:
    with LocalServer(rpm=2, faults=PARKED) as server:
        assert [ark_http(server, "POST", json=text_task()).status_code for _ in range(2)] == [200, 200]
        refused = ark_http(server, "POST", json=text_task())
        _error(refused, 429, "ModelAccountRpmRateLimitExceeded", "")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        other = {"model": LITE_T2V, "content": [{"type": "text", "text": "x"}]}
        assert ark_http(server, "POST", json=other).status_code == 200  # the limit is per model
        assert len(server.ark.tasks) == 3


def test_flex_waits_behind_default_and_tasks_expire() -> None:
    with LocalServer(concurrency=1, flex_delay=0.3, faults="run=1.5", sweep_interval=0.05) as server:
        flex = ark_http(server, "POST", json=text_task(service_tier="flex")).json()["id"]
        online = ark_http(server, "POST", json=text_task()).json()["id"]
        assert wait_status(server, online, {"running"})["status"] == "running"
        assert ark_http(server, "GET", f"/{flex}").json()["status"] == "queued"
        assert wait_status(server, flex, {"running", "succeeded"})["service_tier"] == "flex"
        server.ark.faults = PARKED
        late = ark_http(server, "POST", json=text_task(execution_expires_after=3600)).json()["id"]
        server.ark.advance(3601)
        expired = wait_status(server, late, {"expired"}, timeout=5)
        assert expired["status"] == "expired" and expired["error"] is None and "content" not in expired
        assert ark_http(server, "DELETE", f"/{late}").json() == {}


def test_retention_media_then_records() -> None:
    with LocalServer(sweep_interval=0.05) as server:
        done = wait_status(server, ark_http(server, "POST", json=text_task()).json()["id"], {"succeeded"})
        server.ark.faults = PARKED
        cancelled = ark_http(server, "POST", json=text_task()).json()["id"]
        ark_http(server, "DELETE", f"/{cancelled}")
        assert httpx.get(done["content"]["video_url"]).status_code == 200
        server.ark.advance(86400 + 5)
        assert eventually(lambda: httpx.get(done["content"]["video_url"]).status_code == 404)  # media: 24 h
        assert ark_http(server, "GET", f"/{done['id']}").status_code == 200  # records 7 days
        _error(ark_http(server, "GET", f"/{cancelled}"), 404, "NotFound.TaskId")  # cancelled: 24 h
        server.ark.advance(6 * 86400)
        assert eventually(lambda: ark_http(server, "GET", f"/{done['id']}").status_code == 404)
        _error(ark_http(server, "GET", f"/{done['id']}"), 404, "NotFound.TaskId")


def test_a_download_under_way_survives_the_retention_sweep() -> None:
    """A file the sweep removes while it is being sent still arrives whole (no truncated body)."""
    with LocalServer(sweep_interval=0.05) as server:
        done = wait_status(server, ark_http(server, "POST", json=text_task()).json()["id"], {"succeeded"})
        url = done["content"]["video_url"]
        with httpx.stream("GET", url) as response:
            assert response.status_code == 200
            server.ark.advance(86400 + 5)
            assert eventually(lambda: httpx.get(url).status_code == 404)  # swept meanwhile
            body = response.read()
        assert len(body) == int(response.headers["content-length"]) > 0


def test_a_gateway_tasks_path() -> None:
    with LocalServer(faults=PARKED, tasks_path="/v1/videos", api_prefix="") as server:
        response = httpx.post(server.base_url + "/v1/videos", json=text_task(),
                              headers={"Authorization": "Bearer k"})
        assert response.status_code == 200 and ID.match(response.json()["id"])


def test_reference_media_counts_and_keep_ratio(parked: LocalServer, image_url: str) -> None:
    video = {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}, "role": "reference_video"}
    ok = {"model": V20, "content": [{"type": "text", "text": "x"}, video, _img(image_url, "reference_image")]}
    assert ark_http(parked, "POST", json=ok).status_code == 200
    too_many = {"model": V20, "content": [video] * 4}
    assert "at most 3 reference videos" in _error(ark_http(parked, "POST", json=too_many), 400,
                                                  "InvalidParameter", "content")["message"]
    b64_video = {"model": V20, "content": [{"type": "video_url", "video_url": {"url": "data:video/mp4;base64,AA=="},
                                            "role": "reference_video"}]}
    assert "web url" in _error(ark_http(parked, "POST", json=b64_video), 400, "InvalidParameter")["message"]
    lite = {"model": "doubao-seedance-1-0-lite-i2v-250428", "content": [_img(image_url, "reference_image")] * 5}
    assert "1 to 4 images" in _error(ark_http(parked, "POST", json=lite), 400, "InvalidParameter")["message"]
    kept = {"model": PRO, "content": [_img(image_url)], "ratio": "keep_ratio", "resolution": "480p"}
    task_id = ark_http(parked, "POST", json=kept).json()["id"]
    spec = parked.ark.tasks[task_id].spec
    assert ark_http(parked, "GET", f"/{task_id}").json()["ratio"] == "keep_ratio"
    assert (spec.width, spec.height) == (858, 482)  # 640:360 at about the 864×480 pixel count, even sides
    assert abs(spec.width / spec.height - 640 / 360) < 0.01


def test_a_draft_then_its_final_video() -> None:
    with LocalServer(sweep_interval=0.05) as server:
        draft_body = {"model": V15, "content": [{"type": "text", "text": "a fox"}], "draft": True, "seed": 8,
                      "duration": 4, "ratio": "1:1", "generate_audio": False}
        draft = wait_status(server, ark_http(server, "POST", json=draft_body).json()["id"], {"succeeded"}, 60)
        assert (draft["draft"], draft["resolution"]) == (True, "480p")
        assert draft["usage"]["completion_tokens"] == int(640 * 640 * 97 // 1024 * 0.7)
        server.ark.faults = PARKED
        final_body = {"model": V15, "content": [{"type": "draft_task", "draft_task": {"id": draft["id"]}}],
                      "resolution": "720p", "seed": 1}
        final = ark_http(server, "GET", "/" + ark_http(server, "POST", json=final_body).json()["id"]).json()
        assert (final["draft"], final["draft_task_id"], final["seed"], final["ratio"], final["resolution"],
                final["duration"], final["generate_audio"]) == (False, draft["id"], 8, "1:1", "720p", 4, False)
        not_a_draft = {"model": V15, "content": [{"type": "draft_task", "draft_task": {"id": final["id"]}}]}
        _error(ark_http(server, "POST", json=not_a_draft), 400, "InvalidParameter", "content")


NASTY = [None, 0, "x", {"model": 5}, {"model": PRO, "content": "x"}, {"model": PRO, "content": [None]},
         {"model": PRO, "content": [{"type": "text", "text": 5}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": "x"}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": 5}, "role": ["x"]}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
         {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": "asset://a-1"}}]},
         {"model": V20, "content": [{"type": "audio_url", "audio_url": {"url": None}, "role": "reference_audio"}]},
         {"model": V15, "content": [{"type": "draft_task", "draft_task": "cgt-x"}]},
         {"model": V15, "content": [{"type": "draft_task"}, {"type": "text", "text": "x"}]},
         text_task(seed=1.5), text_task(duration=True), text_task(resolution=["480p"]), text_task(tools="web"),
         text_task(ratio={"w": 1}), text_task(execution_expires_after=1e9), {**text_task(), "content": [{}]}]


@pytest.mark.parametrize("body", NASTY, ids=range(len(NASTY)))
def test_nasty_bodies_get_a_4xx_never_a_500(parked: LocalServer, body) -> None:
    response = ark_http(parked, "POST", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()["error"]) == {"code", "message", "param", "type"}


def test_a_bad_fault_spec_fails_at_start() -> None:
    from storyfilm.errors import FaultSpecError

    with pytest.raises(FaultSpecError):
        LocalServer(faults="429=7").__enter__()


def test_priority_orders_the_queue_of_a_model() -> None:
    mini = lambda priority: {"model": "doubao-seedance-2-0-mini-260615",  # noqa: E731
                             "content": [{"type": "text", "text": "x"}], "priority": priority}
    with LocalServer(concurrency=1, faults="fail=1,run=2.0") as server:  # failing tasks render nothing
        blocker = ark_http(server, "POST", json=mini(0)).json()["id"]
        assert wait_status(server, blocker, {"running"})["status"] == "running"
        low = ark_http(server, "POST", json=mini(1)).json()["id"]
        high = ark_http(server, "POST", json=mini(9)).json()["id"]
        assert wait_status(server, high, {"running", "failed"})["status"] == "running"
        assert ark_http(server, "GET", f"/{low}").json()["status"] == "queued"
        failed = wait_status(server, blocker, {"failed"})
        assert failed["error"]["code"] in ("OutputVideoSensitiveContentDetected", "InternalServiceError")
        assert failed["usage"] == {"completion_tokens": 0, "total_tokens": 0} and "content" not in failed


def test_queued_quota_and_flex_tokens_per_day() -> None:
    per_task = 864 * 480 * 49 // 1024
    with LocalServer(faults=PARKED, max_queued=2, flex_tpd=per_task * 3) as server:
        assert [ark_http(server, "POST", json=text_task()).status_code for _ in range(2)] == [200, 200]
        _error(ark_http(server, "POST", json=text_task()), 429, "QuotaExceeded", "")
        server.ark.limits.max_queued = None
        codes = [ark_http(server, "POST", json=text_task(service_tier="flex")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert ark_http(server, "POST", json=text_task()).status_code == 200  # the default tier has no TPD
