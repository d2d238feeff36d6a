"""The one error tree. Every error storyfilm raises is here, with the exit code the CLI gives it;
the CLI renders them in one place. Foreign exceptions are translated once, at the boundary that
meets them (`raise ... from exc`), and no error is told apart by its message text.

    StoryfilmError                   exit 1
    ├── StoryboardError              exit 2  bad input, located (FILE:LINE:COL), nothing spent
    │   ├── YamlSyntaxError                  the YAML parser's fault, before positions exist
    │   └── MediaProblem                     a media reference the service would not take
    ├── UsageError                   exit 2  a command line that names no such shot, a bad spec
    │   ├── UnknownShot                      --only / --until names no shot
    │   ├── FaultSpecError                   `serve --faults` cannot be parsed
    │   └── FfmpegUnusable                   the ffmpeg binary is none, too old, or cannot encode a frame
    ├── OverBudget                   exit 3  what must render costs more than --max-cost
    ├── ArkError                     exit 1  the video-generation service
    │   ├── ApiRefused                       it answered 4xx/5xx with an error body
    │   │   └── WrongTasksPath       exit 2  a create's 404 naming nothing: no tasks API at that URL
    │   ├── TaskFailed                       a task reached failed / expired / cancelled
    │   │   └── TaskGone                     the service no longer knows the task
    │   ├── TaskOverdue                      a task is still running past its deadline
    │   ├── ShotGaveUp                       a shot's tasks failed, each try of this run
    │   └── TransportFailed                  no usable answer: connection, timeout, truncated body
    │       ├── Unanswered                   (internal) a request that may have taken effect
    │       ├── CreateUnresolved             a lost create that could not be settled
    │       ├── NoTaskList                   (internal) the gateway has no list call to look in
    │       ├── ServiceUnreachable           never reached: refused, unknown host (nothing sent)
    │       └── ResultsUnusable              a succeeded task's video never came whole (paid, journaled)
    ├── StoreError                   exit 1  the media store and journal
    │   ├── StoreBusy                        another render holds the store
    │   ├── ResultsGone                      a task's results are no longer downloadable
    │   ├── StoreReadOnly                    shots must render, and the store cannot be written
    │   ├── StoreFull                        the disk (or a size limit) refused a write
    │   ├── StoreDamaged                     `verify` found objects missing or damaged
    │   ├── StorePathUnusable        exit 2  --store names no folder a store can be made in
    │   └── LockFileDamaged          exit 2  the lock file cannot be read; nothing was spent
    ├── MediaChanged                 exit 1  a media file changed between its check and its sending
    ├── AssemblyError                exit 2  the clips and the edit cannot make a film
    ├── FfmpegError                  exit 1  ffmpeg exited non-zero, timed out, or is missing
    │   └── NotCopyable                      (internal) a smart join's pieces would not join by copy
    ├── Interrupted                  exit 130 Ctrl-C or SIGTERM; says what still runs on the service
    ├── NotStarted                   (internal) a shot that never started: a shot it waits on failed
    │   └── NotCreated                       (internal) the render had stopped creating tasks
    └── Refusal                      (local server) an answer refusing a request, as the service would
"""

from __future__ import annotations

from dataclasses import dataclass


class StoryfilmError(Exception):
    exit_code = 1

    def __str__(self) -> str:
        """The message, then what the error also caused, one line each (`add_note`: the shots a
        failed shot kept from starting), so every place that shows the error shows them too."""
        return "\n".join([super().__str__(), *getattr(self, "__notes__", ())])


