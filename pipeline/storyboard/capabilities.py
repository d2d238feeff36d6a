"""What a shot asks of its model, checked against the model table before anything is spent.

`check(shot)` returns every fault as (YAML path, message); the path points at the field to edit
(the shot's own or the `defaults` entry it inherited). Rules from ark-api.md §2, §3 and §5.
"""

from __future__ import annotations

from collections.abc import Iterator
from storyfilm.seedance import media, models
from storyfilm.storyboard.model import Shot

Fault = tuple[tuple[str | int, ...], str]
ASSET_FAMILIES = ("2.0", "2.5")  # asset:// URIs (ark-api.md §3)


def check(shot: Shot, *, media_lost: bool = False) -> list[Fault]:
    """Every fault; `media_lost`: media written for the shot were unusable (and told), so what mode
    the shot is in is not known and is not judged."""
    mode = [] if media_lost else list(_mode(shot))
    return list(_prompt(shot)) + mode + list(_references(shot)) + list(_params(shot)) \
        + list(_images(shot)) + list(_lengths(shot))


def _prompt(shot: Shot) -> Iterator[Fault]:
    if not shot.prompt.strip():
        yield shot.where["shot"] + ("prompt",), f"shot {shot.id!r} has an empty prompt"


def _mode(shot: Shot) -> Iterator[Fault]:
    model, at, mode = shot.model, shot.where["shot"], shot.mode
    if shot.last_frame is not None and shot.first_frame is None and shot.continues_from is None:
        yield at + ("last_frame",), "`last_frame` needs a first frame: give `first_frame`, or continue from a shot"
    if mode in model.modes:
        return
    name = model.name
    if mode == models.TEXT:
        yield at, (f"{name} needs an image to start from: give shot {shot.id!r} a `first_frame` or `references`, "
                   f"or choose a text-to-video model")
    elif mode == models.FIRST_FRAME and shot.first_frame is None:
        source = shot.continues_from
        yield at, (f"shot {shot.id!r} continues from {source!r}, but {name} cannot take a first frame; "
                   f"add `cut: true` or choose an image-to-video model")
    elif mode == models.FIRST_FRAME:
        yield at + ("first_frame",), f"{name} cannot start from an image; remove `first_frame` or choose an " \
                                     f"image-to-video model"
    elif mode == models.FIRST_LAST_FRAME:
        yield at + ("last_frame",), f"{name} cannot end on a given last frame; remove `last_frame` or choose " \
                                    f"a model with first+last-frame mode (1.0 pro, 1.0 lite i2v, 1.5 pro, 2.x)"
    else:
        yield at + ("references",), f"{name} takes no references; use Seedance 1.0 lite i2v (1–4 images) or a " \
                                    f"2.x model (images, video and audio)"


def _references(shot: Shot) -> Iterator[Fault]:
    if not shot.references or shot.mode not in shot.model.modes:
        return
    model, at = shot.model, shot.where["shot"] + ("references",)
    if shot.first_frame is not None or shot.last_frame is not None:
        yield at, ("the service does not mix reference mode with `first_frame`/`last_frame` in one shot; "
                   "split it into two shots, or drop the frames")
    counts = {kind: sum(1 for m in shot.references if m.kind == kind) for kind in (media.IMAGE, media.VIDEO, media.AUDIO)}
    limits = {media.IMAGE: model.max_reference_images, media.VIDEO: model.max_reference_videos,
              media.AUDIO: model.max_reference_audio}
    for kind, count in counts.items():
        if count > limits[kind]:
            takes = f"at most {limits[kind]} reference {kind}s" if limits[kind] else f"no reference {kind}"
            yield at, f"{model.name} takes {takes}; shot {shot.id!r} has {count}"
    if shot.mode == models.REFERENCE_IMAGES:
        if shot.resolution == "1080p":
            yield shot.where["resolution"], f"{model.name} renders reference-image shots at 480p or 720p, not 1080p"
        if shot.ratio == "adaptive":
            yield shot.where["ratio"], f"{model.name} cannot choose the ratio in reference-image mode; set `ratio`"
        if shot.camera_fixed is not None:
            yield shot.where["camera_fixed"], "`camera_fixed` is not available in reference-image mode"
    elif model.family != "2.5" and counts[media.IMAGE] + counts[media.VIDEO] == 0:
        yield at, f"{model.name} needs at least one reference image or video beside reference audio"
    for index, item in enumerate(shot.references):
        if item.kind == media.VIDEO and item.url is None:
            yield at + (index,), (f"reference video {item.source} must be an https URL: the service takes no "
                                  f"uploaded video (ark-api.md §3.1)")
        if item.kind == media.AUDIO and item.path is not None and item.path.suffix.lower() not in media.SERVICE_AUDIO:
            yield at + (index,), f"reference audio {item.source} must be wav or mp3"


