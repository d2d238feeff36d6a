"""The tasks API over real sockets, where a socket matters: a task from create to its files
downloaded by URL, a download cut across by the retention sweep, a gateway's tasks path on a
LocalServer. The rest of the contract is tested in-process (test_api.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from helpers import PRO, TASKS, ark_http, text_task, wait_status
from storyfilm.localark.embedded import LocalServer
from storyfilm.mediaio import images, probe
from storyfilm.seedance import models

ID = re.compile(r"^cgt-\d{14}-[a-z0-9]{5}$")
PARKED = "queue=60"  # tasks stay queued: no rendering needed


def eventually(check, timeout: float = 10.0) -> bool:
    """True once check() is (the server's sweeper runs every sweep_interval)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
        assert httpx.post(server.root_url + "/api/v3" + TASKS, json=text_task(),
                          headers={"Authorization": "Bearer k"}).status_code == 404  # only the gateway's path
