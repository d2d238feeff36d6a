"""The machine's cores: a background run waits for a free core no foreground run wants."""

from __future__ import annotations

import threading
import time

from storyfilm.mediaio.cores import Cores


def _hold(gate, started: list[str], name: str, release: threading.Event) -> threading.Thread:
    def run() -> None:
        with gate():
            started.append(name)
            release.wait(10)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_background_runs_only_on_a_core_no_render_wants() -> None:
    cores, started = Cores(2), []
    first, second, third, late = (threading.Event() for _ in range(4))
    _hold(cores.foreground, started, "render 1", first)
    _hold(cores.foreground, started, "render 2", second)
    _until(lambda: len(started) == 2)
    frames = _hold(cores.background, started, "frames", late)
    render3 = _hold(cores.foreground, started, "render 3", third)
    time.sleep(0.1)
    assert started == ["render 1", "render 2"]  # both cores busy: everyone waits

    first.set()  # a core frees: the waiting render takes it, not the frames
    _until(lambda: len(started) == 3)
    assert started[2] == "render 3"
    time.sleep(0.1)
    assert len(started) == 3

    second.set()  # no render waits now: the frames run
    _until(lambda: len(started) == 4)
    assert started[3] == "frames"
    for event in (third, late):
        event.set()
    render3.join(5)
    frames.join(5)


def test_a_core_is_given_back_when_the_run_fails() -> None:
    cores = Cores(1)
    try:
        with cores.foreground():
            raise RuntimeError("ffmpeg failed")
    except RuntimeError:
        pass
    done = threading.Event()
    thread = threading.Thread(target=lambda: (cores.background().__enter__(), done.set()), daemon=True)
    thread.start()
    assert done.wait(5)
