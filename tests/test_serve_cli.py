"""`python -m pipeline serve` as a user starts it: its flags reach the server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from conftest import REPO, TASKS, text_task


def test_serve_flags_faults_and_api_key() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--port", str(port), "--api-key", "sk-mine",
                             "--faults", "429@create=1#1,queue=60"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                httpx.get(root + "/_local/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        url = root + "/api/v3" + TASKS
        mine = {"Authorization": "Bearer sk-mine"}
        first = httpx.post(url, json=text_task(), headers=mine)
        assert first.status_code == 429 and first.json()["error"]["code"]
        assert httpx.post(url, json=text_task(), headers={"Authorization": "Bearer other"}).status_code == 401
        second = httpx.post(url, json=text_task(), headers=mine)
        assert second.status_code == 200 and second.json()["id"].startswith("cgt-")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_refuses_a_bad_fault_spec() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "serve", "--faults", "bogus=1"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown fault 'bogus'" in proc.stderr and "Traceback" not in proc.stderr
