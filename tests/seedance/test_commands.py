"""Both parameter styles (ark-api.md §4): body fields and legacy text commands, written by
`commands.encode`, read back by `commands.decode`, and accepted alike by the local server."""

from __future__ import annotations

import pytest

from helpers import PRO, ark_http, text_task
from storyfilm.seedance import models
from storyfilm.seedance import commands
from storyfilm.localark.embedded import LocalServer

BODY = {"model": PRO, "content": [{"type": "text", "text": "A cat yawns at the camera"}],
        "resolution": "720p", "ratio": "16:9", "duration": 5, "seed": 11, "camera_fixed": False,
        "watermark": True, "return_last_frame": True}


def test_encode_text_writes_the_documented_commands() -> None:
    out = commands.encode(BODY, "text")
    assert out == {"model": PRO, "return_last_frame": True, "content": [
        {"type": "text", "text": "A cat yawns at the camera --rs 720p --rt 16:9 --dur 5 --wm true --seed 11 --cf false"}]}
    assert BODY["resolution"] == "720p" and "--rs" not in BODY["content"][0]["text"]  # pure
    assert commands.encode(BODY, "body") == BODY


def test_encode_adds_a_text_item_when_there_is_none_and_keeps_fps() -> None:
    body = {"model": PRO, "content": [{"type": "image_url", "image_url": {"url": "u"}}], "frames": 57,
            "framespersecond": 24}
    assert commands.encode(body, "text")["content"][0] == {"type": "text", "text": "--frames 57 --fps 24"}
    with pytest.raises(ValueError):
        commands.encode(body, "yaml")


@pytest.mark.parametrize("text, prompt, params", [
    ("小猫对着镜头打哈欠 --rs 720p --rt 16:9 --dur 5 --seed 11 --cf false --wm true", "小猫对着镜头打哈欠",
     {"resolution": "720p", "ratio": "16:9", "duration": 5, "seed": 11, "camera_fixed": False, "watermark": True}),
    ("a cat --resolution 480p --ratio 1:1 --duration 3 --camerafixed true --watermark false --framespersecond 24",
     "a cat", {"resolution": "480p", "ratio": "1:1", "duration": 3, "camera_fixed": True, "watermark": False,
               "framespersecond": 24}),
    ("a cat --dur five --wm maybe --seed 3", "a cat", {"seed": 3}),  # weak validation: bad values dropped
    ("a cat --zoom 2", "a cat --zoom 2", {}),  # not a command
    ("a -- b", "a -- b", {}),
])
def test_decode(text: str, prompt: str, params: dict) -> None:
    assert commands.decode(text) == (prompt, params)


def test_round_trip() -> None:
    text = commands.encode(BODY, "text")["content"][0]["text"]
    prompt, params = commands.decode(text)
    assert prompt == "A cat yawns at the camera"
    assert params == {k: BODY[k] for k in ("resolution", "ratio", "duration", "seed", "camera_fixed", "watermark")}


def test_the_server_reads_both_styles_alike() -> None:
    body = text_task(resolution="720p", ratio="4:3", duration=3, seed=99)
    with LocalServer(faults="queue=60") as server:
        tasks = []
        for style in commands.STYLES:
            created = ark_http(server, "POST", json=commands.encode(body, style))
            assert created.status_code == 200, created.text
            tasks.append(ark_http(server, "GET", f"/{created.json()['id']}").json())
        echoed = [{k: t[k] for k in ("model", "resolution", "ratio", "duration", "seed")} for t in tasks]
        assert echoed[0] == echoed[1] == {"model": PRO, "resolution": "720p", "ratio": "4:3", "duration": 3, "seed": 99}
        prompts = [server.ark.tasks[t["id"]].spec.prompt for t in tasks]
        assert prompts[0] == prompts[1] == "A paper boat drifts on a pond."  # commands are not rendered
        size = models.MODELS[PRO].size("720p", "4:3")
        assert all((server.ark.tasks[t["id"]].spec.width, server.ark.tasks[t["id"]].spec.height) == size for t in tasks)
        # body fields win over commands; a command the model cannot take falls back to the default
        mixed = text_task(seed=5)
        mixed["content"][0]["text"] += " --seed 6 --dur 99"
        task = ark_http(server, "GET", "/" + ark_http(server, "POST", json=mixed).json()["id"]).json()
        assert (task["seed"], task["duration"]) == (5, 2)
        weak = {"model": PRO, "content": [{"type": "text", "text": "a cat --dur 99 --rs 8k --rt 16:9"}]}
        task = ark_http(server, "GET", "/" + ark_http(server, "POST", json=weak).json()["id"]).json()
        assert (task["duration"], task["resolution"], task["ratio"]) == (5, "1080p", "16:9")
