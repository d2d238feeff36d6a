"""A result URL that refuses the download (403) right after its task succeeded has not expired
(media URLs last 24 h): a gateway whose files need a key, a proxy on the way. Making the task again
fails alike and pays each time, so the shot stops instead, its task kept for the next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import RefusingArk, gateway_story, run_cli
from storyfilm.localark import embedded
from storyfilm.seedance.gateways import VIDEOS_GATEWAY


class _FilesNeedAKey(RefusingArk):
    """Its result files answer 403 to a GET without the API key (storyfilm never sends it there)."""

    status, body, counted = 403, {"error": "unauthorized"}, "file_refused"

    def refuses(self, scope) -> bool:
        return scope["path"].startswith("/files/")


def test_a_result_refused_minutes_after_its_task_is_never_paid_for_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # read as "expired", each refusal created the task again: three paid tasks per film, every film
    monkeypatch.setattr(embedded, "LocalArk", _FilesNeedAKey)
    story = gateway_story(tmp_path / "refused.yaml", "refused")
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
