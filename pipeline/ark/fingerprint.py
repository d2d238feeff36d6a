"""What identifies a create's task among the service's tasks (a lost create is looked for by it,
ark/lost_create.py): model, service tier, and the request values a task echoes back, read from
body fields or from text commands alike, with the request's mark (seedance/request_mark.py).

The list's `filter.model` takes the Endpoint ID a task was created through, not the model name
the task reports (ark-api.md §9.1): a create sent with a Model ID is looked for without that
filter, and a listed task is ruled out by the `model` it reports instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storyfilm.ark.types import Task
from storyfilm.seedance import commands, request_mark
from storyfilm.seedance.models import MODELS

# what a task echoes of its request, whether sent as body fields or as text commands
ECHOED = ("seed", "resolution", "ratio", "duration", "frames", "generate_audio", "execution_expires_after")


@dataclass(frozen=True)
class Fingerprint:
    """What identifies our task among the service's tasks: model (or endpoint id), service tier
    (None: any), and the request values a task echoes back, left out where the service chooses."""

    model: str
    service_tier: str | None
    echoes: tuple[tuple[str, Any], ...]
    marked: bool = False  # its execution_expires_after is the request's own mark (seedance/request_mark.py)

    @classmethod
    def of(cls, body: dict[str, Any]) -> "Fingerprint":
        text = " ".join(str(i.get("text") or "") for i in body.get("content") or []
                        if isinstance(i, dict) and i.get("type") == "text")
        _, from_text = commands.decode(text)
        merged = {**from_text, **{k: v for k, v in body.items() if v is not None}}
        return cls._made(str(merged.get("model") or ""), merged.get("service_tier") or "default", merged,
                         request_mark.carries_mark(body))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fingerprint":
        """From the journal (`as_dict`); intents written before the tier was kept match any tier."""
        return cls._made(str(data.get("model") or ""), data.get("service_tier"), data, data.get("marked") is True)

    @classmethod
    def _made(cls, model: str, tier: str | None, values: dict[str, Any], marked: bool = False) -> "Fingerprint":
        wanted = {k: values[k] for k in ECHOED if values.get(k) is not None}
        if wanted.get("seed") == -1:
            del wanted["seed"]
        if wanted.get("ratio") == "adaptive":
            del wanted["ratio"]
        if wanted.get("duration") == -1 or "frames" in wanted:
            wanted.pop("duration", None)
        return cls(model, tier, tuple(sorted(wanted.items())), marked and request_mark.FIELD in wanted)

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "service_tier": self.service_tier, **dict(self.echoes),
                **({"marked": True} if self.marked else {})}

    @property
    def endpoint(self) -> str | None:
        """What the list's `filter.model` is given: the name the create was sent with, unless that is
        a Model ID, which the filter does not take (an Endpoint ID, or a gateway's name for a model)."""
        return None if self.model in MODELS else self.model or None

    def matches(self, task: Task, *, seed: bool = True) -> bool:
        """A value the task does not echo cannot rule it out; one it echoes differently does
        (the seed too, unless `seed` is False), and so does another model, where the create named one
        by its Model ID (a task made through an endpoint reports the model behind it)."""
        if self.endpoint is None and task.model and task.model != self.model:
            return False
        return all(getattr(task, name) is None or getattr(task, name) == value for name, value in self.echoes
                   if seed or name != "seed")

    @property
    def seed_may_differ(self) -> bool:
        """A model may use a seed of its own and report that one (ark-api.md §7.1: "seed actually
        used"); a marked request's task is still known by its mark, the seed aside."""
        return self.marked and any(name == "seed" for name, _ in self.echoes)
