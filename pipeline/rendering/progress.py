"""Showing a render as it goes: a live per-shot table on a terminal (rich), plain lines otherwise,
JSON lines with `--json`. Every wait says what it waits for; the table also says how long is left
(`eta.py`) and how far the join has gone."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from storyfilm.rendering.eta import FINISHED, Schedule, clock

if TYPE_CHECKING:
    from storyfilm.planning.explain import ShotStatus


@dataclass(frozen=True)
class Event:
    """Something happened to a shot. Kinds: pending, cached, waiting, creating, created, resumed,
    adopted, queued, running, succeeded, downloading, done, retry, warning, failed, not_started (a
    shot it starts from failed: the detail names it)."""

    shot: str
    kind: str
    detail: str = ""  # for waits: what is waited for
    at: float = 0.0  # unix time


Listener = Callable[[Event], None]

# how people read a kind, where its name is not the words (`b: not started: waits on shot 'a', ...`)
SAID = {"not_started": "not started:"}


class PlainProgress:
    """One line per change: `  shot: kind detail`."""

    def __init__(self, out: IO[str] | None = None):
        self.out: IO[str] | None = out or sys.stdout
        self._last: dict[str, tuple[str, str]] = {}

    def __call__(self, event: Event) -> None:
        if self._last.get(event.shot) == (event.kind, event.detail):
            return
        self._last[event.shot] = (event.kind, event.detail)
        self.write(f"  {event.shot}: {SAID.get(event.kind, event.kind)} {event.detail}".rstrip())

    def note(self, text: str) -> None:
        self.write(text)

    def planned(self, status: ShotStatus) -> None:
        """What this run will do with a shot, before it starts: people read why a shot renders."""
        if status.state != "cached":
            self.note(f"  {status.shot_id}: {status.describe()}")

    def join_progress(self, fraction: float) -> None:
        """How far the join has gone (0..1), as ffmpeg reports it; plain output says nothing."""

    def record(self, event: dict) -> None:
        """A finished-run record (the `film` event); only JSON output shows it, as its last line."""

    def write(self, line: str) -> None:
        """A reader that went away (`| head`) must not stop a render that is paying for tasks."""
        if self.out is None:
            return
        try:
            print(line, file=self.out, flush=True)
        except BrokenPipeError:
            if self.out is sys.stdout:  # keep Python's exit-time flush quiet too
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.out = None

    def __enter__(self) -> "PlainProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class JsonProgress(PlainProgress):
    """One JSON object per line: {"event", "shot", "detail", "time"}; notes are {"event": "note"}; the
    last line of a finished render is {"event": "film", ...}. See progress_events.schema.json."""

    _join_step = -1  # the last tenth of the join reported

    def __call__(self, event: Event) -> None:
        self.write(json.dumps({"event": event.kind, "shot": event.shot, "detail": event.detail,
                               "time": round(event.at, 3)}, ensure_ascii=False))

    def note(self, text: str) -> None:
        self.write(json.dumps({"event": "note", "detail": text}, ensure_ascii=False))

    def planned(self, status: ShotStatus) -> None:
        """{"event": "plan", "shot", "state", "reasons": [{"reason": "prompt_changed", ...}], "cost"}"""
        self.write(json.dumps({"event": "plan", "shot": status.shot_id, "state": status.state,
                               "reasons": status.structured(), "cost": round(status.cost, 4)}, ensure_ascii=False))

    def join_progress(self, fraction: float) -> None:
        """{"event": "join", "fraction"} at each tenth of the way."""
        step = int(min(max(fraction, 0.0), 1.0) * 10)
        if step > self._join_step:
            self._join_step = step
            self.write(json.dumps({"event": "join", "fraction": step / 10, "time": round(time.time(), 3)}))

    def record(self, event: dict) -> None:
        self.write(json.dumps(event, ensure_ascii=False))


def events_schema() -> dict:
    """The JSON Schema every `film --json` line follows (progress_events.schema.json, in the package)."""
    from importlib import resources

    text = (resources.files("storyfilm.rendering") / "progress_events.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


class LiveProgress(PlainProgress):
    """A rich table, one row per shot, redrawn in place; notes and warnings print above it."""

    STYLE = {"cached": "green", "done": "bold green", "failed": "bold red", "warning": "yellow", "retry": "yellow",
             "running": "cyan", "queued": "blue", "downloading": "magenta", "not_started": "red"}

    STARTS = frozenset({"creating", "resumed", "adopted", "created", "queued", "running"})

    def __init__(self, shots: list[str], out: IO[str] | None = None, schedule: Schedule | None = None):
        super().__init__(out)
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=self.out)
        self.started = time.monotonic()
        self.rows: dict[str, list] = {s: ["pending", "", time.monotonic()] for s in shots}
        self.schedule = schedule
        self.began: dict[str, float] = {}  # when each shot started rendering (its create, or its resume)
        self.joining: float | None = None
        # built again at every refresh (4 a second), not only on events: the clocks tick while a task runs
        self.live = Live(console=self.console, refresh_per_second=4, transient=False, get_renderable=self._table)

    def _table(self):
        from rich.table import Table
        from rich.text import Text

        now = time.monotonic()
        table = Table(box=None, show_header=True, header_style="bold", caption_justify="left",
                      caption=self._caption(now))
        for column in ("shot", "state", "for", "what"):
            table.add_column(column)
        for shot, (kind, detail, since) in self.rows.items():
            style = self.STYLE.get(kind, "")
            elapsed = "" if kind in FINISHED else f"{now - since:4.0f} s"
            # Text, not markup: a note printed with markup off redraws the table too, and a detail may hold [ ]
            table.add_row(Text(shot), Text(SAID.get(kind, kind).rstrip(":"), style=style), elapsed, Text(detail))
        return table

    def _caption(self, now: float) -> str:
        """elapsed 1 min 05 s · ETA 40 s (critical path of what is left); the join's progress."""
        caption = f"elapsed {clock(now - self.started)}"
        states = {shot: row[0] for shot, row in self.rows.items()}
        if self.schedule is not None and not all(kind in FINISHED for kind in states.values()):
            left = self.schedule.left(states, {s: now - t for s, t in self.began.items()})
            caption += f" · ETA {clock(left)}" if left >= 0.5 else " · ETA: any moment now"
        if self.joining is not None:
            caption += f"\njoining clips … {self.joining:.0%}"
        return caption

    def __call__(self, event: Event) -> None:
        if event.kind in ("warning", "retry", "failed", "not_started"):
            self.console.print(f"{event.shot}: {SAID.get(event.kind, event.kind)} {event.detail}", style="yellow",
                               markup=False, highlight=False)
        if event.kind != "warning":
            now = time.monotonic()
            row = self.rows.setdefault(event.shot, ["", "", now])
            if row[0] != event.kind:
                row[2] = now
            row[0], row[1] = event.kind, event.detail
            if event.kind in self.STARTS:
                self.began.setdefault(event.shot, now)
            if event.kind == "done" and self.schedule is not None and event.shot in self.began:
                self.schedule.measured[event.shot] = now - self.began[event.shot]
        self.live.refresh()

    def join_progress(self, fraction: float) -> None:
        self.joining = min(max(fraction, 0.0), 1.0)
        self.live.refresh()

    def note(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def __enter__(self) -> "LiveProgress":
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.refresh()
        self.live.stop()


def for_output(shots: list[str], *, as_json: bool, out: IO[str] | None = None,
               schedule: Schedule | None = None) -> PlainProgress:
    """`schedule`: each shot's expected time and what it starts from, for the live table's ETA."""
    out = out or sys.stdout
    if as_json:
        return JsonProgress(out)
    if out.isatty():
        return LiveProgress(shots, out, schedule)
    return PlainProgress(out)
