"""The live table on a terminal: its clocks (per shot and the elapsed total) move between events,
because the table is built again at every refresh, not only when a shot changes state."""

from __future__ import annotations

import io
import re

from storyfilm.rendering.progress import Event, LiveProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_clocks_move_without_events() -> None:
    screen = _Terminal()
    with LiveProgress(["pour"], screen) as live:
        live.console.force_terminal = True
        live(Event("pour", "running", "task cgt-1"))
        live.rows["pour"][2] -= 42  # as if it had been running 42 s, with no event since
        live.started -= 50
        live.live.refresh()
        shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # without colours
    assert re.search(r"pour\s+running\s+42 s\s+task cgt-1", shown)
    assert "elapsed 50 s" in shown
