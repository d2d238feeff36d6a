"""Scheduling: the critical path first, AIMD on 429, the RPM window, batched polling; and frames
handed on within the image limits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import networkx as nx

from helpers import make_image
from storyfilm.mediaio import runner
from storyfilm.mediaio import images
from storyfilm.rendering.gates import ModelGate, remaining_chain
from storyfilm.rendering.handoff import handoff_image


def test_longest_remaining_chain_first() -> None:
    graph = nx.DiGraph([("a1", "a2"), ("a2", "a3"), ("b1", "b2")])
    graph.add_node("c1")
    weight = {"a1": 1, "a2": 1, "a3": 1, "b1": 5, "b2": 1, "c1": 2}
    assert remaining_chain(graph, weight.__getitem__) == {"a1": 3, "a2": 2, "a3": 1, "b1": 6, "b2": 1, "c1": 2}

    async def admitted_order() -> list[str]:
        gate = ModelGate("m", limit=1, rpm=600)
        await gate.acquire(0)  # the only slot is taken
        order: list[str] = []

        async def shot(name: str, priority: float) -> None:
            await gate.acquire(priority)
            order.append(name)
            gate.release()

        waiters = [asyncio.create_task(shot(n, p)) for n, p in (("short", 1), ("long", 6), ("mid", 3))]
        await asyncio.sleep(0)
        gate.release()
        await asyncio.gather(*waiters)
        return order

    assert asyncio.run(admitted_order()) == ["long", "mid", "short"]


def test_aimd_halves_on_429_and_grows_back_slowly() -> None:
    now = [100.0]
    gate = ModelGate("m", limit=10, rpm=600, clock=lambda: now[0])
    gate.throttled(pause=2.0)
    assert gate.limit == 5
    delay, why = gate.rate_wait()
    assert delay == 2.0 and "429" in why
    gate.throttled(pause=1.0)
    gate.throttled(pause=1.0)
    gate.throttled(pause=1.0)
    assert gate.limit == 1  # never below one
    gate.succeeded()
    assert gate.limit == 2
    gate.succeeded()
    gate.succeeded()
    assert int(gate.limit) == 2  # +1/limit a success: one more slot per `limit` successes
    gate.succeeded()
    assert int(gate.limit) == 3
    for _ in range(200):
        gate.succeeded()
    assert gate.limit == 10  # back to the model's limit, never above


def test_rpm_window() -> None:
    now = [0.0]
    gate = ModelGate("m", limit=10, rpm=3, clock=lambda: now[0])

    async def three() -> None:
        for _ in range(3):
            await gate.rate_slot(lambda why: None)

    asyncio.run(three())
    delay, why = gate.rate_wait()
    assert delay == 60.0 and why == "m: 3 creates/min limit"
    now[0] = 60.0
    assert gate.rate_wait() == (0.0, "")


def test_handoff_frames_stay_within_the_image_limits(tmp_path: Path) -> None:
    frame = make_image(tmp_path / "frame.png", 864, 480)
    scratch = lambda name: tmp_path / f"scratch-{name}"  # noqa: E731
    assert handoff_image(frame, scratch) == frame.read_bytes()  # small enough: sent as it is

    noisy = tmp_path / "noisy.png"  # a full-HD frame of noise: ~5 MB as PNG, ~2.5 MB as JPEG
    runner.run(["-f", "lavfi", "-i", "color=c=gray:s=1920x1080,noise=alls=60:allf=u", "-frames:v", "1",
                "-y", str(noisy)], what="make a noisy frame")
    small = handoff_image(noisy, scratch, max_bytes=2_000_000)  # re-encoded, still too big: halved
    info = images.sniff(small)
    assert info.format == "jpeg" and len(small) <= 2_000_000
    assert (info.width, info.height) == (960, 540)

    wide = tmp_path / "wide.png"  # a side over 6000 px
    runner.run(["-f", "lavfi", "-i", "color=c=0x3366aa:s=6400x2600", "-frames:v", "1", "-y", str(wide)],
               what="make a wide frame")
    info = images.sniff(handoff_image(wide, scratch))
    assert (info.width, info.height) == (6000, 2436)
    assert not list(tmp_path.glob("scratch-*"))
