"""Hostile storyboard text: each gives one FILE:LINE:COL message, exit 2, not one request, no file
written. (Numbers too long to read, keys that YAML reads as numbers or null, control characters,
text that is not UTF-8, a name far too long.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm import cli

KEY = "sk-test-hostile-yaml"
HEAD = "title: Hostile\nshots:\n  - id: one\n    prompt: A paper boat.\n"


def _utf8_bad(folder: Path) -> bytes:
    return (HEAD + "  - id: two\n    prompt: A st\xe9am.\n").encode("latin-1")


CASES = {
    "huge-int": (HEAD + "    duration: 1" + "0" * 400 + "\n",
                 "5:15: 10000000000000000000… is too large a number (401 characters); storyfilm reads whole "
                 "numbers of up to 20 digits"),
    "int-with-5000-digits": (HEAD + "    seed: " + "7" * 5000 + "\n",
                             "5:11: 77777777777777777777… is too large a number (5000 characters); storyfilm reads "
                             "whole numbers of up to 20 digits"),
    "int-key": ("1: 2\n" + HEAD, "1:1: unknown key `1` (allowed: assembly, assets, defaults, gateway, output, shots, "
                                 "soundtrack, style, title, version)"),
    "null-key-in-shot": (HEAD + "    ~: x\n", "5:5: unknown key `~` (allowed: "),
    "control-character": (HEAD.replace("paper boat", "paper\x07boat"),
                          "4:20: invalid YAML: the control character U+0007 is not allowed in YAML; remove it "
                          "(inside double quotes it may be written \\u0007)"),
    "nul-at-end": (HEAD + "\x00", "5:1: invalid YAML: the control character U+0000 is not allowed in YAML; "
                                  "remove it (inside double quotes it may be written \\u0000)"),
    "control-after-chinese": (HEAD.replace("A paper boat.", "纸船\x07漂流"),
                              "4:15: invalid YAML: the control character U+0007 is not allowed"),
    "control-in-cr-lines": (HEAD.replace("\n", "\r") + "\x07",
                            "5:1: invalid YAML: the control character U+0007 is not allowed"),
    "latin-1": (_utf8_bad, "6:17: the byte 0xe9 is not UTF-8 text; save the storyboard as UTF-8"),
    "utf-16": (lambda folder: HEAD.encode("utf-16"), "1:1: the storyboard is UTF-16 text; save it as UTF-8"),
    "command-5000-digits": (HEAD.replace("A paper boat.", "A paper boat. --dur " + "9" * 5000),
                            "4:13: `--dur 999999999999999999999999…`: the duration is a whole number of seconds"),
    "command-underscore": (HEAD.replace("A paper boat.", "A paper boat. --dur 1_0"),
                           "4:13: `--dur 1_0`: the duration is a whole number of seconds"),
    # was accepted, and every shot paid for, then the join failed: an MP4 subtitle sample holds 64 KB
    "caption-300000-long": (HEAD + "    caption: " + "c" * 300000 + "\n",
                            "5:14: `caption` is 300000 characters long; at most 1000"),
    "id-5000-long": (HEAD.replace("id: one", "id: " + "a" * 5000), "3:9: `id` is 5000 characters long; at most 64"),
    # these were tracebacks: the schema's fault was left untold for the `.nan` inside, and the meaning
    # pass read the list or mapping as the text or number it should have been
    "nan-in-a-list": ("style: [.nan]\n" + HEAD, "1:8: `style` must be a string (got [.nan])"),
    "inf-in-a-mapping": (HEAD + "    caption: {a: .inf}\n", "5:14: `caption` must be a string (got {\"a\": .inf})"),
    "nan-in-a-trim-list": (HEAD + "    trim: [.nan]\n", "5:11: `trim` must be a mapping (got [.nan])"),
    "nan-in-a-list-under-a-typo": ("assembly: {loudnes: [.nan]}\n" + HEAD, "1:12: unknown key `loudnes` (did you "
                                                                           "mean `loudness`?)"),
    "inf-in-a-list-of-references": (HEAD + "    references: [.inf]\n",
                                    "5:18: item 1 of `references` must be a string (got .inf)"),
}


@pytest.mark.parametrize("name", CASES)
def test_hostile_text_is_one_located_message(name: str, tmp_path: Path, ark_server, monkeypatch, capsys) -> None:
    text, expected = CASES[name]
    story = tmp_path / "story.yaml"
    data = text(tmp_path) if callable(text) else text.encode("utf-8")
    story.write_bytes(data)
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    before = sum(ark_server.ark.stats.values())
    for command in ("validate", "plan", "film"):
        assert cli.main([command, str(story)]) == 2, command
        err = capsys.readouterr().err
        assert err.startswith(f"{story}:{expected}") and err.count("\n") == 1, (command, err)
    assert sum(ark_server.ark.stats.values()) == before  # not one request
    assert [p.name for p in tmp_path.iterdir()] == ["story.yaml"] and story.read_bytes() == data


def test_an_output_that_is_a_folder_is_told_before_anything_is_sent(tmp_path: Path, ark_server, monkeypatch,
                                                                     capsys) -> None:
    """`output:` naming a folder (as -o does) once failed in ffmpeg, after every shot was paid for."""
    story = tmp_path / "story.yaml"
    story.write_text("output: cut.mp4\n" + HEAD, encoding="utf-8")
    (tmp_path / "cut.mp4").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    before = sum(ark_server.ark.stats.values())
    assert cli.main(["film", str(story)]) == 2
    assert capsys.readouterr().err == (f"{story}:1:9: `output` cut.mp4 is a folder; name the film's file, "
                                       f"e.g. cut.mp4/story.mp4\n")
    assert sum(ark_server.ark.stats.values()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4", "story.yaml"]


LITE = ("title: Refs\ndefaults: {model: doubao-seedance-1-0-lite-i2v-250428, resolution: 480p, frames: 49}\n"
        "assets:\n  cup: CUP\nshots:\n  - id: one\n    references: [cup]\n    prompt: The cup.\n"
        "  - id: two\n    cut: true\n    references: [cup]\n    prompt: The cup again.\n")
CASCADES = {
    # a name that is no asset was "unknown media type '(no extension)'"
    "unknown-asset-name": (LITE.replace("references: [cup]\n    prompt: The cup.", "references: [cup, mug]\n"
                                        "    prompt: The cup."),
                           "7:23: reference: no asset named 'mug' (assets: cup), and no such file"),
    # each of these also said the shot "needs an image to start from", or that a trim was past a negative clip
    "empty-references": (LITE.replace("references: [cup]\n    prompt: The cup.", "references: []\n"
                                      "    prompt: The cup."), "7:17: `references` needs at least 1 item"),
    "assets-not-a-mapping": (LITE.replace("assets:\n  cup: CUP\n", "assets: [CUP]\n"),
                             "3:9: `assets` must be a mapping (got ["),
    "asset-a-folder": (LITE.replace("cup: CUP", "cup: ASSETS"), "4:8: asset `cup`: "),
    "negative-frames": (LITE.replace("frames: 49", "frames: -49"),
                        "2:82: `frames` must be 25 + 4n within 29–289 (got -49; nearest 29)"),
}


@pytest.mark.parametrize("name", CASCADES)
def test_one_fault_is_told_once_not_with_what_it_breaks(name: str, tmp_path: Path, capsys) -> None:
    text, expected = CASCADES[name]
    assets = Path(__file__).parents[2] / "storyboards" / "assets"
    story = tmp_path / "story.yaml"
    story.write_text(text.replace("CUP", str(assets / "cup.png")).replace("ASSETS", str(assets)), encoding="utf-8")
    assert cli.main(["validate", str(story)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{story}:{expected}") and err.count("\n") == 1, err


def test_an_output_under_a_file_is_told_before_anything_is_sent(tmp_path: Path, ark_server, monkeypatch,
                                                                capsys) -> None:
    story = tmp_path / "story.yaml"
    story.write_text("output: story.yaml/cut.mp4\n" + HEAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARK_API_KEY", KEY)
    monkeypatch.setenv("ARK_BASE_URL", ark_server.base_url)
    before = sum(ark_server.ark.stats.values())
    assert cli.main(["film", str(story)]) == 2
    assert capsys.readouterr().err == f"{story}:1:9: `output` story.yaml/cut.mp4: story.yaml is a file, not a folder\n"
    assert sum(ark_server.ark.stats.values()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["story.yaml"]


def _paths(value, path=()):
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, path + (key,))


def _every_part(tmp_path: Path) -> dict:
    """A storyboard that uses every part of the language, its media made in `tmp_path`."""
    from helpers import make_image
    from storyfilm.mediaio import runner

    make_image(tmp_path / "frame.png", 640, 360)
    runner.run(["-f", "lavfi", "-i", "sine=d=1", str(tmp_path / "music.wav")], what="make music")
    return {
        "title": "T", "style": "s", "version": 1, "output": "out/f.mp4", "assets": {"pic": "frame.png"},
        "soundtrack": {"file": "music.wav", "volume_db": -3, "fade_in": 0.5, "fade_out": 0.5, "loop": True},
        "assembly": {"seamless_joins": True, "burn_captions": False, "loudness": -16},
        "defaults": {"model": "doubao-seedance-1-0-lite-i2v-250428", "resolution": "480p", "duration": 3, "seed": 5},
        "shots": [{"id": "a", "prompt": "A.", "first_frame": "pic", "caption": "c", "take": 1},
                  {"id": "b", "prompt": "B.", "trim": {"in": 0.5, "out": 2},
                   "transition": {"type": "crossfade", "duration": 0.5}},
                  {"id": "c", "prompt": "C.", "cut": True, "transition": "fade_black", "references": ["pic"]}]}


def _each_replaced(story_data: dict, values: tuple):
    """(the path, its good value, the storyboard with `value` there) for every value of `story_data`."""
    import copy

    for path in list(_paths(story_data))[1:]:
        for value in values:
            changed = copy.deepcopy(story_data)
            parent = changed
            for step in path[:-1]:
                parent = parent[step]
            good, parent[path[-1]] = parent[path[-1]], value
            yield path, good, changed


def test_non_finite_numbers_anywhere_are_located_faults_never_tracebacks(tmp_path: Path) -> None:
    """`.nan`, `.inf` and lists or mappings holding them in place of every value of a storyboard
    that uses every part of the language: a StoryboardError each time (82 were tracebacks)."""
    import math

    import yaml

    from storyfilm.errors import StoryboardError
    from storyfilm.mediaio.inputs import load_storyboard

    nan, inf = math.nan, math.inf
    story_data = _every_part(tmp_path)
    story = tmp_path / "story.yaml"
    story.write_text(yaml.safe_dump(story_data), encoding="utf-8")
    assert len(load_storyboard(story).shots) == 3  # every value below is read when it is a good one
    tried = 0
    for _, _, changed in _each_replaced(story_data, (nan, -inf, [nan], {"a": inf}, [1, nan], {"x": [nan]})):
        story.write_text(yaml.safe_dump(changed), encoding="utf-8")
        with pytest.raises(StoryboardError):
            load_storyboard(story)
        tried += 1
    assert tried > 200


def test_a_non_finite_number_where_words_go_is_told_the_schemas_own_fault(tmp_path: Path) -> None:
    """`transition: {type: [.nan]}` said "must be a finite number", where a number is no answer
    either: in place of every text, word or yes/no of the storyboard, the schema's own message."""
    import math

    import yaml

    from storyfilm.errors import StoryboardError
    from storyfilm.mediaio.inputs import load_storyboard

    story_data = _every_part(tmp_path)
    story = tmp_path / "story.yaml"
    told = {}
    for path, good, changed in _each_replaced(story_data, (math.nan, [math.nan], {"a": math.inf})):
        if not isinstance(good, (str, bool)) or path[-1] == "pic":  # numbers, and what holds other values
            continue
        story.write_text(yaml.safe_dump(changed), encoding="utf-8")
        with pytest.raises(StoryboardError) as stopped:
            load_storyboard(story)
        told.setdefault(path, []).append(str(stopped.value))
    assert sum(map(len, told.values())) > 60
    assert not [f"{path}: {m}" for path, messages in told.items() for m in messages if "finite number" in m]
    assert "`type` must be one of cut, crossfade, fade_black (got [.nan])" in told[("shots", 1, "transition", "type")][1]


def test_a_text_over_the_limit_is_counted_in_the_mb_of_every_other_limit() -> None:
    # a file over 2 MB is refused by its size before it is read; text handed in another way is
    # held to the same 2,000,000 (10^6-byte MB, as the service's limits are read), not 2 MiB
    from storyfilm.errors import YamlSyntaxError
    from storyfilm.storyboard import yaml_source

    with pytest.raises(YamlSyntaxError) as refused:
        yaml_source.load("#" * 2_000_001)
    assert "the storyboard is 2.0 MB of text; storyfilm reads storyboards up to 2 MB" in str(refused.value)
