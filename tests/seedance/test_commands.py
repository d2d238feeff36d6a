"""Both parameter styles (ark-api.md §4): body fields and legacy text commands, written by
`commands.encode`, read back by `commands.decode`, and accepted alike by the local server."""

from __future__ import annotations

import pytest

from helpers import PRO, TASKS, ark_in_process, text_task
from storyfilm.seedance import commands, models

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


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_server_reads_both_styles_alike(anyio_backend: str) -> None:
    body = text_task(resolution="720p", ratio="4:3", duration=3, seed=99)
    size = models.MODELS[PRO].size("720p", "4:3")
    async with ark_in_process(faults="queue=60") as (ark, http):
        async def created(body: dict) -> dict:
            response = await http.post(TASKS, json=body)
            assert response.status_code == 200, response.text
            return (await http.get(f"{TASKS}/{response.json()['id']}")).json()

        for style in commands.STYLES:
            task = await created(commands.encode(body, style))
            spec = ark.tasks[task["id"]].spec
            assert {k: task[k] for k in ("model", "resolution", "ratio", "duration", "seed")} == {
                "model": PRO, "resolution": "720p", "ratio": "4:3", "duration": 3, "seed": 99}, style
            assert (spec.prompt, spec.width, spec.height) == ("A paper boat drifts on a pond.", *size)  # no commands
        # body fields win over commands; a command the model cannot take falls back to the default
        mixed = text_task(seed=5)
        mixed["content"][0]["text"] += " --seed 6 --dur 99"
        task = await created(mixed)
        assert (task["seed"], task["duration"]) == (5, 2)
        weak = {"model": PRO, "content": [{"type": "text", "text": "a cat --dur 99 --rs 8k --rt 16:9 --cf true"}]}
        task = await created(weak)
        assert (task["duration"], task["resolution"], task["ratio"]) == (5, "1080p", "16:9")
        assert ark.tasks[task["id"]].spec.camera_fixed is True  # the valid commands are kept


@pytest.mark.parametrize("text, read", [
    ("小猫对着镜头打哈欠。 --rs 720p --rt 16:9 --dur 5 --fps 24 --wm true --seed 11 --cf false",
     commands.Read("小猫对着镜头打哈欠。", {"resolution": "720p", "ratio": "16:9", "duration": 5, "framespersecond": 24,
                                       "watermark": True, "seed": 11, "camera_fixed": False})),
    ("女孩抱着狐狸\n镜头缓缓拉出  --ratio adaptive  --dur 5",
     commands.Read("女孩抱着狐狸\n镜头缓缓拉出", {"ratio": "adaptive", "duration": 5})),
    ("a cat --zoom 2 --dur 5", commands.Read("a cat --zoom 2", {"duration": 5}, (), ("--zoom",))),
    ("a cat --dur five --rs 8k --seed -1", commands.Read("a cat", {}, (
        "`--dur five`: the duration is a whole number of seconds",
        "`--rs 8k`: the resolution is one of 480p, 720p, 1080p, 4k",
        "`--seed -1`: the seed is a whole number 0–2147483647"))),
    ("a cat --dur 5 --duration 6", commands.Read("a cat", {"duration": 5}, (
        "`--duration 6` contradicts an earlier `--duration` in the same prompt",))),
    ("a cat --wm", commands.Read("a cat --wm", {}, ("`--wm` at the end of the prompt needs a value",))),
    ("a -- b", commands.Read("a -- b", {})),
    ("no commands here", commands.Read("no commands here", {})),
])
def test_read_is_strict(text: str, read: commands.Read) -> None:
    """The storyboard's reader: every bad value is told, unknown words stay in the text."""
    assert commands.read(text) == read
