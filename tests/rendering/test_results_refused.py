"""A result URL that refuses the download (403) right after its task succeeded has not expired
(media URLs last 24 h): a gateway whose files need a key, a proxy on the way. Making the task again
fails alike and pays each time, so the shot stops instead, its task kept for the next run."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.responses import JSONResponse

from helpers import run_cli
from storyfilm.localark import embedded
from storyfilm.localark.app import LocalArk
from storyfilm.seedance.gateways import VIDEOS_GATEWAY

STORY = """\
title: refused
gateway: videos-gateway
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4}
shots:
  - id: cat
    prompt: A cat stretches on a sunny windowsill.
"""


class _FilesNeedAKey(LocalArk):
    """Its result files answer 403 to a GET without the API key (storyfilm never sends it there)."""

    def app(self, *args, **kwargs):
        served = super().app(*args, **kwargs)

        async def app(scope, receive, send):
            if scope["type"] == "http" and scope["path"].startswith("/files/"):
                self.stats["file_refused"] += 1
                await JSONResponse({"error": "unauthorized"}, status_code=403)(scope, receive, send)
                return
            await served(scope, receive, send)
        return app


def test_a_result_refused_minutes_after_its_task_is_never_paid_for_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # read as "expired", each refusal created the task again: three paid tasks per film, every film
    monkeypatch.setattr(embedded, "LocalArk", _FilesNeedAKey)
    story = tmp_path / "refused.yaml"
    story.write_text(STORY)
    with embedded.LocalServer(gateway=VIDEOS_GATEWAY) as gateway:
        env = {"ARK_API_KEY": "sk-gateway-secret-5", "ARK_BASE_URL": gateway.base_url}
        for _ in range(2):
            stopped = run_cli("film", str(story), env=env, cwd=tmp_path)
            assert stopped.returncode == 1, stopped.stderr
            assert "succeeded, but its result URL no longer answers" in stopped.stderr
            assert ("created only under a minute ago: its results should be there, so it is not created again (it "
                    "is paid for)") in stopped.stderr
            assert "Traceback" not in stopped.stderr and "sk-gateway-secret-5" not in stopped.stdout + stopped.stderr
        assert gateway.ark.stats["create"] == 1 and len(gateway.ark.tasks) == 1
