"""Second hostile pass on the environment: a value every command must refuse, in one line naming
the variable, exit 2, before a request is sent or a file written."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import TWO_SHOTS, assert_case_refused, run_cli
from storyfilm import cli

KEY = "sk-test-s3cret-env2"
DAY = "more than a day; give a number of seconds up to 86400"
USERINFO = ("ARK_BASE_URL holds a user name or password (user:password@): remove it; storyfilm authenticates with "
            "ARK_API_KEY, and would show the URL in its messages")

# (command line, environment, the one line expected; {story} and {userinfo_url} filled in)
CASES = {
    # 1e300 s is no deadline: a silent service would hold the render for ever
    **{f"{name.lower()}-huge": (["plan", "{story}"], {name: "1e300"}, f"{name}='1e300': {DAY}")
       for name in ("STORYFILM_SETTLE", "STORYFILM_LOST_CREATE_DEADLINE", "STORYFILM_REQUEST_TIMEOUT",
                    "STORYFILM_CALL_DEADLINE", "STORYFILM_CREATE_DEADLINE")},
    # a create sent and its answer given up on at once: with a key, perhaps paid and never seen
    "request-timeout-a-millisecond": (["film", "{story}"], {"STORYFILM_REQUEST_TIMEOUT": "0.001"},
                                      "STORYFILM_REQUEST_TIMEOUT='0.001': under 0.1 s, no answer could come in time; "
                                      "give a number of seconds, 0.1 or more"),
    "call-deadline-1e-300": (["plan", "{story}"], {"STORYFILM_CALL_DEADLINE": "1e-300"},
                             "STORYFILM_CALL_DEADLINE='1e-300': under 0.1 s, no answer could come in time; give a "
                             "number of seconds, 0.1 or more"),
    "create-deadline-a-year-film": (["film", "{story}"], {"STORYFILM_CREATE_DEADLINE": "31536000"},
                                    f"STORYFILM_CREATE_DEADLINE='31536000': {DAY}"),
    # a gateway typo was told only by `film` and `cancel`; `plan` and `status` said nothing and exited 0
    "gateway-typo-plan": (["plan", "{story}"], {"ARK_GATEWAY": "volc_proxy"},
                          "ARK_GATEWAY='volc_proxy': no such gateway profile; there are ark, volc-proxy, "
                          "videos-gateway"),
    "gateway-typo-status": (["status", "{story}"], {"ARK_GATEWAY": "Ark"},
                            "ARK_GATEWAY='Ark': no such gateway profile; there are ark, volc-proxy, videos-gateway"),
    # a password in the base URL reached the "cannot reach the video service ... (now URL)" message
    "base-url-with-password": (["film", "{story}"], {"ARK_BASE_URL": "{userinfo_url}"}, USERINFO),
    # os.stat's ENAMETOOLONG escaped Path.is_file(): a traceback before any command ran
    "ffmpeg-a-name-too-long": (["validate", "{story}"], {"FFMPEG": "f" * 300}, f"FFMPEG={'f' * 300} is not an "
                               "executable file"),
    # the tasks path was put after the query: every create came back 404
    "base-url-with-query": (["film", "{story}"], {"ARK_BASE_URL": "https://ark.example.com/api/v3?key=s3cret"},
                            "ARK_BASE_URL='https://ark.example.com/api/v3?…': a base URL has no ?query or "
                            "#fragment; give an http or https URL, e.g. https://ark.cn-beijing.volces.com/api/v3"),
    # Ark's host without /api/v3 (or with the tasks path too) was taken: every create came back 404
    "ark-host-without-api-v3": (["film", "{story}"], {"ARK_BASE_URL": "https://ark.cn-beijing.volces.com"},
                                "ARK_BASE_URL='https://ark.cn-beijing.volces.com': Ark's tasks API is under /api/v3 on "
                                "ark.cn-beijing.volces.com; give https://ark.cn-beijing.volces.com/api/v3"),
    "ark-host-with-the-tasks-path": (["plan", "{story}"], {"ARK_BASE_URL": "https://ark.ap-southeast.bytepluses.com"
                                                                           "/api/v3/contents/generations/tasks"},
                                     "ARK_BASE_URL='https://ark.ap-southeast.bytepluses.com/api/v3/contents/generations/"
                                     "tasks': Ark's tasks API is under /api/v3 on ark.ap-southeast.bytepluses.com; give "
                                     "https://ark.ap-southeast.bytepluses.com/api/v3"),
    # "/" was taken, and every create came back 404 from the service
    "tasks-path-slash": (["film", "{story}"], {"ARK_TASKS_PATH": "/"},
                         "ARK_TASKS_PATH='/' names no path: give the tasks' path under the base, e.g. "
                         "/contents/generations/tasks"),
}


@pytest.mark.parametrize("name", CASES)
def test_hostile_environment(name: str, tmp_path: Path, ark_server, monkeypatch, capsys) -> None:
    assert_case_refused(CASES[name], tmp_path, ark_server, monkeypatch, capsys, key=KEY,
                        secrets=("s3cret", "pa55word"))


def test_a_day_is_still_taken(monkeypatch, tmp_path: Path, capsys) -> None:
    story = tmp_path / "two.yaml"
    story.write_text(TWO_SHOTS, encoding="utf-8")
    monkeypatch.setenv("STORYFILM_CREATE_DEADLINE", "86400")
    monkeypatch.setenv("ARK_GATEWAY", "ark")
    assert cli.main(["validate", str(story)]) == 0
    assert capsys.readouterr().err == ""


def test_doctor_tells_an_ffmpeg_that_is_not_one() -> None:
    """FFMPEG=/bin/true passed the executable check; doctor then failed with an IndexError traceback.
    (A process of its own: the binary's path is cached for the life of a process.)"""
    done = run_cli("doctor", env={"FFMPEG": "/bin/true"})
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "FFMPEG=/bin/true is not ffmpeg: `-version` printed nothing\n")
