"""A lost create is looked for in the task list (ark-api.md §9.1), whose `filter.model` takes the
Endpoint ID a task was created through, not the model name it reports: a create sent with a Model
ID is looked for without that filter, and a listed task of another model is ruled out by the
`model` it reports."""

from __future__ import annotations

from storyfilm.ark.fingerprint import Fingerprint
from storyfilm.ark.types import Task

PRO = "doubao-seedance-1-0-pro-250528"
LITE = "doubao-seedance-1-0-lite-t2v-250428"


def body(model: str) -> dict:
    return {"model": model, "content": [{"type": "text", "text": "x"}], "seed": 7, "resolution": "480p",
            "ratio": "16:9", "duration": 2}


def listed(model: str) -> Task:
    return Task.from_json({"id": "cgt-1", "model": model, "status": "queued", "seed": 7, "resolution": "480p",
                           "ratio": "16:9", "duration": 2})


def test_a_model_id_is_not_sent_as_the_endpoint_filter_and_rules_out_another_models_task() -> None:
    ours = Fingerprint.of(body(PRO))
    assert ours.endpoint is None
    assert ours.matches(listed(PRO)) and ours.matches(listed(""))
    assert not ours.matches(listed(LITE))


def test_an_endpoint_id_is_the_filter_and_its_tasks_report_the_model_behind_it() -> None:
    ours = Fingerprint.of(body("ep-20250101-abc"))
    assert ours.endpoint == "ep-20250101-abc"
    assert ours.matches(listed(PRO))
