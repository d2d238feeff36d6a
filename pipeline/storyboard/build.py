"""YAML storyboard → validated `Storyboard`. Every fault names FILE:LINE:COL and what is wrong.

Three passes: YAML syntax and duplicate keys (`yaml_source`), the JSON Schema (`schema`), then
meaning (`_Builder`, with `continuity` for how shots follow each other): defaults, trims, media and what the chosen model can do
(`capabilities`). All problems come in one report: the meaning pass reads what the schema faults
leave readable (`salvage`), and a fault in `defaults:` is told once, at its line. Pure: no file, no network; the media a
storyboard names reach it through the `resolve` function its caller passes in.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable

from storyfilm.errors import MediaProblem, Problem, StoryboardError, YamlSyntaxError
from storyfilm.seedance import commands, models
from storyfilm.seedance.media import Media
from storyfilm.storyboard import capabilities, continuity, salvage, schema, yaml_source
from storyfilm.storyboard.model import (Assembly, Shot, Soundtrack, Storyboard, Transition, Trim, YamlPath,
                                        pinned_seed)

DEFAULT_MODEL = "doubao-seedance-1-0-pro-250528"
DEFAULT_FADE = 0.5
PARAMS = ("model", "model_family", "resolution", "ratio", "duration", "frames", "fps", "seed", "watermark",
          "camera_fixed", "generate_audio", "service_tier", "execution_expires_after", "callback_url")

# a text command's body field → the storyboard key it sets
COMMAND_KEYS = {"framespersecond": "fps"}

Resolver = Callable[[str, Path], Media]  # (source as written, the storyboard's folder) → Media, or MediaProblem


def parse(text: str, path: Path, resolve: Resolver) -> Storyboard:
    """A storyboard's text → validated Storyboard, or StoryboardError with every fault. Pure: the
    media it names are resolved by `resolve`, which the caller supplies (see mediaio.inputs)."""
    shown = str(path)
    try:
        data, pos = yaml_source.load(text)
    except YamlSyntaxError as exc:
        raise StoryboardError([Problem(shown, exc.line, exc.col, exc.message)]) from None

    problems = [Problem(shown, *where, f"duplicate key `{p[-1]}`") for p, where in pos.duplicates]
    if not isinstance(data, dict):
        problems.append(Problem(shown, 1, 1, "a storyboard is a mapping with `title` and `shots`"))
        raise StoryboardError(problems)
    faults = schema.problems(data, pos)
    problems += [Problem(shown, *f.where, f.message) for f in faults]
    salvaged = [f.path for f in faults]
    builder = _Builder(path, salvage.salvage(data, salvaged), pos, resolve, salvaged)
    board = builder.build()
    problems += builder.problems
    if problems:
        raise StoryboardError(problems)
    return board


class _Builder:
    """The meaning pass: resolves defaults, media and continuity, and collects every fault."""

    def __init__(self, path: Path, data: dict[str, Any], pos: yaml_source.Positions, resolve: Resolver,
                 salvaged: list[YamlPath] = ()):
        self.path, self.data, self.pos, self.resolve = path, data, pos, resolve
        self.salvaged = list(salvaged)  # paths the schema found at fault: what is inside them is told
        self.told: set[YamlPath] = set()  # the `defaults:` entries at fault, told once however many shots
        self.problems: list[Problem] = []
        self.defaults: dict[str, Any] = data.get("defaults", {})
        self.assets: dict[str, Media | None] = {}
        self.media_lost: set[YamlPath] = set()  # shots whose media were written but are unusable (told already)
        self.warnings: list[Problem] = []

    def fault(self, where: YamlPath, message: str, *, key: bool = False) -> None:
        where = tuple(where)
        if any(where[:len(p)] == p for p in self.salvaged):
            return
        if where[:1] == ("defaults",):
            if where in self.told:
                return
            self.told.add(where)
        message = self.pos.hinted(where, message)
        self.problems.append(Problem(str(self.path), *self.pos.of(where, key=key), message))

    def build(self) -> Storyboard:
        data = self.data
        for name, source in data.get("assets", {}).items():
            readable = source is not salvage.UNREADABLE and ("assets", name) not in self.salvaged
            self.assets[name] = self.media(source, ("assets", name), name_is_asset=False) if readable else None
        shots: list[Shot] = []
        index_of: dict[str, int] = {}
        for index, raw in enumerate(data["shots"]):
            if raw["id"] in index_of:
                self.fault(("shots", index, "id"),
                           f"duplicate shot id {raw['id']!r} (first used by shot {index_of[raw['id']] + 1})")
            index_of.setdefault(raw["id"], index)
        for index, raw in enumerate(data["shots"]):
            shot = self.shot(index, raw, shots, index_of)
            if shot is not None:
                shots.append(shot)
                lost = ("shots", index) in self.media_lost or any(
                    p[:3] in {("shots", index, k) for k in ("first_frame", "last_frame", "references")}
                    for p in self.salvaged)
                for where, message in capabilities.check(shot, media_lost=lost):
                    self.fault(where, message)
        assembly = Assembly(**data.get("assembly", {}))
        continuity.check_edit(shots, self.fault, seamless_joins=assembly.seamless_joins)
        soundtrack = self.soundtrack(data["soundtrack"]) if "soundtrack" in data else None
        output = Path(data["output"]) if "output" in data else None
        return Storyboard(path=self.path, title=data["title"], shots=tuple(shots), output=output,
                          soundtrack=soundtrack, assembly=assembly, warnings=tuple(self.warnings),
                          gateway=data.get("gateway"))

    def soundtrack(self, music: dict[str, Any]) -> Soundtrack | None:
        media = self.media(music["file"], ("soundtrack", "file"))
        if media is None:
            return None
        if media.kind != "audio":
            self.fault(("soundtrack", "file"), f"the soundtrack must be audio, not {media.kind}")
            return None
        if media.path is None:
            self.fault(("soundtrack", "file"), "the soundtrack must be a file beside the storyboard, not a URL")
            return None
        return Soundtrack(media.path, music.get("volume_db", 0.0), music.get("fade_in", 0.0),
                          music.get("fade_out", 0.0), music.get("loop", True), media.sha256)

    def media(self, source: str, where: YamlPath, *, name_is_asset: bool = True) -> Media | None:
        """Media by asset name, path or URL; None (with the fault reported once) when unusable."""
        if name_is_asset and source in self.assets:
            if self.assets[source] is None:
                self.media_lost.add(where[:2])
            return self.assets[source]
        if name_is_asset and where[0] == "shots" and _looks_like_a_name(source):
            if ("assets",) in self.salvaged:  # `assets:` itself is at fault (told): its names are unknown
                self.media_lost.add(where[:2])
                return None
            known = ", ".join(sorted(self.assets)) or "none"
            self.fault(where, f"{_label(where)}: no asset named {source!r} (assets: {known}), and no such file")
            self.media_lost.add(where[:2])
            return None
        try:
            return self.resolve(source, self.path.parent)
        except MediaProblem as exc:
            self.fault(where, f"{_label(where)}: {exc.message}")
            self.media_lost.add(where[:2])
            return None

    def shot(self, index: int, raw: dict[str, Any], earlier: list[Shot], index_of: dict[str, int]) -> Shot | None:
        at: YamlPath = ("shots", index)
        raw, from_prompt = self.prompt_commands(at, raw)
        fields = _Fields(raw, self.defaults, at, from_prompt)
        named = self.model(fields)
        if named is None:
            return None
        model_id, model = named
        first, last, refs = self.shot_media(at, raw)
        continues = continuity.source(index, raw, earlier, index_of, self.fault)
        self.check_frames_are_images(at, first, last)
        duration, frames = self.length(at, raw, fields, model)
        seed = self.seed(raw, fields, model)
        trim = raw.get("trim", {})
        return Shot(
            id=raw["id"], prompt=self.prompt(raw), model=model, model_id=model_id,
            resolution=fields.get("resolution", model.default_resolution),
            ratio=fields.get("ratio", "adaptive" if model.t2v_adaptive or first or continues else "16:9"),
            duration=duration, frames=frames, fps=fields.get("fps", models.FPS), seed=seed,
            watermark=fields.get("watermark", False), camera_fixed=fields.get("camera_fixed"),
            generate_audio=fields.get("generate_audio", True if model.generates_audio else None),
            service_tier=fields.get("service_tier"), execution_expires_after=fields.get("execution_expires_after"),
            callback_url=fields.get("callback_url"),
            first_frame=first, last_frame=last, references=refs, continues_from=continues,
            take=raw.get("take", 1), caption=raw.get("caption"), trim=Trim(trim.get("in", 0.0), trim.get("out")),
            transition=_transition(raw.get("transition", "cut")), line=self.pos.of(at)[0], where=fields.where)

    def prompt_commands(self, at: YamlPath, raw: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """The shot with its prompt's trailing text commands (`--dur 5`) read into its keys and cut
        from the text, so plan, keys, cost and checks see them; and the keys that came from the prompt."""
        if not isinstance(raw.get("prompt"), str):
            return raw, set()
        read = commands.read(raw["prompt"])
        where = at + ("prompt",)
        for message in read.bad:
            self.fault(where, message)
        for word in read.unknown:
            self.warnings.append(Problem(str(self.path), *self.pos.of(where),
                                         f"warning: `{word}` is not a Seedance text command; it is sent as "
                                         f"part of the prompt"))
        shot, from_prompt = {**raw, "prompt": read.prompt}, set()
        for field, value in read.params.items():
            key = COMMAND_KEYS.get(field, field)
            if key in raw and raw[key] != value:
                self.fault(at + (key,), f"`{key}: {_shown(raw[key])}` contradicts the prompt's command "
                                        f"`--{commands.SHORT[field]} {_shown(value)}`; keep one of them")
                continue
            shot[key] = value
            from_prompt.add(key)
        return shot, from_prompt

    def model(self, fields: _Fields) -> tuple[str, models.Model] | None:
        """The id requests name and the table entry behind it; None (with the fault) when unknown."""
        model_id, family = fields.get("model", DEFAULT_MODEL), fields.get("model_family")
        model = models.lookup(model_id, family)
        if model is None:
            if model_id.startswith("ep-"):
                self.fault(fields.where["model"], f"endpoint {model_id!r} needs `model_family` to say which model "
                                                  f"it serves ({', '.join(models.FAMILIES)})")
            else:
                hint = difflib.get_close_matches(model_id, list(models.MODELS), n=1) \
                    or difflib.get_close_matches(model_id, list(models.GATEWAY_NAMES), n=1)
                self.fault(fields.where["model"],
                           f"unknown model {model_id!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
            return None
        if family is not None and not model_id.startswith("ep-") and models.FAMILIES[family] != model.id:
            self.fault(fields.where["model_family"], f"`model_family: {family}` contradicts the model {model_id!r}; "
                                                     f"it names the model behind an endpoint id (ep-...)")
        return model_id, model

    def shot_media(self, at: YamlPath, raw: dict[str, Any]) -> tuple[Media | None, Media | None, tuple[Media, ...]]:
        """The shot's own first frame, last frame and references (the unusable ones reported and left out)."""
        first = self.media(raw["first_frame"], at + ("first_frame",)) if "first_frame" in raw else None
        last = self.media(raw["last_frame"], at + ("last_frame",)) if "last_frame" in raw else None
        refs = tuple(m for i, src in enumerate(raw.get("references", []))
                     if src is not salvage.UNREADABLE and (m := self.media(src, at + ("references", i))) is not None)
        return first, last, refs

    def check_frames_are_images(self, at: YamlPath, first: Media | None, last: Media | None) -> None:
        for name, media in (("first_frame", first), ("last_frame", last)):
            if media is not None and media.kind != "image":
                self.fault(at + (name,), f"`{name}` must be an image, not {media.kind} ({media.source})")

    def length(self, at: YamlPath, raw: dict[str, Any], fields: _Fields, model: models.Model) -> tuple[int, int | None]:
        """(duration, frames): a shot gives one or the other; its own `duration` overrides default `frames`."""
        if "frames" in raw and "duration" in raw:
            self.fault(at + ("frames",), "give `duration` or `frames`, not both")
        if not ("frames" in raw or ("frames" in self.defaults and "duration" not in raw)):
            return fields.get("duration", model.default_duration), None
        frames = fields.get("frames")
        fields.where["duration"] = fields.where["frames"]
        return model.default_duration, frames

    def seed(self, raw: dict[str, Any], fields: _Fields, model: models.Model) -> int | None:
        """The seed as written, else pinned from the storyboard; None for a model that takes none, unless
        written (then `capabilities` reports it)."""
        explicit = "seed" in raw or "seed" in self.defaults
        seed = fields.get("seed", pinned_seed(self.data["title"], raw["id"], raw.get("take", 1)))
        return seed if explicit or model.accepts("seed") else None

    def prompt(self, raw: dict[str, Any]) -> str:
        """The shot's prompt with the storyboard's style appended."""
        style = self.data.get("style", "").strip()
        prompt = raw["prompt"].strip()
        return f"{prompt} {style}" if prompt and style else prompt

