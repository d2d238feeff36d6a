"""`storyfilm film --watch`: film, then film again on every save of the storyboard or of a media
file it names (first and last frames, references, the soundtrack), saying what changed and where
the new film is. Each film is an ordinary `film` run, so only what changed renders, and the lock
file and review files stay current. A bad edit shows its located error and watching goes on;
Ctrl-C stops it (exit 130).

The folders of the watched files are watched (not the files: editors save by writing a new file
and renaming it over the old one), through `watchfiles` (OS file events; polling where there are
none). A save made while a film is made is seen after it (the files' stamps are compared).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import watchfiles

from storyfilm import film, outputs, preflight
from storyfilm.errors import FilmBusy, Interrupted, StoreBusy, StoryboardError, StoryfilmError, UsageError
from storyfilm.mediaio.inputs import load_storyboard
from storyfilm.settings import Settings, redact

DEBOUNCE_MS = 300  # a save is often several writes: wait this long for the last one
QUIET_MAX_S = 10.0  # files that never stop changing are filmed after this long anyway
BUSY_POLL_S = 0.5  # how often a film waiting for another storyfilm (on its path or store) tries again
BUSY_MAX_S = 3600.0  # ... and for how long, before it waits for the next save instead


def watched_files(story: Path, before: set[Path] | None = None) -> set[Path]:
    """The storyboard and every local media file it names; `before` when it cannot be read now (a
    bad edit: the files named before are still the ones to watch)."""
    try:
        board = load_storyboard(story)
    except StoryfilmError:
        return (before or set()) | _names(story)
    media = [m for s in board.shots for m in (s.first_frame, s.last_frame, *s.references) if m is not None]
    files = {name for m in media if m.path is not None for name in _names(m.path)}
    if board.soundtrack is not None:
        files |= _names(board.soundtrack.path)
    return files | _names(story)


def _names(path: Path) -> set[Path]:
    """The file as named (absolute) and as its links lead: a save edits the file a link names, and
    `ln -sf other.yaml story.yaml` points the link at another file, a change the file it named
    before never shows."""
    return {Path(os.path.abspath(path)), _real(path)}


class Reporter:
    """Where a watch's lines go: the films' progress (nowhere with -q), its own lines (as `note`
    events with --json, so every stdout line stays one JSON event), errors."""

    def __init__(self, out: IO[str], err: IO[str], *, quiet: bool, as_json: bool, key: str | None):
        self.out, self.err, self.quiet, self.as_json, self.key = out, err, quiet, as_json, key
        self.progress = open(os.devnull, "w", encoding="utf-8") if quiet else out

    def say(self, text: str) -> None:
        print(json.dumps({"event": "note", "detail": text}, ensure_ascii=False) if self.as_json else text,
              file=self.out, flush=True)

    def error(self, text: str) -> None:
        print(redact(text, self.key), file=self.err, flush=True)

    def close(self) -> None:
        if self.progress is not self.out:
            self.progress.close()


def film_once(story: Path, settings: Settings, options: film.FilmOptions, report: Reporter,
              stop: threading.Event | None = None) -> bool:
    """One film, its summary and its path; an error is shown (never raised). True when made. While
    another storyfilm makes this film or renders with its store (a `film` in another terminal), it
    says so and waits for it to end (a busy film stops before it shows or renders anything)."""
    deadline, waiting = time.monotonic() + BUSY_MAX_S, False
    while True:
        try:
            outcome = film.run(story, settings, options, out=report.progress)
            break
        except (FilmBusy, StoreBusy) as exc:
            if time.monotonic() < deadline and not (stop is not None and stop.is_set()):
                if not waiting:
                    report.say(f"waiting: {exc}")
                    waiting = True
                (stop.wait if stop is not None else time.sleep)(BUSY_POLL_S)
                continue
            return _not_filmed(story, exc, report)
        except Interrupted:
            raise
        except StoryfilmError as exc:
            return _not_filmed(story, exc, report)
    if not (options.as_json or report.quiet):
        outputs.summary(outcome, report.out)
    report.say(f"film: {outcome.output}")
    return True


def _not_filmed(story: Path, exc: StoryfilmError, report: Reporter) -> bool:
    report.error(str(exc))
    bad_input = isinstance(exc, (StoryboardError, UsageError))
    fix = f"fix {story.name} and save it again" if bad_input else "the next save films again"
    report.error(f"not filmed: {fix} (still watching)")
    return False


def watch(story: Path, settings: Settings, options: film.FilmOptions, *, quiet: bool = False,
          out: IO[str] | None = None, err: IO[str] | None = None, stop: threading.Event | None = None) -> int:
    """Film `story` now and after every change, until Ctrl-C (130) or `stop` is set (0). Options
    no film could take (a bad -o or --max-cost) stop it before it watches."""
    preflight.check_film_options(story=story, output=options.output, store=options.store, max_cost=options.max_cost,
                                 concurrency=options.concurrency)
    report = Reporter(out or sys.stdout, err or sys.stderr, quiet=quiet, as_json=options.as_json,
                      key=settings.api_key)
    try:
        files = watched_files(story)
        stamps = _stamps(files)
        film_once(story, settings, options, report, stop)
        while stop is None or not stop.is_set():
            files = watched_files(story, files)
            count = len({_real(f) for f in files})  # a link and the file it names are one file
            report.say(f"watching {count} file{'s' * (count != 1)} for changes (Ctrl-C to stop)")
            changed = _next_change(files, stamps, stop)
            if not changed:
                continue
            stamps = _stamps(files)
            report.say("changed: " + ", ".join(sorted(_shown(p, story) for p in changed)))
            film_once(story, settings, options, report, stop)
    except (KeyboardInterrupt, Interrupted) as exc:
        if isinstance(exc, Interrupted):
            report.error(str(exc))
        report.error(f"stopped watching {story}")
        return 130
    finally:
        report.close()
    return 0


def _next_change(files: set[Path], stamps: dict[Path, tuple[int, int] | None],
                 stop: threading.Event | None) -> set[Path]:
    """The watched files that changed next (waits; empty when `stop` was set). `stamps`: the files
    as they were before the last film: a save made while it filmed, or before the OS watch began,
    is seen by comparing them, twice a second."""
    folders = sorted({f.parent for f in files if f.parent.is_dir()})
    keep: Callable[[watchfiles.Change, str], bool] = lambda change, path: bool(_names(Path(path)) & files)
    for batch in watchfiles.watch(*folders, watch_filter=keep, debounce=DEBOUNCE_MS, recursive=False,
                                  stop_event=stop, raise_interrupt=True, rust_timeout=500, yield_on_timeout=True):
        changed = {_real(path) for _, path in batch}  # a link's change is the file it names now
        changed |= {f for f in files if f in stamps and _stamp(f) != stamps[f]}
        if changed:
            _until_quiet(files, stop)
            return changed
    return set()


def _until_quiet(files: set[Path], stop: threading.Event | None) -> None:
    """Wait until no watched file has changed for DEBOUNCE_MS (at most QUIET_MAX_S): saves made in
    quick succession, or a large file still being copied in, make one film of the last state, not
    a film of a state the user had already left (with a key, a paid one)."""
    deadline = time.monotonic() + QUIET_MAX_S
    before = _stamps(files)
    while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
        time.sleep(DEBOUNCE_MS / 1000)
        now = _stamps(files)
        if now == before:
            return
        before = now


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _stamps(files: set[Path]) -> dict[Path, tuple[int, int] | None]:
    return {f: _stamp(f) for f in files}


def _shown(path: Path, story: Path) -> str:
    """A changed file as the user knows it: beside the storyboard by its name, else its full path."""
    try:
        return str(path.relative_to(_real(story).parent))
    except ValueError:
        return str(path)


def _real(path: str | Path) -> Path:
    """The path with its links followed, as far as they go: a loop of links is no error (Path.resolve
    raises), the read that follows says what is wrong."""
    return Path(os.path.realpath(path))
