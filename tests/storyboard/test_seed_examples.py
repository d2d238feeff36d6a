"""The documents' own examples, shipped in storyboards/seeds/: they validate, plan at the right cost,
and ask for what the document's request asks for, field by field (storyfilm adds only the pinned
seed, the resolution it plans at and `return_last_frame`). Rendering them is left out of the suite:
their media are the document's https URLs, and three 1080p clips take minutes on the preview server."""

from __future__ import annotations


import pytest

from helpers import REPO
from storyfilm import planning
from storyfilm.mediaio.inputs import data_url, load_storyboard
from storyfilm.seedance import models
from storyfilm.storyboard import pinned_seed

SEEDS = REPO / "storyboards" / "seeds"
FOXGIRL = "https://ark-project.tos-cn-beijing.volces.com/doc_image/i2v_foxrgirl.png"
LOOP_PROMPTS = ["女孩抱着狐狸，女孩睁开眼，温柔地看向镜头，狐狸友善地抱着，镜头缓缓拉出，女孩的头发被风吹动",
                "女孩和狐狸在草地上奔跑，阳光明媚，女孩的笑容灿烂，狐狸欢快地跳跃",
                "女孩和狐狸坐在树下休息，女孩轻轻抚摸狐狸的毛发，狐狸温顺地趴在女孩腿上"]
TEA_MEDIA = [("image_url", "https://ark-project.tos-cn-beijing.volces.com/doc_image/r2v_tea_pic1.jpg", "reference_image"),
             ("image_url", "https://ark-project.tos-cn-beijing.volces.com/doc_image/r2v_tea_pic2.jpg", "reference_image"),
             ("video_url", "https://pro.filesystem.site/cdn/20260403/0e80a635b859e7716671a40d836135.mp4",
              "reference_video"),
             ("audio_url", "https://ark-project.tos-cn-beijing.volces.com/doc_audio/r2v_tea_audio1.mp3",
              "reference_audio")]


def _jobs(name: str) -> list[planning.ShotJob]:
    return planning.jobs(planning.compile_plan(load_storyboard(SEEDS / f"{name}.yaml")))


def test_seed_002_loop_chains_three_shots_from_the_documents_picture() -> None:
    jobs = _jobs("seed-002-loop")
    frame = "data:image/png;base64,AAAA"
    bodies = [job.request(None if i == 0 else frame, data_url) for i, job in enumerate(jobs)]
    for i, (body, prompt) in enumerate(zip(bodies, LOOP_PROMPTS)):
        first = FOXGIRL if i == 0 else frame
        assert body == {"model": "doubao-seedance-1-0-pro-250528",
                        "content": [{"type": "text", "text": prompt},  # the commands read, not sent
                                    {"type": "image_url", "image_url": {"url": first}, "role": "first_frame"}],
                        "ratio": "adaptive", "duration": 5, "return_last_frame": True, "resolution": "1080p",
                        "watermark": False, "seed": pinned_seed("女孩与狐狸", jobs[i].id)}
    assert [j.shot.continues_from for j in jobs] == [None, "hug", "run"]
    # the document's own figure for 1.0 pro at 1080p, 5 s: 246840 tokens, at 15 CNY per million
    assert [j.tokens for j in jobs] == [246_840] * 3
    assert planning.total_cost(planning.compile_plan(load_storyboard(SEEDS / "seed-002-loop.yaml"))) == \
        pytest.approx(3 * 246_840 * 15.00 / 1e6)


def test_seed_001_tea_ad_asks_what_the_document_asks() -> None:
    (job,) = _jobs("seed-001-tea-ad")
    body = job.request(None, data_url)
    assert body["model"] == "doubao-seedance-2-0-260128"
    assert body["content"][0]["text"].startswith("全程使用视频1的第一视角构图")
    assert [(c["type"], c[c["type"]]["url"], c["role"]) for c in body["content"][1:]] == TEA_MEDIA
    assert {k: body[k] for k in ("generate_audio", "ratio", "duration", "watermark")} == \
        {"generate_audio": True, "ratio": "21:9", "duration": 11, "watermark": False}
    assert set(body) - {"content", "model", "generate_audio", "ratio", "duration", "watermark"} == \
        {"resolution", "seed", "return_last_frame"}
    # the reference video is billed too: its length is unknown (never fetched), so 15 s are planned
    assert (job.width, job.height, job.input_video_seconds) == (1470, 630, 15.0)
    assert job.tokens == models.tokens(1470, 630, 11 * 24 + 1 + 15 * 24) == 565_246
    assert job.cost == pytest.approx(565_246 * 28.00 / 1e6)  # 2.0 720p with video input
