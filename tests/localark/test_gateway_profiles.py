"""The local server plays each gateway profile: its path only, its create answer exactly as the
document writes it, its status words, no list call where it has none; and its asset library
(`--assets DIR`) turns asset://NAME into a file, refusing names that reach outside the folder."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx

from helpers import REPO, TASKS, error_of, in_process_ark, make_image, serve_process, text_task
from storyfilm.seedance.gateways import ARK, VIDEOS_GATEWAY, VOLC_PROXY, Gateway

SEED_ASSETS = REPO / "storyboards" / "seeds" / "assets"
KEY = {"Authorization": "Bearer k"}


def _exchange(gateway: Gateway, requests, **options):
    """Send `requests(http, path)` to the server playing `gateway`; its answers."""
    async def main():
        options.setdefault("faults", "queue=60")
        async with in_process_ark(gateway=gateway, **options) as (ark, http):
            http.base_url, http.headers["Authorization"] = "http://gateway.test", "Bearer k"
            return await requests(http, gateway.path)
    return asyncio.run(main())


def _two_oh(**extra) -> dict:
    return text_task(model="doubao-seedance-2-0-260128", resolution="480p", duration=4, **extra)


def _asset_task(url: str) -> dict:
    body = _two_oh()
    body["content"].append({"type": "image_url", "image_url": {"url": url}, "role": "reference_image"})
    return body


def test_volc_proxy_answers_as_seed_003_writes() -> None:
    async def requests(http, path):
        created = await http.post(path, json=text_task())
        task = await http.get(f"{path}/{created.json()['id']}")
        return created, task, await http.get(path), await http.post("/api/v3" + TASKS, json=text_task())

    created, task, listed, ark_path = _exchange(VOLC_PROXY, requests)
    assert created.status_code == 200 and set(created.json()) == {"id", "status"}
    assert created.json()["status"] == "submitted" and task.json()["status"] == "submitted"
    assert listed.status_code == 405 and ark_path.status_code == 404  # no list call, and only its own path


def test_videos_gateway_answers_a_create_with_only_an_id() -> None:
    async def requests(http, path):
        return (await http.post(path, json=_two_oh(safety_identifier="user-1"))), await http.get(path)

    created, listed = _exchange(VIDEOS_GATEWAY, requests)
    assert created.status_code == 200 and list(created.json()) == ["id"] and listed.status_code == 405


def test_ark_answers_with_the_id_and_echoes_a_safety_identifier() -> None:
    async def requests(http, path):
        return (await http.post(path, json=_two_oh(safety_identifier="user-1"))), await http.get(path)

    created, listed = _exchange(ARK, requests)
    assert set(created.json()) == {"id", "safety_identifier"} and listed.json()["total"] == 1


def test_asset_uris_read_the_library_by_name_or_with_an_extension(tmp_path: Path) -> None:
    make_image(tmp_path / "plain.png", 640, 640).rename(tmp_path / "plain")  # no extension, as real asset ids
    make_image(tmp_path / "twice.png", 640, 640)
    make_image(tmp_path / "twice.jpg", 640, 640)
    names = ("asset://plain", "asset://twice", "asset://missing", "asset://../seeds/x", "asset://.hidden")

    async def requests(http, path):
        return [await http.post(path, json=_asset_task(url)) for url in names]

    plain, twice, missing, outside, hidden = _exchange(VOLC_PROXY, requests, assets=tmp_path)
    assert plain.status_code == 200
    error_of(twice, 400, "InvalidParameter", "content", "The parameter `content` specified in the request is "
             "not valid: the asset twice is ambiguous: twice.png, twice.jpg.")
    error_of(missing, 404, "NotFound", "content", "The asset missing is not found in the asset library.")
    for answer, url in ((outside, "asset://../seeds/x"), (hidden, "asset://.hidden")):
        error_of(answer, 400, "InvalidParameter", "content", "The parameter `content` specified in the request is "
                 f"not valid: content[1].image_url.url: {url!r} is not an asset name (letters, digits, '.', '_', '-').")


def test_without_a_library_an_asset_uri_is_refused_with_the_way_out() -> None:
    (answer,) = _exchange(VIDEOS_GATEWAY, lambda http, path: asyncio.gather(
        http.post(path, json=_asset_task("asset://asset-xxxx"))))
    error_of(answer, 400, "InvalidParameter", "content", "The parameter `content` specified in the request is not "
             "valid: asset:// URIs name the service's asset library, which this local server lacks (start it with "
             "--assets DIR).")


def test_serve_profile_and_assets_flags() -> None:
    with serve_process("--profile", "videos-gateway", "--assets", str(SEED_ASSETS)) as root:
        created = httpx.post(root + "/v1/videos", json=_asset_task("asset://asset-xxxx"), headers=KEY)
        assert created.status_code == 200 and list(created.json()) == ["id"]
        assert httpx.post(root + "/api/v3" + TASKS, json=text_task(), headers=KEY).status_code == 404


def test_serve_refuses_a_missing_asset_library() -> None:
    proc = subprocess.run([sys.executable, "-m", "storyfilm", "serve", "--assets", "no-such-folder"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", "--assets no-such-folder: no such folder\n")
