"""Create-request validation, as the service does it (ark-api.md §2, §3, §4, §5).

Body fields are strongly validated (a bad value is a 400 naming the parameter); text commands in
the prompt weakly (a bad value is dropped); an explicit `null` means "not given". The result is
a resolved `TaskSpec`: every default applied, `adaptive` resolved, the media fetched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Collection
from typing import Any, Callable

from storyfilm.errors import Refusal
from storyfilm.localark.answers import invalid, missing
from storyfilm.localark import reference_audio
from storyfilm.localark.fetch import Image, fetch_image
from storyfilm.localark.params import check_params
from storyfilm.seedance import commands, models

ITEM_TYPES = ("text", "image_url", "video_url", "audio_url", "draft_task")
IMAGE_ROLES = (None, "first_frame", "last_frame", "reference_image")


@dataclass(frozen=True)
class TaskSpec:
    model: models.Model
    prompt: str
    mode: str
    resolution: str
    ratio: str
    width: int
    height: int
    frames: int
    frames_given: bool
    seed: int
    camera_fixed: bool
    watermark: bool
    return_last_frame: bool
    service_tier: str
    execution_expires_after: int
    generate_audio: bool | None  # None: the model makes no audio
    draft: bool | None  # None: the model has no draft mode
    priority: int
    callback_url: str | None
    safety_identifier: str | None
    output_format: str
    first_frame: Image | None = field(default=None, repr=False)
    last_frame: Image | None = field(default=None, repr=False)
    reference_images: tuple[Image, ...] = field(default=(), repr=False)
    reference_audio: bytes | None = field(default=None, repr=False)
    reference_videos: int = 0  # counted and checked, not rendered
    draft_task_id: str | None = None  # the draft this final task was made from
    endpoint: str | None = None  # the Endpoint ID (`ep-...`) the task was created through

    @property
    def duration(self) -> int:
        """What the task reports: floor(frames / 24) (ark-api.md §5.2)."""
        return self.frames // models.FPS

    @property
    def audio(self) -> bool:
        return bool(self.generate_audio)


Drafts = Callable[[str], "TaskSpec | None"]  # a succeeded draft task's spec by id, else None


async def parse(body: Any, drafts: Drafts = lambda _: None, endpoints: dict[str, str] | None = None, *,
                allow_local: bool = False, refuse_seed: Collection[str] = ()) -> TaskSpec:
    """The resolved task a create body asks for; `endpoints` maps Endpoint IDs to model IDs;
    `allow_local`: fetch media from private, loopback and link-local addresses too; `refuse_seed`:
    the model families that answer a seed with 400 (the documents disagree on 2.0, ark-api.md §12.6)."""
    if not isinstance(body, dict):
        raise invalid("body", "the request body must be a JSON object")
    endpoints = endpoints or {}
    model = _model(body.get("model"), endpoints)
    content = body.get("content")
    if content is None:
        raise missing("content")
    if not isinstance(content, list) or not content:
        raise invalid("content", "must be a non-empty array of content items")
    endpoint = body["model"] if body["model"] != model.id else None  # an ep- id or a gateway name
    if model.family in refuse_seed and body.get("seed") is not None:
        raise invalid("seed", f"{model.id} does not support the parameter seed")
    if any(isinstance(i, dict) and i.get("type") == "draft_task" for i in content):
        return dataclasses.replace(_from_draft(model, body, content, drafts), endpoint=endpoint)
    texts, imgs, videos, audios = _items(content)
    if not model.reads_assets and any(_url(item).startswith("asset://") for item in (*imgs, *videos, *audios)):
        raise invalid("content", f"asset:// URIs are read by Seedance 2.0 and 2.5 only, not {model.id}")
    prompt, from_text = commands.decode(" ".join(texts))
    mode = _mode(model, imgs, videos, audios)
    if mode == models.TEXT and not prompt:
        raise invalid("content", "a text-to-video task needs a text prompt")
    params = check_params(model, mode, body, from_text, len(videos))
    first, last, refs = await _images(imgs, content, allow_local)
    if not model.heic and any(i is not None and i.format == "heic" for i in (first, last, *refs)):
        raise Refusal(400, "InvalidImageURL.InvalidFormat", f"The image is not valid: {model.id} does not read "
                      "heic or heif images (Seedance 1.5 pro and 2.x do).", "content")
    audio = await reference_audio.fetched(model, [(a["audio_url"].get("url"), f"{_place(a, content)}.audio_url.url")
                                                  for a in audios], allow_local)
    ratio, (width, height) = _shape(model, {**params, "ratio": params["ratio"] or _default_ratio(mode)}, first, refs,
                                    len(videos))
    return TaskSpec(model=model, prompt=prompt, mode=mode, **{**params, "ratio": ratio}, width=width, height=height,
                    first_frame=first, last_frame=last, reference_images=refs, reference_audio=audio,
                    reference_videos=len(videos), endpoint=endpoint)


def _model(model_id: Any, endpoints: dict[str, str]) -> models.Model:
    if model_id is None:
        raise missing("model")
    model = models.lookup(endpoints.get(model_id, model_id)) if isinstance(model_id, str) else None
    if model is None:
        raise Refusal(404, "InvalidEndpointOrModel.NotFound",
                      f"The model or endpoint {model_id} does not exist or you do not have access to it.", "model")
    return model


def _url(item: dict) -> str:
    """The URL a media item names ("" when it names none)."""
    media = item.get(item.get("type"))
    url = media.get("url") if isinstance(media, dict) else None
    return url if isinstance(url, str) else ""


def _place(item: dict, content: list[Any]) -> str:
    return f"content[{next(n for n, c in enumerate(content) if c is item)}]"


async def _images(items: list[dict], content: list[Any],
                  allow_local: bool) -> tuple[Image | None, Image | None, tuple[Image, ...]]:
    """The fetched images by role: first frame, last frame, references (in content order)."""
    first = last = None
    refs: list[Image] = []
    for item in items:
        image = await fetch_image((item.get("image_url") or {}).get("url"),
                                  where=f"{_place(item, content)}.image_url.url", allow_local=allow_local)
        role = item.get("role")
        if role in (None, "first_frame"):
            first = image
        elif role == "last_frame":
            last = image
        else:
            refs.append(image)
    return first, last, tuple(refs)


def _shape(model: models.Model, params: dict[str, Any], first: Image | None, refs: tuple[Image, ...],
           videos: int) -> tuple[str, tuple[int, int]]:
    """The task's ratio (`adaptive` resolved from the first reference video, else the first image)
    and its frame size. A video URL is never fetched here: its shape is unknown."""
    resolution, ratio = params["resolution"], params["ratio"]
    if model.family == "2.5" and first is not None and ratio not in (None, "adaptive"):
        raise Refusal(400, "InvalidParameter.TaskTypeConstraint",
                      "The parameter ratio specified in the request is not valid. For first-frame or "
                      "first-last-frame generation, the output ratio follows the first-frame image.", "ratio")
    if ratio in (None, "adaptive"):
        images = [(i.width, i.height) for i in ((first,) if first else refs)]
        ratio = models.adaptive_ratio(model, resolution, [(0, 0)] * videos, images)
    return ratio, model.size(resolution, ratio)


def _default_ratio(mode: str) -> str | None:
    """The ratio a task without one gets (ark-api.md §2): 16:9 for 1.0 lite's reference images; else
    None, resolved by `_shape` (adaptive: the first reference video, else the first image; 16:9 for text)."""
    return "16:9" if mode == models.REFERENCE_IMAGES else None


REUSED_FROM_DRAFT = ("seed", "ratio", "duration", "frames", "camera_fixed", "generate_audio")


def _from_draft(model: models.Model, body: dict[str, Any], content: list[Any], drafts: Drafts) -> TaskSpec:
    """A final video from a draft (ark-api.md §3.2): prompt, images, seed, ratio, duration,
    camera_fixed and generate_audio come from the draft; the other parameters from this body."""
    if not model.accepts("draft"):
        raise invalid("content", f"{model.id} has no draft mode")
    if len(content) != 1:
        raise invalid("content", "a draft_task item must be the only content item")
    ref = content[0].get("draft_task")
    draft_id = ref.get("id") if isinstance(ref, dict) else None
    draft = drafts(draft_id) if isinstance(draft_id, str) else None
    if draft is None or not draft.draft:
        raise invalid("content", f"draft_task {draft_id} is not a succeeded draft task")
    if draft.model.id != model.id:
        raise invalid("model", f"the draft was made with {draft.model.id}")
    rest = {k: v for k, v in body.items() if k not in REUSED_FROM_DRAFT and k != "draft"}
    params = check_params(model, draft.mode, rest, {})
    if params["resolution"] == "480p" and "resolution" not in rest:
        params["resolution"] = model.default_resolution
    width, height = model.size(params["resolution"], draft.ratio)
    keep = {k: params[k] for k in ("resolution", "watermark", "return_last_frame", "service_tier", "priority",
                                   "execution_expires_after", "callback_url", "safety_identifier", "output_format")}
    return dataclasses.replace(draft, **keep, width=width, height=height, draft=False, draft_task_id=draft_id)


def _items(content: list[Any]) -> tuple[list[str], list[dict], list[dict], list[dict]]:
    texts: list[str] = []
    imgs: list[dict] = []
    videos: list[dict] = []
    audios: list[dict] = []
    for n, item in enumerate(content):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ITEM_TYPES:
            raise invalid("content", f"content[{n}].type must be one of {', '.join(ITEM_TYPES)}")
        if kind == "text":
            if not isinstance(item.get("text") or "", str):
                raise invalid("content", f"content[{n}].text must be a string")
            texts.append(item.get("text") or "")
        elif kind == "image_url":
            if item.get("role") not in IMAGE_ROLES:
                raise invalid("content", f"content[{n}].role {item.get('role')!r} is not an image role")
            if not isinstance(item.get("image_url"), dict):
                raise missing("content.image_url")
            imgs.append(item)
        elif kind == "video_url":
            url = (item.get("video_url") or {}).get("url") if isinstance(item.get("video_url"), dict) else None
            if item.get("role") != "reference_video" or not isinstance(url, str):
                raise invalid("content", f"content[{n}] video needs role reference_video and a video_url")
            if not url.startswith(("http://", "https://", "asset://")):  # a URL or an asset (ark-api.md §3.1)
                raise invalid("content", "reference_video must be provided as a web url")
            videos.append(item)
        elif kind == "audio_url":
            if item.get("role") != "reference_audio" or not isinstance(item.get("audio_url"), dict):
                raise invalid("content", f"content[{n}] audio needs role reference_audio and an audio_url")
            audios.append(item)
        else:
            raise invalid("content", "a draft_task item must be the only content item")
    if len(texts) > 1:
        raise invalid("content", "at most one text item is allowed")
    return texts, imgs, videos, audios


def _mode(model: models.Model, imgs: list[dict], videos: list[dict], audios: list[dict]) -> str:
    roles = [i.get("role") for i in imgs]
    references = [r for r in roles if r == "reference_image"]
    frames = [r for r in roles if r != "reference_image"]
    if frames and (references or videos or audios):
        raise invalid("content", "first frame, first-last frame and reference modes are mutually exclusive")
    if len(frames) == 2:
        if None in frames:
            raise invalid("content", "role must be specified for image contents")
        if sorted(frames) != ["first_frame", "last_frame"]:
            raise invalid("content", "first-last frame mode needs one first_frame and one last_frame image")
        mode = models.FIRST_LAST_FRAME
    elif len(frames) > 2:
        raise invalid("content", "at most two frame images (first_frame, last_frame) are allowed")
    elif frames:
        if frames[0] == "last_frame":
            raise invalid("content", "a last_frame image needs a first_frame image")
        mode = models.FIRST_FRAME
    elif references or audios or videos:
        mode = models.REFERENCE_IMAGES if models.REFERENCE_IMAGES in model.modes else models.MULTIMODAL
        if mode == models.REFERENCE_IMAGES and (audios or videos):
            raise invalid("content", f"{model.id} takes reference images only")
    else:
        mode = models.TEXT
    if mode not in model.modes:
        raise invalid("content", f"{model.id} does not support {mode.replace('_', ' ')} tasks")
    if mode == models.REFERENCE_IMAGES and not 1 <= len(references) <= model.max_reference_images:
        raise invalid("content", f"reference-image mode takes 1 to {model.max_reference_images} images")
    if mode == models.MULTIMODAL:
        if len(references) > model.max_reference_images:
            raise invalid("content", f"at most {model.max_reference_images} reference images")
        if len(audios) > model.max_reference_audio:
            raise invalid("content", f"at most {model.max_reference_audio} reference audio items")
        if len(videos) > model.max_reference_videos:
            raise invalid("content", f"at most {model.max_reference_videos} reference videos")
        if not references and not videos and model.family == "2.0":
            raise invalid("content", "reference audio needs at least one reference image or video")
    return mode


def deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests more than `limit` arrays and objects deep (without recursion)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [v for item in level for v in (item.values() if isinstance(item, dict) else
                                                item if isinstance(item, list) else ())]
        if not level:
            return False
    return any(isinstance(item, (dict, list)) for item in level)
