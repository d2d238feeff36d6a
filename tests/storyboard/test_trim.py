"""The one trim rule: seconds → whole frames, and what is wrong with a trim (storyboard/model.Trim)."""

from __future__ import annotations

import pytest

from storyfilm.storyboard.model import Trim, TrimFault


@pytest.mark.parametrize("trim, span", [
    (Trim(), (0, 48)),
    (Trim(0.26, 1.5), (6, 36)),  # nearest frame at 24 fps: 6.24 → 6
    (Trim(end=1.99), (0, 48)),
    (Trim(1.0), (24, 48)),
])
def test_seconds_become_whole_frames(trim: Trim, span: tuple[int, int]) -> None:
    assert trim.span(48, 24) == span
    assert trim.fault(48, 24) is None


@pytest.mark.parametrize("trim, fault", [
    (Trim(2, 1), TrimFault(None, "trim `out` (1) must be after `in` (2)")),
    (Trim(1.5, 1.5), TrimFault(None, "trim `out` (1.5) must be after `in` (1.5)")),
    (Trim(1.0, 1.01), TrimFault(None, "trim `out` (1.01) must be at least a frame (1/24 s) after `in` (1)")),
    (Trim(2.0), TrimFault("in", "trim `in` (2) is not before the end of the 2 s clip")),
    (Trim(2.5, 3), TrimFault("in", "trim `in` (2.5) is not before the end of the 2 s clip")),
    (Trim(0.5, 2.1), TrimFault("out", "trim `out` (2.1) is past the end of the 2 s clip")),
    (Trim(-0.5), TrimFault("in", "trim `in` (-0.5) must not be negative")),
])
def test_what_is_wrong_is_said_once(trim: Trim, fault: TrimFault) -> None:
    assert trim.fault(48, 24) == fault


def test_the_clip_length_is_shown_to_the_hundredth() -> None:
    assert Trim(end=6).fault(121, 24) == TrimFault("out", "trim `out` (6) is past the end of the 5.04 s clip")


def test_seconds_kept() -> None:
    assert Trim(0.5).kept(5.0) == 4.5
    assert Trim(0.5, 2.0).kept(5.0) == 1.5
