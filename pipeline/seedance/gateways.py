"""PURE. Gateway profiles: where the tasks API lives and how it speaks, per kind of service.

Ark itself (ark-api.md §1) and the two resellers' gateways of seeds 003 and 004 take the same
create body but differ in path, answer shapes, status words, model names and whether the batched
list call exists. The client reads with a profile (its status words, and GET per task where
there is no list); the local server writes with one (its paths and answer shapes), so each is
tested over real HTTP. A storyboard's `gateway:` key or ARK_GATEWAY picks the profile; ARK_BASE_URL
names the host (for Ark, the base including /api/v3, as before).

    GATEWAYS            name → Gateway
    named(name)         the profile, or UsageError naming the ones there are
    Gateway.status(w)   a status word as ours ("submitted" → "queued"); unknown words are None
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storyfilm.errors import UsageError

OURS = ("queued", "running", "succeeded", "failed", "cancelled", "expired")

# Words resellers' gateways use besides Ark's. "submitted" is documented (seed 003's create answer);
# the others are inferred from common task APIs and read leniently, never written.
GATEWAY_WORDS = {"submitted": "queued", "pending": "queued", "waiting": "queued", "in_queue": "queued",
                 "processing": "running", "in_progress": "running", "generating": "running",
                 "completed": "succeeded", "success": "succeeded", "succeed": "succeeded",
                 "failure": "failed", "error": "failed", "canceled": "cancelled", "timeout": "expired"}


@dataclass(frozen=True)
class Gateway:
    name: str
    document: str  # where its shape is documented
    prefix: str  # what a base URL ends with, the local server serves the tasks path under it
    tasks_path: str  # under the base URL
    default_base: str | None  # None: ARK_BASE_URL must name the gateway's host
    lists: bool  # offers the batched list call (GET tasks_path?filter.task_ids=...); else GET per task
    create_answer: tuple[str, ...]  # the fields of a create answer, as documented
    queued_word: str = "queued"  # the word its answers use for a queued task
    words: dict[str, str] = field(default_factory=dict)  # its status words → ours (besides ours)
    model_names: dict[str, str] = field(default_factory=dict)  # model table id → the name it takes

    @property
    def path(self) -> str:
        """The tasks path from the host: prefix + tasks_path."""
        return "/" + "/".join(p.strip("/") for p in (self.prefix, self.tasks_path) if p.strip("/"))

    @property
    def service(self) -> str:
        """How messages name the service storyfilm talks to."""
        return "Ark" if self.name == "ark" else f"the gateway {self.name}"

    def status(self, word: object) -> str | None:
        """A status word as ours; None for a word nobody documented (read as still queued)."""
        if not isinstance(word, str):
            return None
        word = word.strip().lower()
        return word if word in OURS else self.words.get(word)

    def writes(self, status: str) -> str:
        """The word this gateway's answers use for our status (the local server writes it)."""
        return self.queued_word if status == "queued" else status

    def model_name(self, model: str) -> str:
        """The model name sent: the gateway's own name for a model table id, else as written."""
        return self.model_names.get(model, model)


ARK = Gateway(
    name="ark", document="ark-api.md §1 (Volcengine Ark v3)", prefix="/api/v3",
    tasks_path="/contents/generations/tasks", default_base="https://ark.cn-beijing.volces.com/api/v3",
    lists=True, create_answer=("id", "safety_identifier"))

VOLC_PROXY = Gateway(
    name="volc-proxy", document="seed 003: POST /volc/v1/contents/generations/tasks", prefix="",
    tasks_path="/volc/v1/contents/generations/tasks", default_base=None,
    lists=False, create_answer=("id", "status"), queued_word="submitted", words=GATEWAY_WORDS)

VIDEOS_GATEWAY = Gateway(
    name="videos-gateway", document="seed 004: POST https://api.3hei.com/v1/videos", prefix="",
    tasks_path="/v1/videos", default_base=None,
    lists=False, create_answer=("id",), words=GATEWAY_WORDS,
    model_names={"doubao-seedance-2-0-260128": "doubao-seedance-2-0",
                 "doubao-seedance-2-0-fast-260128": "doubao-seedance-2-0-fast"})

GATEWAYS: dict[str, Gateway] = {g.name: g for g in (ARK, VOLC_PROXY, VIDEOS_GATEWAY)}


def named(name: str | None, where: str = "ARK_GATEWAY") -> Gateway:
    """The profile called `name` (None: Ark); `where` names the setting in the message."""
    if name is None or name == "":
        return ARK
    try:
        return GATEWAYS[name]
    except KeyError:
        raise UsageError(f"{where}={name!r}: no such gateway profile; there are "
                             f"{', '.join(GATEWAYS)}") from None


def chosen(setting: str | None, storyboard: str | None, story: str = "the storyboard") -> Gateway:
    """The profile a render uses: the storyboard's `gateway:` and ARK_GATEWAY must agree when both
    are given (a storyboard made for one gateway, sent to another, is a mistake caught before spending)."""
    if setting and storyboard and setting != storyboard:
        raise UsageError(f"{story} says gateway: {storyboard}, but ARK_GATEWAY={setting}: unset ARK_GATEWAY "
                         "or change the storyboard's gateway")
    return named(setting or storyboard, "ARK_GATEWAY" if setting else f"{story}: gateway")


def base_url(gateway: Gateway, setting: str | None) -> str:
    """The base URL to send to: ARK_BASE_URL, else the profile's; a gateway has no default host."""
    if setting:
        return setting
    if gateway.default_base is None:
        raise UsageError(f"gateway {gateway.name} has no default host: set ARK_BASE_URL to it "
                         f"(e.g. https://gateway.example.com; requests go to <ARK_BASE_URL>{gateway.tasks_path})")
    return gateway.default_base
