"""The gateway documents' own examples (storyboards/seeds/seed-003-*, seed-004-*) render through
their profile over real HTTP, and what each profile sends is the document's body, field for field,
plus only what storyfilm always adds (the pinned seed, the resolution it plans at, its defaults
written out, return_last_frame for the next shot's first frame)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import storyfilm
from helpers import REPO, make_image, render_story
from storyfilm import planning
from storyfilm.ark.client import ArkClient
from storyfilm.localark.embedded import LocalServer
from storyfilm.mediaio import probe
from storyfilm.mediaio.inputs import data_url, load_storyboard
from storyfilm.seedance.gateways import VIDEOS_GATEWAY, VOLC_PROXY
from storyfilm.storyboard import pinned_seed

SEEDS = REPO / "storyboards" / "seeds"
FOXGIRL = "https://ark-project.tos-cn-beijing.volces.com/doc_image/i2v_foxrgirl.png"

# seed 003's request example, as the document writes it
SEED_003 = {"model": "doubao-seedance-1-5-pro-251215",
            "content": [{"type": "text", "text": "女孩抱着狐狸,女孩睁开眼,温柔地看向镜头,狐狸友善地抱着,镜头缓缓拉出,"
                                                 "女孩的头发被风吹动,可以听到风声"},
                        {"type": "image_url", "image_url": {"url": FOXGIRL}}],
            "ratio": "adaptive", "duration": 4, "watermark": False}
# seed 004's text-to-video and multimodal examples (its voice URL is a placeholder: an asset here)
SEED_004_T2V = {"model": "doubao-seedance-2-0-fast",
                "content": [{"type": "text", "text": "一只橘猫在阳光下的窗台上伸懒腰,镜头缓慢推进"}],
                "resolution": "720p", "ratio": "16:9", "duration": 5}
SEED_004_MULTIMODAL = {"model": "doubao-seedance-2-0",
                       "content": [{"type": "text", "text": "这个人在唱歌,口型与音频同步"},
                                   {"type": "image_url", "image_url": {"url": "asset://asset-xxxx"},
                                    "role": "reference_image"},
                                   {"type": "audio_url", "audio_url": {"url": "asset://voice.mp3"},
                                    "role": "reference_audio"}],
                       "generate_audio": True}


def _added(body: dict, document: dict) -> dict:
    """The fields storyfilm sent that the document's body lacks; the shared ones must be equal."""
    assert {k: body[k] for k in document if k != "content"} == {k: v for k, v in document.items() if k != "content"}
    return {k: v for k, v in body.items() if k not in document}


def _film(path: Path) -> tuple[float, int | None, int | None]:
    info = probe.probe(path, count_frames=False)
    return round(info.duration, 2), info.width, info.height


def test_seed_003_renders_through_the_volc_proxy_and_sends_the_documents_body(tmp_path: Path) -> None:
    # the document's picture is on the internet: this copy starts from a local stand-in of its shape
    story = tmp_path / "seed-003.yaml"
    story.write_text((SEEDS / "seed-003-volc-proxy.yaml").read_text(encoding="utf-8").replace(FOXGIRL, "foxgirl.png"),
                     encoding="utf-8")
    make_image(tmp_path / "foxgirl.png", 960, 540)
    with LocalServer(gateway=VOLC_PROXY, record=True) as proxy:
        run = render_story(story, proxy)
        (body,) = proxy.ark.created
        stats = dict(proxy.ark.stats)
    assert _film(run.output) == (4.04, 1280, 720)
    assert stats["create"] == 1 and "list" not in stats  # the proxy has no list call: one GET per task
    text, image = body["content"]
    assert text == SEED_003["content"][0]
    assert image["image_url"]["url"].startswith("data:image/png;base64,")  # the stand-in
    assert {k: v for k, v in image.items() if k != "image_url"} == {"type": "image_url", "role": "first_frame"}
    assert _added(body, SEED_003) == {"resolution": "720p", "return_last_frame": True, "generate_audio": True,
                                      "seed": pinned_seed("女孩与狐狸 (volc proxy)", "foxgirl")}
    # the shipped storyboard itself asks for the document's picture, by its URL
    (job,) = planning.jobs(planning.compile_plan(load_storyboard(SEEDS / "seed-003-volc-proxy.yaml")))
    assert job.request(None, data_url)["content"][1]["image_url"] == {"url": FOXGIRL}


def test_seed_004_sends_the_documents_bodies_to_the_videos_gateway() -> None:
    """What a render sends (the executor sends each job's request), recorded by a gateway whose
    tasks stay queued, so nothing is rendered."""
    jobs = planning.jobs(planning.compile_plan(load_storyboard(SEEDS / "seed-004-videos-gateway.yaml")))

    async def create_all() -> list[str]:
        async with ArkClient(gateway.base_url, "k-gateway", gateway=VIDEOS_GATEWAY) as client:
            return [await client.create(job.request(None, data_url)) for job in jobs]

    with LocalServer(gateway=VIDEOS_GATEWAY, assets=SEEDS / "assets", record=True, faults="queue=60") as gateway:
        ids = asyncio.run(create_all())
        cat, singer = gateway.ark.created
        assert sorted(gateway.ark.tasks) == sorted(ids)
    title = "网关示例 (videos gateway)"
    assert cat["content"] == SEED_004_T2V["content"]
    assert _added(cat, SEED_004_T2V) == {"return_last_frame": True, "watermark": False, "generate_audio": True,
                                         "seed": pinned_seed(title, "cat")}
    assert singer["content"] == SEED_004_MULTIMODAL["content"]  # asset:// URIs passed through as written
    assert _added(singer, SEED_004_MULTIMODAL) == {"resolution": "720p", "ratio": "adaptive", "duration": 5,
                                                   "return_last_frame": True, "watermark": False,
                                                   "seed": pinned_seed(title, "singer")}


def test_seed_004_renders_without_a_key_through_the_embedded_videos_gateway(tmp_path: Path, monkeypatch) -> None:
    """`film` without ARK_API_KEY: the local server serves /v1/videos only (a client on Ark's path
    would find nothing there), and reads asset:// from the assets/ folder beside the storyboard."""
    shutil.copy(SEEDS / "seed-004-videos-gateway.yaml", tmp_path / "seed-004.yaml")
    shutil.copytree(SEEDS / "assets", tmp_path / "assets")
    monkeypatch.chdir(tmp_path)  # its film goes to build/ under the current folder, not the repository's
    run = storyfilm.render(tmp_path / "seed-004.yaml", env={})
    assert run.preview and _film(run.output) == (10.08, 1280, 720)
    assert [r.task_id[:4] for r in run.results.values()] == ["cgt-", "cgt-"]
