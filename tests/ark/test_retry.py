"""The one retry policy: backoff, jitter, caps, and the Retry-After header in both its forms."""

from __future__ import annotations

import email.utils

import pytest

from storyfilm.ark.retry import RetryPolicy, retry_after


def test_backoff_grows_with_jitter_and_caps() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0, jitter=0.25, max_retry_after=60)
    for attempt, full in enumerate([0.5, 1.0, 2.0, 4.0, 8.0, 8.0]):
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0.75 * full <= d <= full for d in delays) and len(set(delays)) > 1
    assert policy.delay(0, retry_after=3.0) == 3.0 and policy.delay(0, retry_after=600) == 60


def test_without_jitter_the_delays_are_exact() -> None:
    """The executor's and the poller's pauses: the same formula, no randomness."""
    throttled = RetryPolicy(base_delay=0.5, max_delay=30.0, jitter=0.0)
    assert [throttled.delay(a) for a in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert throttled.delay(2, retry_after=0.0) == 0.0


NOW = 1_760_000_000.0


@pytest.mark.parametrize(("value", "seconds"), [
    ("3", 3.0), ("0.25", 0.25), ("0", 0.0),
    ("-4", None), ("nan", None), ("inf", None),  # meaningless: the policy's backoff, not "at once"
    (email.utils.formatdate(NOW + 7, usegmt=True), 7.0),  # an HTTP date: seconds from now
    (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),  # a date already past: at once
    ("soon", None), ("", None),
])
def test_retry_after_header(value: str, seconds: float | None) -> None:
    assert retry_after({"retry-after": value}, now=lambda: NOW) == seconds


def test_no_retry_after_header() -> None:
    assert retry_after({}) is None
