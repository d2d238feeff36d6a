"""Each refusal ark-api.md §10.2 documents is told with what to do about it, and one that no wait
clears (429 SetLimitExceeded: a limit the account holder set) is not sent again and again until
the create deadline: one create, one message, nothing paid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import HostileService, http_reply, one_shot, run_cli

KEY = "sk-documented-refusals-0123456789"
TASKS = "/api/v3/contents/generations/tasks"
EMPTY_LIST = http_reply(200, '{"total": 0, "items": []}')


@pytest.mark.parametrize(("status", "code", "advice"), [
    (401, "AuthenticationError", "check ARK_API_KEY"),
    (403, "AccountOverdueError", "the account is overdue: top it up in the Ark console"),
    (404, "ModelNotOpen", "activate the model in the Ark console"),
    (400, "InputImageSensitiveContentDetected.PrivacyInformation", "the service's moderation refused"),
    (429, "SetLimitExceeded", "the account's safe-experience limit is reached: raise or lift it"),
])
def test_a_documented_refusal_says_what_to_do(tmp_path: Path, status: int, code: str, advice: str) -> None:
    said = "The request was refused. Request id: 0217"
    body = json.dumps({"error": {"code": code, "message": said, "param": "", "type": "X"}})
    one_shot(tmp_path / "one.yaml", "one", "a", "a red ball rolls")
    with HostileService(lambda method, path: http_reply(status, body) if method == "POST" else EMPTY_LIST) as service:
        done = run_cli("film", str(tmp_path / "one.yaml"), cwd=tmp_path,
                       env={"ARK_API_KEY": KEY, "ARK_BASE_URL": service.base_url, "STORYFILM_CREATE_DEADLINE": "20"})
        assert service.count(f"POST {TASKS}") == 1
    assert done.returncode == 1
    assert done.stderr.startswith(f"Ark refused the request (HTTP {status} {code}): {said}; {advice}"), done.stderr
    assert "Traceback" not in done.stderr and KEY not in done.stdout + done.stderr