class _Fields:
    """A shot's parameters: its own value, else the storyboard's default, else a fallback. `where`
    records the YAML path each came from, so that a fault points at the line to edit."""

    def __init__(self, raw: dict[str, Any], defaults: dict[str, Any], at: YamlPath, from_prompt: set[str] = set()):
        self.raw, self.defaults, self.at, self.from_prompt = raw, defaults, at, from_prompt
        self.where: dict[str, YamlPath] = {"shot": at}

    def get(self, name: str, fallback: Any = None) -> Any:
        if name in self.raw:
            self.where[name] = self.at + ("prompt" if name in self.from_prompt else name,)
            return self.raw[name]
        if name in self.defaults:
            self.where[name] = ("defaults", name)
            return self.defaults[name]
        self.where[name] = self.at
        return fallback


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _label(where: YamlPath) -> str:
    if where[0] == "assets":
        return f"asset `{where[1]}`"
    names = [p for p in where if isinstance(p, str)]
    return "reference" if names[-1] == "references" else "soundtrack" if names[-1] == "file" else names[-1]


def _looks_like_a_name(source: str) -> bool:
    """An asset's name, not a path or URL: no folder, no extension, no scheme."""
    return "/" not in source and "\\" not in source and "." not in source and ":" not in source


def _transition(raw: str | dict[str, Any]) -> Transition:
    if isinstance(raw, str):
        return Transition(raw, 0.0 if raw == "cut" else DEFAULT_FADE)
    kind = raw["type"]
    return Transition(kind, 0.0 if kind == "cut" else raw.get("duration", DEFAULT_FADE))
