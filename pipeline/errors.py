"""The one error hierarchy. The CLI renders every StoryfilmError in one place.

    StoryfilmError
    ├── StoryboardError      bad input: exit 2, nothing spent
    ├── ArkError
    │   ├── ApiRefused       the service answered 4xx/5xx with an error body
    │   ├── TaskFailed       the task reached failed / expired / cancelled
    │   └── TransportFailed  no usable answer: connection, timeout, truncated body
    └── FfmpegError          ffmpeg exited non-zero or is missing
"""

from __future__ import annotations

from dataclasses import dataclass


class StoryfilmError(Exception):
    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One fault in a storyboard, pointing at the place a user must edit."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class StoryboardError(StoryfilmError):
    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col))
        super().__init__("\n".join(str(p) for p in self.problems))


class ArkError(StoryfilmError):
    pass


class ApiRefused(ArkError):
    def __init__(self, status: int, code: str, message: str, param: str = ""):
        self.status, self.code, self.param = status, code, param
        super().__init__(f"Ark refused the request (HTTP {status} {code}): {message}")


class TaskFailed(ArkError):
    def __init__(self, task_id: str, status: str, code: str = "", message: str = ""):
        self.task_id, self.status, self.code = task_id, status, code
        detail = f": {code} {message}".rstrip() if code or message else ""
        super().__init__(f"task {task_id} {status}{detail}")


class TransportFailed(ArkError):
    pass


class FfmpegError(StoryfilmError):
    pass
