"""Showing a render as it goes: a live per-shot table on a terminal (rich), plain lines otherwise,
JSON lines with `--json`. Every wait says what it waits for."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO



@dataclass(frozen=True)
class Event:
    """Something happened to a shot. Kinds: pending, cached, waiting, creating, created, resumed,
    adopted, queued, running, succeeded, downloading, done, retry, warning, failed."""

    shot: str
    kind: str
    detail: str = ""  # for waits: what is waited for
    at: float = 0.0  # unix time


Listener = Callable[[Event], None]


class PlainProgress:
    """One line per change: `  shot: kind detail`."""

    def __init__(self, out: IO[str] | None = None):
        self.out: IO[str] | None = out or sys.stdout
        self._last: dict[str, tuple[str, str]] = {}

    def __call__(self, event: Event) -> None:
        if self._last.get(event.shot) == (event.kind, event.detail):
            return
        self._last[event.shot] = (event.kind, event.detail)
        self.write(f"  {event.shot}: {event.kind} {event.detail}".rstrip())

    def note(self, text: str) -> None:
        self.write(text)

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

    def __call__(self, event: Event) -> None:
        self.write(json.dumps({"event": event.kind, "shot": event.shot, "detail": event.detail,
                               "time": round(event.at, 3)}, ensure_ascii=False))

    def note(self, text: str) -> None:
        self.write(json.dumps({"event": "note", "detail": text}, ensure_ascii=False))

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
             "running": "cyan", "queued": "blue", "downloading": "magenta"}

    def __init__(self, shots: list[str], out: IO[str] | None = None):
        super().__init__(out)
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=self.out)
        self.started = time.monotonic()
        self.rows: dict[str, list] = {s: ["pending", "", time.monotonic()] for s in shots}
        # built again at every refresh (4 a second), not only on events: the clocks tick while a task runs
        self.live = Live(console=self.console, refresh_per_second=4, transient=False, get_renderable=self._table)

    def _table(self):
        from rich.table import Table

        now = time.monotonic()
        table = Table(box=None, show_header=True, header_style="bold", caption_justify="left",
                      caption=f"elapsed {now - self.started:.0f} s")
        for column in ("shot", "state", "for", "what"):
            table.add_column(column)
        for shot, (kind, detail, since) in self.rows.items():
            style = self.STYLE.get(kind, "")
            elapsed = "" if kind in ("cached", "done", "failed") else f"{now - since:4.0f} s"
            table.add_row(shot, f"[{style}]{kind}[/]" if style else kind, elapsed, detail)
        return table

    def __call__(self, event: Event) -> None:
        if event.kind in ("warning", "retry", "failed"):
            self.console.print(f"[yellow]{event.shot}: {event.kind} {event.detail}[/]")
        if event.kind != "warning":
            row = self.rows.setdefault(event.shot, ["", "", time.monotonic()])
            if row[0] != event.kind:
                row[2] = time.monotonic()
            row[0], row[1] = event.kind, event.detail
        self.live.refresh()

    def note(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def __enter__(self) -> "LiveProgress":
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.refresh()
        self.live.stop()


def for_output(shots: list[str], *, as_json: bool, out: IO[str] | None = None) -> PlainProgress:
    out = out or sys.stdout
    if as_json:
        return JsonProgress(out)
    if out.isatty():
        return LiveProgress(shots, out)
    return PlainProgress(out)
