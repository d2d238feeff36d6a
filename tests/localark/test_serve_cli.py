"""`python -m storyfilm serve` as a user starts it: its flags reach the server."""

from __future__ import annotations

import subprocess
import sys

import httpx

from helpers import REPO, TASKS, error_of, serve_process, text_task


def test_serve_flags_faults_and_api_key() -> None:
    with serve_process("--api-key", "sk-mine", "--faults", "429@create=1#1,queue=60") as root:
        url = root + "/api/v3" + TASKS
        mine = {"Authorization": "Bearer sk-mine"}
        first = httpx.post(url, json=text_task(), headers=mine)
        error_of(first, 429, "ModelAccountRpmRateLimitExceeded", "", "The request has exceeded the rate limit.")
        error_of(httpx.post(url, json=text_task(), headers={"Authorization": "Bearer other"}), 401,
                 "AuthenticationError", "", "The API key or AK/SK in the request is missing or invalid.")
        second = httpx.post(url, json=text_task(), headers=mine)
        assert second.status_code == 200 and second.json()["id"].startswith("cgt-")


def test_serve_refuses_a_bad_fault_spec() -> None:
    proc = subprocess.run([sys.executable, "-m", "storyfilm", "serve", "--faults", "bogus=1"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", "fault spec: 'bogus=1': unknown fault 'bogus' (one of "
                                                           "429, 400, 401, 5xx, drop, crash, slow, fail, nolast, noseed, truncate, garble, queue, run, "
                                                           "delay, retry_after, lag, seed)\n")
