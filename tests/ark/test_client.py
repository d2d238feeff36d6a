"""The client's retries, backoff, Retry-After, lost creates and failure kinds, against the local
server's fault injection over real sockets. The server counts every request it saw."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from helpers import PRO, text_task, until_done
from storyfilm.ark.client import ArkClient, LostCreates, RetryPolicy
from storyfilm.errors import ApiRefused, CreateUnresolved, TaskFailed, TransportFailed
from storyfilm.localark.embedded import LOCAL_KEY, LocalServer

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
QUICK_SETTLE = LostCreates(settle=0.2)


@pytest.fixture(scope="module")
def server():
    with LocalServer(faults="queue=60") as server:
        yield server


@pytest.fixture()
def ark(server):
    """The module's server with fresh faults and counters for this test; tasks stay queued."""
    server.ark.faults = "queue=60"
    server.ark.stats.clear()
    yield server.ark


def run(coro):
    return asyncio.run(coro)


async def _with_client(server: LocalServer, action, *, key: str = LOCAL_KEY, retry: RetryPolicy = FAST,
                       lost_creates: LostCreates = QUICK_SETTLE, **kw):
    async with ArkClient(server.base_url, key, retry=retry, lost_creates=lost_creates, **kw) as client:
        return await action(client)


def test_get_and_list_retry_429_and_5xx(server, ark) -> None:
    task_id = run(_with_client(server, lambda c: c.create(text_task())))
    ark.faults = "429@get=1#1,5xx@get=1#1,drop@get=1#1,5xx@list=1#2,queue=60"  # 3 faults, 4 attempts
    task = run(_with_client(server, lambda c: c.get(task_id)))
    assert task.id == task_id and task.status == "queued"
    assert (ark.stats["get"], ark.stats["fault:429"], ark.stats["fault:5xx"], ark.stats["fault:drop"]) == (4, 1, 1, 1)
    listed = run(_with_client(server, lambda c: c.list(task_ids=[task_id])))
    assert [t.id for t in listed.items] == [task_id] and ark.stats["list"] == 3


def test_retries_end_in_api_refused_with_the_code(server, ark) -> None:
    ark.faults = "5xx@get=1"
    with pytest.raises(ApiRefused) as err:
        run(_with_client(server, lambda c: c.get("cgt-any")))
    assert err.value.status in (500, 502, 503, 504) and err.value.code == "InternalServiceError"
    assert ark.stats["get"] == FAST.attempts  # tried exactly `attempts` times, then gave up


def test_retry_after_is_honoured(server, ark) -> None:
    ark.faults = "429@get=1#1,retry_after=0.4"
    started = time.monotonic()
    with pytest.raises(ApiRefused) as err:
        run(_with_client(server, lambda c: c.get("cgt-any")))
    assert err.value.status == 404 and err.value.code == "NotFound.TaskId"  # retried once, then the real answer
    assert time.monotonic() - started >= 0.4  # backoff alone would wait ~0.01 s
    assert ark.stats["get"] == 2


def test_a_dropped_create_is_found_not_repeated(server, ark) -> None:
    ark.faults = "drop@create=1,queue=60"  # every create takes effect, every answer is lost
    before = set(ark.tasks)
    task_id = run(_with_client(server, lambda c: c.create(text_task(seed=4242))))
    assert set(ark.tasks) - before == {task_id}
    assert (ark.stats["create"], ark.stats["fault:drop"]) == (1, 1) and ark.stats["list"] >= 1


def test_a_lost_text_style_create_is_found_too(server, ark) -> None:
    from storyfilm.seedance import commands

    ark.faults = "drop@create=1,queue=60"
    body = commands.encode(text_task(seed=777, ratio="4:3"), "text")
    before = set(ark.tasks)
    task_id = run(_with_client(server, lambda c: c.create(body)))
    assert set(ark.tasks) - before == {task_id} and ark.stats["create"] == 1


def test_a_slow_create_that_lands_late_is_found_on_the_second_look(server, ark) -> None:
    """The client gives up after 1 s; the service creates the task at 1.5 s; the second look
    (settle = 1 s after the first) finds it, so nothing is created twice."""
    ark.faults = "slow@create=1#1,delay=1.5,queue=60"

    async def create_with_short_timeout():
        async with httpx.AsyncClient(timeout=1.0) as http:
            return await _with_client(server, lambda c: c.create(text_task(seed=2024)), http=http,
                                      lost_creates=LostCreates(settle=1.0))

    before = set(ark.tasks)
    task_id = run(create_with_short_timeout())
    assert set(ark.tasks) - before == {task_id} and ark.stats["create"] == 1 and ark.stats["list"] == 2


