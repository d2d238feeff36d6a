"""The ffmpeg binary: find it, and run it with option values of any length, within a deadline.

    ffmpeg_exe() -> str                         FFMPEG, else ffmpeg on PATH, else imageio-ffmpeg's (checked)
    run(args, what=..., progress=...)           raises FfmpegError with ffmpeg's last lines; `progress`
                                                hears the frames done (ffmpeg's `-progress pipe:1`)
    stopped_on_exit()                           kills the runs started inside when it is left by an error
    concatenation(paths, listing) -> url | None  one input reading files end to end, if ffmpeg can
    Fed(args, what=...)                         one ffmpeg whose input (`pipe:0`) comes as it is written

Every run has a deadline: `timeout` when the caller gives one, else scaled to the media
(`media_seconds` where known, else the size of the input files), so a damaged input that makes
ffmpeg spin ends in an FfmpegError rather than a hang. Each ffmpeg runs in its own process group
and is killed with it when its deadline passes or its caller is interrupted (Ctrl-C, SIGTERM,
a cancelled render: `stopped_on_exit` also reaches runs in worker threads), and dies with
storyfilm when storyfilm itself is killed (`_dies_with_us`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from storyfilm.errors import FfmpegError
from storyfilm.mediaio import binary
from storyfilm.mediaio.scratch import work_folder

log = logging.getLogger(__name__)

LONG_OPTION = 16 * 1024  # an option value longer than this is passed in a file (`-/option path`)
BASE_TIMEOUT = 120.0  # seconds any run may take (start-up, a loaded machine)
PER_MEDIA_SECOND = 10.0  # and this much more per second of media, where the caller knows it
PER_INPUT_MB = 10.0  # else per megabyte of input files
PROBE_TIMEOUT = 60.0  # reading headers or counting frames (run_unchecked)

# the runs to stop when the block of `stopped_on_exit` is left by an error; worker threads started
# by asyncio.to_thread see the same set, since they run in a copy of their caller's context
_GROUP: contextvars.ContextVar[set[subprocess.Popen[bytes]] | None] = contextvars.ContextVar(
    "storyfilm_ffmpeg_runs", default=None)


def ffmpeg_exe() -> str:
    """The ffmpeg binary, checked once per process (mediaio/binary.py)."""
    return binary.checked().path


def argv(args: list[str]) -> list[str]:
    """The full command line for `args`: the binary, then the options every run takes."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]


