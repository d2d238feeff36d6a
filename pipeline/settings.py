"""Settings read from the environment once, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

ARK_BASE_URL = "https://ark.cn-beijing.volces.com/api/v3"
TASKS_PATH = "/contents/generations/tasks"


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    tasks_path: str = TASKS_PATH

    @property
    def uses_local_backend(self) -> bool:
        return not self.api_key

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            api_key=env.get("ARK_API_KEY") or None,
            base_url=(env.get("ARK_BASE_URL") or None),
            tasks_path=env.get("ARK_TASKS_PATH") or TASKS_PATH,
        )

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        return f"Settings(api_key=<{key}>, base_url={self.base_url!r}, tasks_path={self.tasks_path!r})"


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from text that may reach a log, an error or a file.

    Keys shorter than 6 characters are test stand-ins; masking them would garble every message."""
    if not secret or len(secret) < 6:
        return text
    return text.replace(secret, "***")
