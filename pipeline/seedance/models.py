"""The Seedance model table: the single source of truth for what each model accepts.

`Model` is one row (modes, resolutions and pixel sizes, durations, parameters, reference limits,
account limits, prices); `MODELS` holds them by id, `FAMILIES` names them for endpoint ids
(`ep-...`), `lookup` finds one. The rest is the arithmetic every stage shares: frames of a clip,
tokens of a render, the ratio an image is closest to.

Figures come from ../shared/ark-api.md (§2, §3.2, §5, §10.3, §11.2); where the sources disagree
the most recent official figure is used and the older one is noted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9")
FPS = 24
REFERENCE_MIN_SECONDS = 2  # the shortest reference video or audio (ark-api.md §3.3)
DEFAULT_EXPIRY = 172800  # execution_expires_after when a create does not set it: 48 h (ark-api.md §2)

# Modes (mutually exclusive within one request, ark-api.md §3.2)
TEXT = "text"
FIRST_FRAME = "first_frame"
FIRST_LAST_FRAME = "first_last_frame"
REFERENCE_IMAGES = "reference_images"  # 1.0 lite i2v: 1-4 reference images
MULTIMODAL = "multimodal"  # 2.x: reference images, videos and audio

_SIZES_1_0 = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "3:4": (544, 736), "9:16": (480, 864), "21:9": (960, 416)},
    "720p": {"16:9": (1248, 704), "4:3": (1120, 832), "1:1": (960, 960), "3:4": (832, 1120), "9:16": (704, 1248), "21:9": (1504, 640)},
    "1080p": {"16:9": (1920, 1088), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664), "9:16": (1088, 1920), "21:9": (2176, 928)},
}
_SIZES_1_5 = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "3:4": (560, 752), "9:16": (496, 864), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "3:4": (834, 1112), "9:16": (720, 1280), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664), "9:16": (1080, 1920), "21:9": (2206, 946)},
    "4k": {"16:9": (3840, 2160), "4:3": (3326, 2494), "1:1": (2880, 2880), "3:4": (2494, 3326), "9:16": (2160, 3840), "21:9": (4398, 1886)},
}
_SIZES_2_5 = {
    **_SIZES_1_5,
    "480p": {**_SIZES_1_5["480p"], "16:9": (854, 480), "9:16": (480, 854)},
}

# safety_identifier: every model (ark-api.md §2: DOC-2026-08 lists it with no model restriction)
_PARAMS_1_0 = frozenset({"resolution", "ratio", "duration", "frames", "seed", "camera_fixed", "watermark",
                         "return_last_frame", "service_tier", "execution_expires_after", "callback_url",
                         "safety_identifier"})
_PARAMS_1_5 = (_PARAMS_1_0 - {"frames"}) | {"generate_audio", "draft"}
_PARAMS_2_0 = frozenset({"resolution", "ratio", "duration", "seed", "watermark", "return_last_frame",
                         "execution_expires_after", "callback_url", "generate_audio", "priority", "tools",
                         "safety_identifier"})
_PARAMS_2_5 = (_PARAMS_2_0 - {"seed"}) | {"draft", "output_format", "omni_reference_task_type"}


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    family: str
    modes: frozenset[str]
    resolutions: tuple[str, ...]
    default_resolution: str
    sizes: dict[str, dict[str, tuple[int, int]]] = field(repr=False)
    duration_range: tuple[int, int]
    default_duration: int  # -1: the model chooses
    model_chooses_duration: bool  # -1 accepted
    frames: bool  # the `frames` parameter (25+4n within [29, 289])
    t2v_adaptive: bool  # ratio "adaptive" for text-only tasks
    params: frozenset[str]
    generates_audio: bool
    flex: bool
    max_reference_images: int = 0
    max_reference_videos: int = 0
    max_reference_audio: int = 0
    # seconds each reference video or audio may last (from REFERENCE_MIN_SECONDS), and all of one kind
    # together (ark-api.md §3.3); 0: the model takes none
    reference_seconds: int = 0
    rpm: int = 600
    concurrency: int = 10
    # CNY per 1M tokens (ark-api.md §11.2): {(resolution or "*", "audio"|"silent"|"video_input"|"*"): price}
    prices: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    flex_discount: float = 0.5
    fps: tuple[int, ...] = (FPS,)
    # heic/heif images: "1.5 pro 新增" (DOC-1.5), "2.0 系列及以上" (DOC-2026-08); never 1.0 (ark-api.md §3.3)
    heic: bool = True
    # how parameters travel: "body" fields, or "text" commands appended to the prompt (ark-api.md §4)
    parameter_style: str = "body"
    note: str = ""
    # seconds the service typically takes per second of video (a round figure, for the ETA only: the
    # live table corrects it by how long this run's finished shots really took)
    typical_latency: float = 10.0

    def size(self, resolution: str, ratio: str) -> tuple[int, int]:
        return self.sizes[resolution][ratio]

    def accepts(self, param: str) -> bool:
        return param in self.params

    @property
    def reads_assets(self) -> bool:
        """asset:// URIs (the service's asset library): Seedance 2.0 and 2.5 only (ark-api.md §3.1)."""
        return self.family in ("2.0", "2.5")

    def price_per_million(self, resolution: str, *, audio: bool = False, video_input: bool = False,
                          flex: bool = False) -> float:
        kind = "video_input" if video_input else ("audio" if audio else "silent")
        for key in ((resolution, kind), (resolution, "*"), ("*", kind), ("*", "*")):
            if key in self.prices:
                price = self.prices[key]
                return price * self.flex_discount if flex else price
        raise KeyError(f"no price for {self.id} at {resolution}")