def run(args: list[str], *, what: str, timeout: float | None = None, media_seconds: float | None = None,
        progress: Callable[[int], None] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (without the binary); raise FfmpegError with its last lines on failure,
    or when it is not done by its deadline (`timeout`, else `deadline(args, media_seconds)`).

    The filter graph of a film with hundreds of shots is longer than one argument may be (Linux:
    128 KiB), so long option values go to files that ffmpeg reads (`-/filter_complex graph.txt`).
    With `progress`, ffmpeg reports on stdout (the output must not be stdout) and `progress` is
    called with the number of frames written so far, from a reader thread, as they come."""
    limit = timeout if timeout is not None else deadline(args, media_seconds)
    with work_folder("ffmpeg") as tmp:
        command = argv(spill_long_options(args, tmp))
        if progress is not None:
            command[1:1] = ["-progress", "pipe:1", "-stats_period", "0.25"]
        returncode, stdout, stderr = _run(command, limit, what, progress)
    if returncode != 0:
        raise _failure(what, returncode, stderr.decode(errors="replace"))
    return subprocess.CompletedProcess(command, returncode, stdout, stderr)


def _failure(what: str, returncode: int, printed: str) -> FfmpegError:
    """What a run that ended with `returncode` (not 0) failed at: its last lines, or the signal."""
    if returncode == -signal.SIGXFSZ:  # it wrote past `ulimit -f`: killed without a word of its own
        return FfmpegError(f"ffmpeg failed to {what}: a file it wrote grew past the largest file this process may "
                           "write (ulimit -f); raise the limit (or free space) and run the same command again")
    tail = printed.strip().splitlines()[-6:]
    if returncode < 0:  # killed by a signal: its last lines say nothing of why
        tail.append(f"(ffmpeg was killed by {_signal_name(-returncode)})")
    return FfmpegError(f"ffmpeg failed to {what}:\n  " + "\n  ".join(tail))


def run_unchecked(args: list[str], *, timeout: float | None = None) -> str:
    """Run ffmpeg and return what it printed to stderr, whatever its exit status (probing with
    `ffmpeg -i` always ends in 'At least one output file must be specified')."""
    limit = timeout if timeout is not None else deadline(args, None, base=PROBE_TIMEOUT)
    return _run(argv(args), limit, "read media")[2].decode(errors="replace")


def deadline(args: list[str], media_seconds: float | None, *, base: float = BASE_TIMEOUT) -> float:
    """Seconds a run may take: scaled to the media's duration where known, else to its input files."""
    if media_seconds is not None:
        return base + PER_MEDIA_SECOND * media_seconds
    size = sum(_input_bytes(value) for option, value in zip(args, args[1:]) if option == "-i")
    return base + PER_INPUT_MB * size / 1e6


def _input_bytes(value: str) -> int:
    """The size of an input: a file's, or the sum of the files a `concatenation` reads."""
    parts = [value]
    if value.startswith(_CONCATF):
        with contextlib.suppress(OSError):
            parts = [line.removeprefix("file:") for line in Path(value[len(_CONCATF):]).read_text().splitlines()]
    size = 0
    for part in parts:
        with contextlib.suppress(OSError):
            size += os.stat(part).st_size
    return size


_CONCATF = "concatf:file:"


def concatenation(paths: list[Path], listing: Path) -> str | None:
    """An input URL under which ffmpeg reads `paths` end to end as one stream of bytes (its
    concatf protocol, the list written to `listing`), so raw media cut in pieces need not be copied
    into one file first; None when this ffmpeg lacks the protocol (before 5.0) or a path holds a
    line break (the list's separator)."""
    names = [str(path.absolute()) for path in paths]
    if "concatf" not in _protocols() or any("\n" in name or "\r" in name for name in [*names, str(listing)]):
        return None
    listing.write_text("".join(f"file:{name}\n" for name in names))
    return _CONCATF + str(listing.absolute())


@functools.cache
def _protocols() -> frozenset[str]:
    """The protocols this ffmpeg reads (`ffmpeg -protocols`: the names after the line 'Input:')."""
    try:
        listed = subprocess.run(argv(["-protocols"]), capture_output=True, timeout=PROBE_TIMEOUT).stdout.decode(
            errors="replace")
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    inputs = listed.partition("Input:")[2].partition("Output:")[0]
    return frozenset(inputs.split())


@contextlib.contextmanager
def stopped_on_exit() -> Iterator[set[subprocess.Popen[bytes]]]:
    """Every ffmpeg started inside the block (in this thread, its tasks, or their worker threads)
    is killed if the block is left by an exception: an interrupted render leaves none behind."""
    live: set[subprocess.Popen[bytes]] = set()
    token = _GROUP.set(live)
    try:
        yield live
    except BaseException:
        for proc in list(live):
            _kill(proc)
        raise
    finally:
        _GROUP.reset(token)


def _run(command: list[str], limit: float, what: str,
         progress: Callable[[int], None] | None = None) -> tuple[int, bytes, bytes]:
    proc = _start(command, what, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    group = _GROUP.get()
    if group is not None:
        group.add(proc)
    try:
        if progress is None:
            stdout, stderr = proc.communicate(timeout=limit)
        else:
            stdout, stderr = _communicate_with_progress(proc, limit, progress)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        raise FfmpegError(f"ffmpeg did not {what} within {round(limit, 1):g} s (a damaged input?); it was stopped") from None
    except BaseException:  # interrupted: never leave it running
        _kill(proc)
        proc.wait()
        raise
    finally:
        if group is not None:
            group.discard(proc)
    return proc.returncode, stdout, stderr


def _start(command: list[str], what: str, *, stdin: Any, stderr: Any, stdout: Any) -> subprocess.Popen[bytes]:
    """ffmpeg in its own process group, dying with the thread that starts it (`_dies_with_us`)."""
    log.debug("ffmpeg (%s): %s", what, shlex.join(command))
    return subprocess.Popen([*_dies_with_us(), *command], stdin=stdin, stdout=stdout, stderr=stderr,
                            start_new_session=True)


@functools.cache
def _dies_with_us() -> list[str]:
    """A prefix that makes ffmpeg die with the thread that started it, which waits for it (Linux's
    parent-death signal, set by util-linux's setpriv, which then runs ffmpeg in its place): a
    storyfilm killed with SIGKILL, which can stop nothing, leaves no ffmpeg running on to the end of
    its media (or for ever, on a damaged input). Where there is no setpriv, no prefix."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    try:
        subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    return [setpriv, "--pdeathsig", "KILL", "--"]


def _communicate_with_progress(proc: subprocess.Popen[bytes], limit: float,
                               progress: Callable[[int], None]) -> tuple[bytes, bytes]:
    """Like communicate(timeout=limit), handing each `frame=N` line of ffmpeg's progress report to
    `progress` as it arrives. The readers end when ffmpeg closes its pipes (on exit or when killed)."""
    errors: list[bytes] = []
    err_reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)

    def read_progress() -> None:
        listening = True
        for line in proc.stdout:  # read to the end whatever happens: a full pipe would stall ffmpeg
            if listening and line.startswith(b"frame="):
                try:
                    progress(int(line[6:]))
                except ValueError:
                    pass
                except Exception:  # a listener's fault must not stop the run it listens to
                    log.exception("join progress listener failed; it hears no more")
                    listening = False

    out_reader = threading.Thread(target=read_progress, daemon=True)
    err_reader.start()
    out_reader.start()
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill(proc)  # the readers see their pipes close and end
        raise
    finally:
        out_reader.join(timeout=5)
        err_reader.join(timeout=5)
    return b"", errors[0] if errors else b""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the run and anything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def spill_long_options(args: list[str], folder: Path) -> list[str]:
    """`args` with every option value over LONG_OPTION written to a file in `folder` and passed
    as `-/option file`, the form in which ffmpeg reads an option's value from a file."""
    out: list[str] = []
    for i, arg in enumerate(args):
        option = out[-1] if out else ""
        if len(arg) > LONG_OPTION and i and option.startswith("-") and not option.startswith("-/"):
            path = folder / f"option{i}.txt"
            path.write_text(arg, encoding="utf-8")
            out[-1] = "-/" + option[1:]
            out.append(str(path))
        else:
            out.append(arg)
    return out


class Fed:
    """One ffmpeg reading `pipe:0` from what this process `write`s, over as long as that takes;
    `close(timeout)` ends its input and returns what it printed (stderr), or raises FfmpegError
    when it fails or is not done by then; `kill()` stops it. Like every run it has its own process
    group and dies with the thread that started it (which must outlive it)."""

    def __init__(self, args: list[str], *, what: str) -> None:
        self.what = what
        # not a pipe: nobody reads it before the end, and a full pipe stalls ffmpeg
        self._stderr = tempfile.TemporaryFile()
        self._proc = _start(argv(args), what, stdin=subprocess.PIPE, stderr=self._stderr, stdout=subprocess.DEVNULL)

    def write(self, data: bytes) -> None:
        """Hand ffmpeg more input (blocks while it reads; OSError once it has died)."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(data)

    def close(self, timeout: float) -> str:
        assert self._proc.stdin is not None
        with contextlib.suppress(OSError):  # it died before its input ended: its last lines say why
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise FfmpegError(f"ffmpeg did not {self.what} within {round(timeout, 1):g} s; it was stopped") from None
        self._stderr.seek(0)
        printed = self._stderr.read().decode(errors="replace")
        self._stderr.close()
        if self._proc.returncode != 0:
            raise _failure(self.what, self._proc.returncode, printed)
        return printed

    def kill(self) -> None:
        _kill(self._proc)
        self._proc.wait()
        with contextlib.suppress(OSError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        self._stderr.close()


def run_first(attempts: list[list[str]], *, what: str) -> None:
    """Run each command in turn until one succeeds (a preferred way, then fallbacks); the last
    one's FfmpegError is raised when none does."""
    for n, args in enumerate(attempts, 1):
        try:
            run(args, what=what)
            return
        except FfmpegError:
            if n == len(attempts):
                raise


def _signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    return name
