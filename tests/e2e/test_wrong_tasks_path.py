"""A mistyped ARK_BASE_URL or ARK_TASKS_PATH: the first create's 404 ends the run in one message
naming both settings and the URL they make (exit 2), not a shot that "failed" like any other; a
404 that names a missing model stays the service's refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import HostileService, counted, http_reply, run_cli_in_process, server_counts

STORY = "title: Two\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n    cut: true\n"


def wrong_path(url: str) -> str:
    return (f"the service has no tasks API at {url} (a create was answered HTTP 404 NotFound): check ARK_BASE_URL and "
            "ARK_TASKS_PATH, whose join is that URL (Ark's: https://ark.cn-beijing.volces.com/api/v3 and "
            "/contents/generations/tasks); nothing was created\n")


@pytest.mark.parametrize("setting", ["tasks-path", "base-url"])
def test_a_mistyped_tasks_url_ends_in_one_message_naming_the_settings(setting: str, tmp_path: Path,
                                                                      ark_server, capsys) -> None:
    (tmp_path / "two.yaml").write_text(STORY)
    env = {"ARK_API_KEY": "sk-test-path-0001", "ARK_BASE_URL": ark_server.base_url}
    if setting == "tasks-path":
        env["ARK_TASKS_PATH"] = "/contents/generation/tasks"
        url = ark_server.base_url + "/contents/generation/tasks"
    else:
        env["ARK_BASE_URL"] = ark_server.base_url + "/v3"  # .../api/v3/v3
        url = env["ARK_BASE_URL"] + "/contents/generations/tasks"
    before = server_counts(ark_server)
    done = run_cli_in_process(capsys, "film", "-q", "two.yaml", cwd=tmp_path, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", wrong_path(url))
    assert counted(before, ark_server) == {}  # no create reached the tasks API: nothing made, nothing paid


def test_a_proxys_plain_404_is_a_wrong_path_too(tmp_path: Path, capsys) -> None:
    (tmp_path / "two.yaml").write_text(STORY)
    with HostileService(lambda method, path: http_reply(404, "404 page not found",
                                                        {"Content-Type": "text/plain"})) as proxy:
        done = run_cli_in_process(capsys, "film", "-q", "two.yaml", cwd=tmp_path,
                                  env={"ARK_API_KEY": "sk-test-path-0002", "ARK_BASE_URL": proxy.base_url})
    assert done.returncode == 2
    assert done.stderr.startswith(f"the service has no tasks API at {proxy.base_url}/contents/generations/tasks "
                                  "(a create was answered HTTP 404 X): check ARK_BASE_URL and ARK_TASKS_PATH")


def test_a_missing_model_is_still_the_services_refusal(tmp_path: Path, capsys) -> None:
    (tmp_path / "two.yaml").write_text(STORY)
    refusal = ('{"error": {"code": "InvalidEndpointOrModel.NotFound", "message": "The model or endpoint '
               'doubao-seedance-1-0-pro-250528 does not exist or you do not have access to it.", "type": "NotFound"}}')
    with HostileService(lambda method, path: http_reply(404, refusal)) as service:
        done = run_cli_in_process(capsys, "film", "-q", "two.yaml", cwd=tmp_path,
                                  env={"ARK_API_KEY": "sk-test-path-0003", "ARK_BASE_URL": service.base_url})
    assert done.returncode == 1
    assert "Ark refused the request (HTTP 404 InvalidEndpointOrModel.NotFound)" in done.stderr
    assert "ARK_TASKS_PATH" not in done.stderr