_I2V = frozenset({FIRST_FRAME, FIRST_LAST_FRAME})
_ALL_2X = frozenset({TEXT, FIRST_FRAME, FIRST_LAST_FRAME, MULTIMODAL})

MODELS: dict[str, Model] = {m.id: m for m in [
    Model(id="doubao-seedance-1-0-pro-250528", name="Seedance 1.0 pro", family="1.0",
       modes=frozenset({TEXT}) | _I2V, resolutions=("480p", "720p", "1080p"), default_resolution="1080p",
       sizes=_SIZES_1_0, duration_range=(2, 12), default_duration=5, model_chooses_duration=False, frames=True,
       t2v_adaptive=False, params=_PARAMS_1_0, generates_audio=False, flex=True,
       heic=False, prices={("*", "*"): 15.00}),
    Model(id="doubao-seedance-1-0-pro-fast-251015", name="Seedance 1.0 pro fast", family="1.0",
       modes=frozenset({TEXT, FIRST_FRAME}), resolutions=("480p", "720p", "1080p"), default_resolution="1080p",
       sizes=_SIZES_1_0, duration_range=(2, 12), default_duration=5, model_chooses_duration=False, frames=True,
       t2v_adaptive=False, params=_PARAMS_1_0, generates_audio=False, flex=True,
       heic=False, prices={("*", "*"): 4.20}),
    Model(id="doubao-seedance-1-0-lite-t2v-250428", name="Seedance 1.0 lite t2v", family="1.0",
       modes=frozenset({TEXT}), resolutions=("480p", "720p", "1080p"), default_resolution="720p",
       sizes=_SIZES_1_0, duration_range=(2, 12), default_duration=5, model_chooses_duration=False, frames=True,
       t2v_adaptive=False, params=_PARAMS_1_0, generates_audio=False, flex=True,
       rpm=300, concurrency=5, heic=False, prices={("*", "*"): 10.00}),
    Model(id="doubao-seedance-1-0-lite-i2v-250428", name="Seedance 1.0 lite i2v", family="1.0",
       modes=_I2V | {REFERENCE_IMAGES}, resolutions=("480p", "720p", "1080p"), default_resolution="720p",
       sizes=_SIZES_1_0, duration_range=(2, 12), default_duration=5, model_chooses_duration=False, frames=True,
       t2v_adaptive=False, params=_PARAMS_1_0, generates_audio=False, flex=True,
       max_reference_images=4, rpm=300, concurrency=5, heic=False, prices={("*", "*"): 10.00},
       note="1080p and adaptive ratio are not available in reference-image mode"),
    Model(id="doubao-seedance-1-5-pro-251215", name="Seedance 1.5 pro", family="1.5",
       modes=frozenset({TEXT}) | _I2V, resolutions=("480p", "720p", "1080p"), default_resolution="720p",
       sizes=_SIZES_1_5, duration_range=(4, 12), default_duration=5, model_chooses_duration=True, frames=False,
       t2v_adaptive=True, params=_PARAMS_1_5, generates_audio=True, flex=True,
       prices={("*", "audio"): 16.00, ("*", "silent"): 8.00},
       note="generate_audio defaults to true (DOC-1.5); a reseller copy says false"),
    Model(id="doubao-seedance-2-0-260128", name="Seedance 2.0", family="2.0",
       modes=_ALL_2X, resolutions=("480p", "720p", "1080p", "4k"), default_resolution="720p",
       sizes=_SIZES_1_5, duration_range=(4, 15), default_duration=5, model_chooses_duration=True, frames=False,
       t2v_adaptive=True, params=_PARAMS_2_0, generates_audio=True, flex=False,
       max_reference_images=9, max_reference_videos=3, max_reference_audio=3, reference_seconds=15,
       prices={("480p", "*"): 46.00, ("720p", "*"): 46.00, ("480p", "video_input"): 28.00,
               ("720p", "video_input"): 28.00, ("1080p", "*"): 51.00, ("1080p", "video_input"): 31.00,
               ("4k", "*"): 26.00, ("4k", "video_input"): 16.00},
       note="480p/720p (Feb 2026), +1080p (Apr 2026), +4k (Aug 2026); seed support conflicting (§12.6)"),
    Model(id="doubao-seedance-2-0-fast-260128", name="Seedance 2.0 fast", family="2.0",
       modes=_ALL_2X, resolutions=("480p", "720p"), default_resolution="720p",
       sizes=_SIZES_1_5, duration_range=(4, 15), default_duration=5, model_chooses_duration=True, frames=False,
       t2v_adaptive=True, params=_PARAMS_2_0, generates_audio=True, flex=False,
       max_reference_images=9, max_reference_videos=3, max_reference_audio=3, reference_seconds=15,
       prices={("*", "*"): 37.00, ("*", "video_input"): 22.00}),
    Model(id="doubao-seedance-2-0-mini-260615", name="Seedance 2.0 mini", family="2.0",
       modes=_ALL_2X, resolutions=("480p", "720p"), default_resolution="720p",
       sizes=_SIZES_1_5, duration_range=(4, 15), default_duration=5, model_chooses_duration=True, frames=False,
       t2v_adaptive=True, params=_PARAMS_2_0, generates_audio=True, flex=False,
       max_reference_images=9, max_reference_videos=3, max_reference_audio=3, reference_seconds=15,
       prices={("*", "*"): 23.00, ("*", "video_input"): 14.00}),
    Model(id="doubao-seedance-2-5-260628", name="Seedance 2.5", family="2.5",
       modes=_ALL_2X, resolutions=("480p", "720p", "1080p"), default_resolution="720p",
       sizes=_SIZES_2_5, duration_range=(4, 30), default_duration=-1, model_chooses_duration=True, frames=False,
       t2v_adaptive=True, params=_PARAMS_2_5, generates_audio=True, flex=False,
       max_reference_images=30, max_reference_videos=10, max_reference_audio=10, reference_seconds=30,
       prices={("480p", "*"): 70.00, ("720p", "*"): 70.00, ("480p", "video_input"): 42.00,
               ("720p", "video_input"): 42.00, ("1080p", "*"): 77.00, ("1080p", "video_input"): 46.00},
       note="first-frame and first+last-frame tasks take only ratio adaptive"),
]}