def test_a_lost_create_whose_model_used_its_own_seed_is_found_by_its_mark(server, ark) -> None:
    """The client alone (no render around it) marks its create too: the task echoes another seed
    than the one sent, and only the mark tells it is this create's, so it is not created again."""
    from storyfilm.seedance import request_mark

    ark.faults = "noseed=1,drop@create=1#1,queue=60"
    body = text_task(seed=8080)
    before = set(ark.tasks)
    task_id = run(_with_client(server, lambda c: c.create(body), lost_creates=LostCreates(settle=0.5)))
    assert set(ark.tasks) - before == {task_id} and ark.stats["create"] == 1
    task = ark.tasks[task_id].spec
    assert task.seed != 8080 and task.execution_expires_after == request_mark.mark_of(body)


def test_a_5xx_create_is_checked_then_sent_again(server, ark) -> None:
    ark.faults = "5xx@create=1#1,queue=60"  # the first create fails before taking effect
    before = set(ark.tasks)
    task_id = run(_with_client(server, lambda c: c.create(text_task(seed=31337))))
    assert set(ark.tasks) - before == {task_id}  # exactly one task
    assert ark.stats["create"] == 2 and ark.stats["list"] >= 1


def test_an_unresolvable_create_is_reported_not_repeated(server, ark) -> None:
    ark.faults = "drop@create=1,5xx@list=1,queue=60"
    before = set(ark.tasks)
    with pytest.raises(CreateUnresolved) as err:
        run(_with_client(server, lambda c: c.create(text_task(seed=99))))
    assert str(err.value).endswith("Check the tasks on the service (its task list, or a gateway's console) "
                                   "before creating again.") and err.value.candidates == ()
    assert len(set(ark.tasks) - before) == 1 and ark.stats["create"] == 1


def test_twin_tasks_make_a_lost_create_ambiguous(server, ark) -> None:
    body = text_task(seed=5150)
    twins = [run(_with_client(server, lambda c: c.create(body))) for _ in range(2)]  # another client's tasks
    ark.faults = "drop@create=1,queue=60"
    with pytest.raises(CreateUnresolved) as err:
        run(_with_client(server, lambda c: c.create(body)))
    assert set(twins) < set(err.value.candidates) and len(err.value.candidates) == 3
    assert ark.stats["create"] == 3


def test_connection_errors_are_transport_failures() -> None:
    with LocalServer() as gone:
        url = gone.base_url
    started = time.monotonic()
    with pytest.raises(TransportFailed) as err:
        run(_with_client(type("S", (), {"base_url": url})(), lambda c: c.get("cgt-x")))
    assert str(err.value) == ("cannot reach the video service at 127.0.0.1 (ConnectError: All connection attempts "
                              "failed); nothing was sent, nothing was spent. Check the network, or ARK_BASE_URL "
                              f"(now {url}).") and time.monotonic() - started < 5
    assert not isinstance(err.value, (ApiRefused, TaskFailed))


def test_slow_answers_time_out_then_succeed(server, ark) -> None:
    task_id = run(_with_client(server, lambda c: c.create(text_task())))
    ark.faults = "slow@get=1#2,delay=2.5,queue=60"

    async def get_with_short_timeout():
        async with httpx.AsyncClient(timeout=1.0) as http:
            return await _with_client(server, lambda c: c.get(task_id), http=http)

    assert run(get_with_short_timeout()).id == task_id
    assert ark.stats["get"] == 3


def test_failed_tasks_and_the_key_never_shows(server, ark) -> None:
    ark.faults = "fail=1"
    secret = "sk-very-secret-0042"

    async def make_and_wait(client: ArkClient):
        return await until_done(client, await client.create(text_task()), timeout=30)

    with pytest.raises(TaskFailed) as err:
        run(_with_client(server, make_and_wait, key=secret))
    assert err.value.status == "failed" and err.value.code in ("OutputVideoSensitiveContentDetected",
                                                                "InternalServiceError")
    with LocalServer(api_key="the-right-key", faults="queue=60") as guarded:
        with pytest.raises(ApiRefused) as refused:
            run(_with_client(guarded, lambda c: c.create(text_task()), key=secret))
    assert refused.value.status == 401 and refused.value.code == "AuthenticationError"
    client = ArkClient(server.base_url, secret)
    for text in (str(err.value), str(refused.value), repr(client)):
        assert secret not in text
    run(client.aclose())


