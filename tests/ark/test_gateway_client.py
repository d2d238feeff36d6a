"""The client and poller speak each gateway profile (seedance/gateways.py) with the local server
playing that gateway: its path, its status words, GET per task where it has no list call, its
model names, and a lost create that cannot be looked for is never sent again."""

from __future__ import annotations

import asyncio

import pytest

from helpers import REPO, in_process_ark, text_task
from storyfilm.ark.client import ArkClient, LostCreates, RetryPolicy
from storyfilm.ark.types import Task
from storyfilm.errors import CreateUnresolved, TransportFailed, UsageError
from storyfilm.localark.embedded import LocalServer
from storyfilm.rendering.poller import Poller
from storyfilm.seedance import gateways
from storyfilm.seedance.gateways import ARK, GATEWAYS, VIDEOS_GATEWAY, VOLC_PROXY

ROOT = "http://gateway.test"
FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0)


def _through(gateway: gateways.Gateway, action, **options):
    """Run `action(client, ark)` with the local server playing `gateway`, in this event loop."""
    async def main():
        options.setdefault("faults", "queue=60")
        async with in_process_ark(gateway=gateway, record=True, **options) as (ark, http):
            base = ROOT + gateway.prefix
            client = ArkClient(base, "sk-gateway-test", gateway=gateway, http=http, retry=FAST,
                               lost_creates=LostCreates(settle=0.1))
            return await action(client, ark)
    return asyncio.run(main())


@pytest.mark.parametrize("name", list(GATEWAYS))
def test_each_profile_creates_and_reads_a_task_on_its_own_path(name: str) -> None:
    gateway = GATEWAYS[name]

    async def action(client, ark):
        task = await client.get(await client.create(text_task()))
        return task, dict(ark.stats)

    task, stats = _through(gateway, action)
    assert task.status == "queued"  # volc-proxy writes "submitted": read as queued
    assert stats == {"create": 1, "get": 1}


def test_a_gateway_without_list_is_polled_by_get_until_done() -> None:
    async def action(client, ark):
        task_id = await client.create(text_task())
        async with Poller(client, min_interval=0.05, max_interval=0.2) as poller:
            done = await poller.wait(task_id, timeout=60)
        return done, dict(ark.stats), poller.list_refused

    done, stats, refused = _through(VOLC_PROXY, action, faults="queue=0.3,run=0.3")
    assert done.status == "succeeded" and done.video_url
    assert "list" not in stats and refused is None  # never asked for a list it does not offer
    assert 2 <= stats["get"] <= 40  # the adaptive interval, not a spin, over a task of ~0.6 s


def test_the_gateways_model_names_are_sent_and_asset_uris_pass_through() -> None:
    body = text_task(model="doubao-seedance-2-0-260128", resolution="480p", duration=4)
    body["content"].append({"type": "image_url", "image_url": {"url": "asset://asset-xxxx"},
                            "role": "reference_image"})

    async def action(client, ark):
        await client.create(body)
        return ark.created

    (sent,) = _through(VIDEOS_GATEWAY, action, assets=REPO / "storyboards" / "seeds" / "assets")
    assert sent == {**body, "model": "doubao-seedance-2-0"}


def test_a_lost_create_on_a_gateway_without_list_is_not_sent_again() -> None:
    """The answer to the create is dropped on the wire (real sockets): with no list to look in,
    the client cannot tell whether the task landed, so it stops instead of paying twice."""
    async def create(base: str) -> str:
        async with ArkClient(base, "sk-gateway-test", gateway=VIDEOS_GATEWAY, retry=FAST,
                             lost_creates=LostCreates(settle=0.1)) as client:
            with pytest.raises(CreateUnresolved) as lost:
                await client.create(text_task())
            return str(lost.value)

    with LocalServer(gateway=VIDEOS_GATEWAY, faults="drop@create=1,queue=60") as gateway:
        message = asyncio.run(create(gateway.base_url))
        assert gateway.ark.stats["create"] == 1 and len(gateway.ark.tasks) == 1  # landed once, never sent again
    # it said "looking for the task with list failed too", as if a list had been asked and had failed
    assert message == ("create sent but unanswered (POST {base}/v1/videos: sent, but no answer came "
                       "(RemoteProtocolError)), and gateway videos-gateway offers no task list: its task cannot be "
                       "looked for, so the create is not sent again (the task may exist and be paid for). Check the "
                       "gateway's console; if it shows no task for it, `storyfilm cancel STORY --forget-unanswered` "
                       "lets the next film create it.").format(base=gateway.base_url)


def test_status_words_are_read_leniently() -> None:
    words = {"submitted": "queued", "pending": "queued", "in_progress": "running", "processing": "running",
             "completed": "succeeded", "SUCCESS": "succeeded", "failure": "failed", "canceled": "cancelled",
             "running": "running", "Expired": "expired", "something-new": "queued", None: "queued"}
    for word, ours in words.items():
        assert Task.from_json({"id": "t", "status": word}, VOLC_PROXY).status == ours, word
    flat = Task.from_json({"id": "t", "status": "completed", "video_url": "https://x/v.mp4"}, VIDEOS_GATEWAY)
    assert (flat.status, flat.video_url) == ("succeeded", "https://x/v.mp4")
    assert Task.from_json({"id": "t", "status": "completed"}, ARK).status == "queued"  # Ark never says it


def test_the_profile_is_chosen_once_and_a_gateway_needs_its_host() -> None:
    assert gateways.chosen(None, None) is ARK
    assert gateways.chosen("volc-proxy", None) is VOLC_PROXY
    assert gateways.chosen(None, "videos-gateway", "s.yaml") is VIDEOS_GATEWAY
    assert gateways.chosen("videos-gateway", "videos-gateway") is VIDEOS_GATEWAY
    with pytest.raises(UsageError) as both:
        gateways.chosen("ark", "videos-gateway", "s.yaml")
    assert str(both.value) == ("s.yaml says gateway: videos-gateway, but ARK_GATEWAY=ark: unset ARK_GATEWAY "
                               "or change the storyboard's gateway")
    with pytest.raises(UsageError) as unknown:
        gateways.named("volc")
    assert str(unknown.value) == "ARK_GATEWAY='volc': no such gateway profile; there are ark, volc-proxy, videos-gateway"
    assert gateways.base_url(ARK, None) == "https://ark.cn-beijing.volces.com/api/v3"
    assert gateways.base_url(VOLC_PROXY, "https://proxy.example") == "https://proxy.example"
    with pytest.raises(UsageError, match=r"^gateway videos-gateway has no default host: set ARK_BASE_URL"):
        gateways.base_url(VIDEOS_GATEWAY, None)


def test_a_client_without_list_says_so_without_sending() -> None:
    async def action(client, ark):
        with pytest.raises(TransportFailed, match="^gateway volc-proxy offers no task list$"):
            await client.list(task_ids=["cgt-x"])
        return dict(ark.stats)

    assert _through(VOLC_PROXY, action) == {}
