"""Typed results, read leniently (ark-api.md §7, §9, §12): gateways' extras, SDK-GO's names, nulls."""

from __future__ import annotations

from storyfilm.ark.types import Task, TaskError, TaskList

REAL_SUCCEEDED = {  # ark-api.md §7.2, a real lite-t2v answer (no id/model/status fields trimmed)
    "id": "cgt-20251012131916-abcde", "model": "doubao-seedance-1-0-lite-t2v-250428", "status": "succeeded",
    "content": {"video_url": "https://example/v.mp4"}, "usage": {"completion_tokens": 103818, "total_tokens": 103818},
    "created_at": 1760246356, "updated_at": 1760246390, "seed": 8961, "resolution": "720p", "duration": 5,
    "ratio": "16:9", "framespersecond": 24}


def test_a_real_answer_reads_field_for_field() -> None:
    task = Task.from_json(REAL_SUCCEEDED)
    assert (task.status, task.done, task.video_url, task.last_frame_url) == ("succeeded", True, "https://example/v.mp4", None)
    assert (task.completion_tokens, task.total_tokens, task.seed, task.duration, task.frames) == (103818, 103818, 8961, 5, None)
    assert (task.created_at, task.updated_at, task.framespersecond, task.ratio) == (1760246356, 1760246390, 24, "16:9")


def test_leniency() -> None:
    gateway = Task.from_json({"id": "x", "status": "submitted", "content": None, "usage": None, "seed": "7"})
    assert (gateway.status, gateway.done, gateway.video_url, gateway.seed) == ("queued", False, None, None)
    failed = Task.from_json({"id": "y", "status": "failed", "failure_reason": {"code": "C", "message": "m"}})
    assert failed.error == TaskError("C", "m") and failed.done
    assert Task.from_json({"id": "z", "status": "expired", "error": None}).done
    listed = TaskList.from_json({"total": 9, "items": [REAL_SUCCEEDED, "junk"]})
    assert listed.total == 9 and [t.id for t in listed.items] == [REAL_SUCCEEDED["id"]]