def test_downloads_survive_truncation(server, ark, tmp_path: Path) -> None:
    ark.faults = ""

    async def make(client: ArkClient):
        return await until_done(client, await client.create(text_task()), timeout=30)

    task = run(_with_client(server, make))
    whole = int(httpx.head(task.video_url).headers["content-length"])
    ark.faults = "truncate=1#2"
    ark.stats.clear()
    size = run(_with_client(server, lambda c: c.download(task.video_url, tmp_path / "v.mp4")))
    assert size == (tmp_path / "v.mp4").stat().st_size == whole
    assert ark.stats["download"] == 3 and ark.stats["fault:truncate"] == 2
    ark.faults = "truncate=1"
    with pytest.raises(TransportFailed):
        run(_with_client(server, lambda c: c.download(task.video_url, tmp_path / "w.mp4")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]  # no partial file left behind


def test_a_lost_delete_answer_still_cancels_once(server, ark) -> None:
    task_id = run(_with_client(server, lambda c: c.create(text_task())))
    ark.faults = "drop@delete=1#1,queue=60"
    run(_with_client(server, lambda c: c.delete(task_id)))  # cancelled, answer lost, retried: 400 → get: cancelled
    assert ark.tasks[task_id].status == "cancelled" and ark.stats["delete"] == 2


def test_settings_from_the_environment_hide_the_key() -> None:
    from storyfilm.settings import ARK_BASE_URL, Settings

    s = Settings.from_env({"ARK_API_KEY": "sk-secret-key-77", "ARK_TASKS_PATH": "/v1/videos",
                           "STORYFILM_FAULTS": "429=0.5"})
    assert s.ark_base_url == ARK_BASE_URL == "https://ark.cn-beijing.volces.com/api/v3"
    assert (s.tasks_path, s.faults) == ("/v1/videos", "429=0.5") and "sk-secret-key-77" not in repr(s)
    assert Settings.from_env({"ARK_BASE_URL": "http://proxy/volc/v1"}).ark_base_url == "http://proxy/volc/v1"


def test_a_gateway_path_end_to_end() -> None:
    """Seeds 003/004: a reseller's base URL and tasks path; the same client works unchanged."""
    async def create_and_get(client: ArkClient):
        return await client.get(await client.create(text_task()))

    with LocalServer(faults="queue=60", tasks_path="/volc/v1/contents/generations/tasks", api_prefix="") as gw:
        task = run(_with_client(type("S", (), {"base_url": gw.root_url})(), create_and_get,
                                tasks_path="/volc/v1/contents/generations/tasks"))
    assert task.status == "queued" and task.model == PRO


def test_an_expired_file_is_not_retried(server, ark, tmp_path: Path) -> None:
    ark.faults = ""
    url = server.root_url + "/files/nope/video.mp4"
    with pytest.raises(TransportFailed) as err:
        run(_with_client(server, lambda c: c.download(url, tmp_path / "x.mp4")))
    assert str(err.value) == f"download of {url} failed: download answered HTTP 404"
    assert err.value.status == 404 and ark.stats["download"] == 1


def test_endpoint_ids_and_a_lost_create_through_one() -> None:
    endpoint = "ep-20250101000000-abcde"
    with LocalServer(faults="drop@create=1,queue=60", endpoints={endpoint: PRO}) as gw:
        task = run(_with_client(gw, lambda c: c.create(text_task(model=endpoint, seed=64))))
        assert list(gw.ark.tasks) == [task] and gw.ark.stats["create"] == 1
        got = run(_with_client(gw, lambda c: c.get(task)))
        assert got.model == PRO  # the task names the model; list filters by the endpoint
        assert [t.id for t in run(_with_client(gw, lambda c: c.list(model=endpoint))).items] == [task]


def test_serve_reads_faults_from_the_environment() -> None:
    """`python -m storyfilm serve` with STORYFILM_FAULTS: the client retries through them."""
    from helpers import serve_process

    with serve_process(env={"STORYFILM_FAULTS": "429@create=1#2,queue=60"}) as root:
        task_id = run(_with_client(type("S", (), {"base_url": root + "/api/v3"})(), lambda c: c.create(text_task())))
        stats = httpx.get(root + "/_local/stats").json()
        assert task_id.startswith("cgt-") and (stats["create"], stats["fault:429"]) == (3, 2)