FAMILIES = {"1.0-pro": "doubao-seedance-1-0-pro-250528", "1.0-pro-fast": "doubao-seedance-1-0-pro-fast-251015",
            "1.0-lite-t2v": "doubao-seedance-1-0-lite-t2v-250428", "1.0-lite-i2v": "doubao-seedance-1-0-lite-i2v-250428",
            "1.5-pro": "doubao-seedance-1-5-pro-251215", "2.0": "doubao-seedance-2-0-260128",
            "2.0-fast": "doubao-seedance-2-0-fast-260128", "2.0-mini": "doubao-seedance-2-0-mini-260615",
            "2.5": "doubao-seedance-2-5-260628"}

# names gateways give the models (seed 004): resolved to their row, sent as written
GATEWAY_NAMES = {"doubao-seedance-2-0": "doubao-seedance-2-0-260128",
                 "doubao-seedance-2-0-fast": "doubao-seedance-2-0-fast-260128"}


def lookup(model_id: str, family: str | None = None) -> Model | None:
    """The table entry for a model id, a gateway's name for one, or an endpoint id (`ep-...`) with
    its family named."""
    if model_id in MODELS:
        return MODELS[model_id]
    if model_id in GATEWAY_NAMES:
        return MODELS[GATEWAY_NAMES[model_id]]
    if model_id.startswith("ep-") and family in FAMILIES:
        return MODELS[FAMILIES[family]]
    return None


def frames_for(duration: int) -> int:
    """A clip of d seconds has 24·d + 1 frames (ark-api.md, storyfilm's decisions)."""
    return FPS * duration + 1


def valid_frames(frames: int) -> bool:
    return 29 <= frames <= 289 and (frames - 25) % 4 == 0


def tokens(width: int, height: int, frames: int) -> int:
    return width * height * frames // 1024


def adaptive_ratio(model: Model, resolution: str, videos: list[tuple[int, int]],
                   images: list[tuple[int, int]]) -> str:
    """What `ratio: adaptive` resolves to (ark-api.md §5.4), from the (width, height) of the task's
    reference videos and of its images (first frame first): the first video leads, else the first
    image; with neither, 16:9. A video of unknown shape (0, 0: a URL nobody fetched) is taken as the
    ratio with the largest frame at `resolution`, the most it may cost."""
    if videos:
        width, height = videos[0]
        if width and height:
            return closest_ratio(width, height)
        return max(RATIOS, key=lambda r: math.prod(model.size(resolution, r)))
    if images and images[0][0] and images[0][1]:
        return closest_ratio(*images[0])
    return "16:9"


def closest_ratio(width: int, height: int) -> str:
    """The enum ratio nearest an image's shape (what `adaptive` resolves to)."""
    return min(RATIOS, key=lambda r: abs(math.log(width / height) - math.log(_ratio_value(r))))


def _ratio_value(ratio: str) -> float:
    a, b = ratio.split(":")
    return int(a) / int(b)