def _lengths(shot: Shot) -> Iterator[Fault]:
    """The decoded length and the size of reference audio (§3.3). A reference video is a URL,
    never fetched before the request: its length is the service's to check."""
    most, least = shot.model.reference_seconds, models.REFERENCE_MIN_SECONDS
    if not most or shot.mode not in shot.model.modes:
        return
    at = shot.where["shot"] + ("references",)
    items = [(i, m) for i, m in enumerate(shot.references) if m.kind == media.AUDIO and m.seconds]
    for index, item in items:
        if not least <= item.seconds <= most:
            yield at + (index,), f"reference audio {item.source} lasts {item.seconds:g} s; {shot.model.name} " \
                                 f"takes {least}–{most} s"
        if item.size > media.AUDIO_MAX_BYTES:
            yield at + (index,), f"reference audio {item.source} is {item.size / media.MB:.1f} MB; the service " \
                                 f"takes audio up to {media.AUDIO_MAX_BYTES // media.MB} MB"
    total = sum(m.seconds for _, m in items)
    if len(items) > 1 and total > most:
        yield at, f"the reference audio of shot {shot.id!r} lasts {total:g} s in all; {shot.model.name} takes " \
                  f"at most {most} s"


def _params(shot: Shot) -> Iterator[Fault]:
    model, where = shot.model, shot.where
    name = model.name
    if shot.resolution not in model.resolutions:
        yield where["resolution"], f"{name} renders {', '.join(model.resolutions)}, not {shot.resolution}"
    if shot.ratio == "adaptive" and shot.mode == models.TEXT and not model.t2v_adaptive:
        yield where["ratio"], f"{name} cannot choose the ratio of a text-only shot; set `ratio` (16:9, 4:3, ...)"
    if model.family == "2.5" and shot.mode in (models.FIRST_FRAME, models.FIRST_LAST_FRAME) and shot.ratio != "adaptive":
        yield where["ratio"], f"{name} keeps the first frame's ratio: set `ratio: adaptive` for shot {shot.id!r}"
    if shot.frames is not None:
        if not model.frames:
            yield where["frames"], f"{name} takes no `frames` (only Seedance 1.0 does); use `duration`"
        elif not models.valid_frames(shot.frames):
            yield where["frames"], f"`frames` must be 25 + 4n within 29–289 (got {shot.frames}; nearest " \
                                   f"{_nearest_frames(shot.frames)})"
    else:
        low, high = model.duration_range
        if not (low <= shot.duration <= high or (shot.duration == -1 and model.model_chooses_duration)):
            choose = " or -1 (the model chooses)" if model.model_chooses_duration else ""
            yield where["duration"], f"{name} renders {low}–{high} s{choose}, not {shot.duration}"
    if shot.fps not in model.fps:
        yield where["fps"], f"{name} renders {', '.join(map(str, model.fps))} fps, not {shot.fps}"
    if shot.seed is not None and not model.accepts("seed"):
        yield where["seed"], f"{name} takes no seed (ark-api.md §12.6); remove `seed`"
    if shot.camera_fixed is not None and not model.accepts("camera_fixed"):
        yield where["camera_fixed"], f"{name} takes no `camera_fixed`; say it in the prompt instead"
    if shot.generate_audio and not model.generates_audio:
        yield where["generate_audio"], f"{name} renders silent video; remove `generate_audio` or choose 1.5 or 2.x"
    if shot.callback_url is not None:
        problem = media.url_problem("https://" + shot.callback_url.split("://", 1)[1])
        if problem is not None:
            yield where["callback_url"], f"callback_url {shot.callback_url} {problem}"
    if shot.service_tier == "flex" and not model.flex:
        yield where["service_tier"], f"{name} has no flex tier (only Seedance 1.0 and 1.5 do)"


def _images(shot: Shot) -> Iterator[Fault]:
    at = shot.where["shot"]
    items = [("first_frame", shot.first_frame), ("last_frame", shot.last_frame)]
    items += [(("references", i), m) for i, m in enumerate(shot.references)]
    total = len(shot.prompt.encode())
    for field, item in items:
        if item is None:
            continue
        if (item.url or "").startswith("asset://") and shot.model.family not in ASSET_FAMILIES:
            path = at + (field if isinstance(field, tuple) else (field,))
            yield path, f"{shot.model.name} takes no asset:// media (only Seedance 2.0 and 2.5 read the " \
                        f"asset library); use a file or an https URL"
        total += item.request_bytes
        if item.kind == media.IMAGE and item.path is not None and item.width == 0 and shot.model.family == "1.0":
            path = at + (field if isinstance(field, tuple) else (field,))
            yield path, f"{shot.model.name} does not read HEIC images; convert {item.source} to jpeg or png"
    if total > media.REQUEST_MAX_BYTES:
        yield at, (f"shot {shot.id!r} would send {total / media.MB:.0f} MB of media; a request may carry at most "
                   f"{media.REQUEST_MAX_BYTES // media.MB} MB: use https URLs or smaller files")


def _nearest_frames(frames: int) -> int:
    return min(range(29, 290, 4), key=lambda f: abs(f - frames))
