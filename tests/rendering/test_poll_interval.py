"""How often tasks are looked at: a service on this machine (the local preview server) up to 20
times a second, so a chain's next shot starts as soon as its first frame exists; a remote service
never faster than the interval it is given (ark-api.md: its list call is rate limited)."""

from __future__ import annotations

import asyncio

import pytest

from storyfilm.ark.client import ArkClient
from storyfilm.rendering.poller import LOOPBACK_INTERVAL, Poller


@pytest.mark.parametrize("base, given, used", [
    ("http://127.0.0.1:8000/api/v3", 0.25, LOOPBACK_INTERVAL),
    ("http://localhost:8000/api/v3", 0.25, LOOPBACK_INTERVAL),
    ("http://[::1]:8000/api/v3", 0.25, LOOPBACK_INTERVAL),
    ("http://127.0.0.1:8000/api/v3", 0.01, 0.01),  # never slower than asked
    ("https://ark.cn-beijing.volces.com/api/v3", 1.0, 1.0),
    ("http://10.0.0.5:8000/api/v3", 1.0, 1.0),  # another machine on the network is remote
])
def test_only_a_service_on_this_machine_is_polled_faster(base: str, given: float, used: float) -> None:
    async def interval() -> float:
        async with ArkClient(base, "sk-test") as client:
            return Poller(client, min_interval=given).min_interval
    assert asyncio.run(interval()) == used