@dataclass(frozen=True)
class Problem:
    """One fault in a storyboard, pointing at the place a user must edit."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        """One line, whatever the file is named (a line break in a name is shown as \\n)."""
        file = self.file.replace("\r", "\\r").replace("\n", "\\n")
        return f"{file}:{self.line}:{self.col}: {self.message}"


class StoryboardError(StoryfilmError):
    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col))
        super().__init__("\n".join(str(p) for p in self.problems))


class YamlSyntaxError(StoryboardError):
    def __init__(self, line: int, col: int, message: str):
        self.line, self.col, self.message = line, col, message
        StoryfilmError.__init__(self, message)
        self.problems = []


class MediaProblem(StoryboardError):
    """A media reference that cannot be used; the message says why (the caller adds the place)."""

    def __init__(self, message: str):
        self.message = message
        StoryfilmError.__init__(self, message)
        self.problems = []


class UsageError(StoryfilmError):
    exit_code = 2


class UnknownShot(UsageError):
    pass


class FaultSpecError(UsageError, ValueError):
    pass


class FfmpegUnusable(UsageError):
    """The ffmpeg binary runs and is not one storyfilm can use (mediaio/binary.py): told before
    anything is spent. No FfmpegError, so no caller reads it as a media file that failed to decode."""


class OverBudget(StoryfilmError):
    exit_code = 3


class ArkError(StoryfilmError):
    pass


class ApiRefused(ArkError):
    def __init__(self, status: int, code: str, message: str, param: str = "", retry_after: float | None = None,
                 service: str = "Ark", advice: str = ""):
        self.status, self.code, self.param, self.said = status, code, param, message
        self.retry_after = retry_after  # seconds the service asked to wait (Retry-After), on a 429 or 5xx
        todo = f"; {advice}" if advice else ""  # what to do (ark/refusals.py)
        super().__init__(f"{service} refused the request (HTTP {status} {code}): {message}{todo}")


class WrongTasksPath(ApiRefused):
    """A create answered 404 without naming a model or resource that is missing: the tasks' URL
    (ARK_BASE_URL, then ARK_TASKS_PATH) is wrong, for every shot alike. Nothing was created."""

    exit_code = 2

    @classmethod
    def when_so(cls, refused: ApiRefused, tasks_url: str) -> ApiRefused:
        """`refused` as a WrongTasksPath when it says the path is wrong, else itself. A missing model
        is named by its code (InvalidEndpointOrModel.NotFound, ModelNotOpen, NotFound.Parameter);
        a path no route has, by "NotFound" alone or by a body that is not the service's (a proxy's)."""
        if refused.status != 404 or "." in refused.code or refused.code == "ModelNotOpen":
            return refused
        wrong = cls(refused.status, refused.code, "", refused.param)
        ArkError.__init__(wrong, f"the service has no tasks API at {tasks_url} (a create was answered HTTP 404 "
                          f"{refused.code}): check ARK_BASE_URL and ARK_TASKS_PATH, whose join is that URL (Ark's: "
                          "https://ark.cn-beijing.volces.com/api/v3 and /contents/generations/tasks); nothing was "
                          "created")
        return wrong


class TaskFailed(ArkError):
    def __init__(self, task_id: str, status: str, code: str = "", message: str = ""):
        self.task_id, self.status, self.code = task_id, status, code
        detail = f": {code} {message}".rstrip() if code or message else ""
        super().__init__(f"task {task_id} {status}{detail}")


class TaskGone(TaskFailed):
    """The service no longer knows the task (records are kept for a limited time)."""


class TaskOverdue(ArkError):
    """`unanswered`: its deadline passed while the service answered no poll (so would every task's)."""

    def __init__(self, message: str, *, unanswered: bool = False):
        self.unanswered = unanswered
        super().__init__(message)


class ShotGaveUp(ArkError):
    """Every task this run made for one shot failed or expired (executor.MAX_ATTEMPTS of them)."""


class TransportFailed(ArkError):
    """No usable answer. `status` is the HTTP status when one came (e.g. a download's 404)."""

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status
        super().__init__(message)


class Unanswered(TransportFailed):
    """A request that may have taken effect got no usable answer (none, or a 5xx: a service may fail
    after its work is done, and show that work only a while later)."""

    def __init__(self, detail: str, retry_after: float | None = None):
        self.detail, self.retry_after = detail, retry_after
        super().__init__(detail)


class TakenWithoutId(Unanswered):
    """The service took a create (a 2xx answer) but its answer held no task id: the task surely
    exists, so it is looked for and never created again."""

    def __init__(self, detail: str):
        super().__init__(detail)


class CreateUnresolved(TransportFailed):
    """A create was sent, its answer lost, and the service could not tell whether the task exists."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()):
        self.candidates = candidates
        super().__init__(message)


class ListUnreadable(TransportFailed):
    """The task list answered 200 without its `items`: never read as "no tasks"."""


class NoTaskList(TransportFailed):
    """The gateway's profile has no list call (seedance/gateways.py): nothing was sent."""


class ServiceUnreachable(TransportFailed):
    """No connection to the service could be made and none ever was: nothing was sent."""


class ResultsUnusable(TransportFailed):
    """A succeeded task's results could not be had whole: its video did not decode after every
    try, or no frame could be taken from it. That shot's failure, not the service's: the task is
    paid for and journaled, and the next run downloads it again (free)."""


class StoreError(StoryfilmError):
    pass


class StoreBusy(StoreError):
    pass


class ResultsGone(StoreError):
    pass


class StoreReadOnly(StoreError):
    pass


class StoreFull(StoreError):
    pass


class StoreDamaged(StoreError):
    pass


class StorePathUnusable(StoreError):
    """The store's path cannot hold a store (a dangling symlink, a path under /proc or /dev, a
    folder that cannot be entered): bad input, told before anything is sent."""

    exit_code = 2


class LockFileDamaged(StoreError):
    exit_code = 2


class MediaChanged(StoryfilmError):
    """A storyboard's media file is not what was checked (and keyed) when the storyboard was read:
    it was not sent in its changed form; a new run checks it as it is now."""


class AssemblyError(StoryfilmError):
    """The clips and the film spec cannot make a film (bad trim, transition longer than a clip...)."""

    exit_code = 2


class FilmNotWritten(StoryfilmError):
    """The film (or the join's work) could not be written: a full disk, a read-only folder, a file
    size limit. Nothing of the film is left half-written under its name; the clips are kept."""


class FilmBusy(FilmNotWritten):
    """Another process is making a film to the same path now: nothing was rendered or written."""


class FfmpegError(StoryfilmError):
    pass


class NotCopyable(FfmpegError):
    """(internal) the pieces of a smart join would not join by copy; the film is encoded whole."""


class Interrupted(StoryfilmError):
    """The user stopped a render (Ctrl-C, SIGTERM); `running` is the task ids still paid for."""

    exit_code = 130

    def __init__(self, message: str, running: tuple[str, ...] = ()):
        self.running = running
        super().__init__(message)


class NotStarted(StoryfilmError):
    """A shot that never started because the shot whose last frame it starts from failed
    (`upstream`), or itself never started; `failed` is the shot that failed."""

    def __init__(self, shot: str, upstream: str, failed: str, *, ended: str = "failed"):
        self.shot, self.upstream, self.failed = shot, upstream, failed
        via = "" if upstream == failed else f", which waits on shot {failed!r}"
        self.reason = f"waits on shot {upstream!r}{via}, which {ended}"
        super().__init__(f"not started: {self.reason}")


class NotCreated(NotStarted):
    """A shot whose task was never created: the render had stopped creating tasks after `failed`
    failed, and let only the work already paid for finish."""

    def __init__(self, shot: str, failed: str):
        super().__init__(shot, shot, failed)
        self.reason = f"the film stopped creating tasks when shot {failed!r} failed"
        self.args = (f"not started: {self.reason}",)


class Refusal(StoryfilmError):
    """The local server refuses a request: HTTP status, error code, message and the offending parameter."""

    def __init__(self, status: int, code: str, message: str, param: str = "",
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.param = status, code, message, param
        self.headers = headers or {}
