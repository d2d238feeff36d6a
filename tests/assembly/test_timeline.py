"""The pure side of assembly: timeline arithmetic, text tracks and the ffmpeg argv (no ffmpeg run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyfilm import storyboard
from storyfilm.assembly import captions
from storyfilm.assembly import chapters
from storyfilm.assembly import timeline
from storyfilm.assembly.spec import ClipIn, FilmSpec, Soundtrack, Transition, Trim
from storyfilm.errors import AssemblyError
from storyfilm.assembly.ffmpeg_graph import Extras, Source, concat_list, copy_args, encode_args, moov_reserve

SPEC = FilmSpec(320, 180)


def clip(name: str, **kw) -> ClipIn:
    return ClipIn(Path(f"/clips/{name}.mp4"), name, **kw)


def test_overlaps_shorten_the_film_and_place_every_shot() -> None:
    segs = timeline.segments([clip("a"), clip("b", transition=Transition("crossfade", 0.5)),
                          clip("c", transition=Transition("fade_black", 0.25)), clip("d")], [48, 48, 24, 24], SPEC)
    assert [(s.film_start, s.frames, s.overlap) for s in segs] == [(0, 48, 0), (36, 48, 12), (78, 24, 6), (102, 24, 0)]
    assert timeline.film_frames(segs) == 48 + 48 + 24 + 24 - 12 - 6 == 126
    assert timeline.chapters(segs, 24) == [("a", 0.0, 1.5), ("b", 1.5, 3.25), ("c", 3.25, 4.25), ("d", 4.25, 5.25)]


def test_repeated_frame_dropped_only_where_a_chained_clip_starts_on_it() -> None:
    shots = [clip("a", chained=True), clip("b", chained=True), clip("c"), clip("d", chained=True, trim=Trim(0.5))]
    segs = timeline.segments(shots, [25, 25, 25, 25], SPEC)
    # a: first shot, nothing to repeat; b: dropped; c: a cut keeps it; d: the trim already skips it
    assert [(s.start, s.frames, s.dropped_repeat) for s in segs] == [(0, 25, False), (1, 24, True), (0, 25, False),
                                                                       (12, 13, False)]
    kept = timeline.segments(shots, [25, 25, 25, 25], FilmSpec(320, 180, drop_repeated_frame=False))
    assert [s.start for s in kept] == [0, 0, 0, 12]


def test_trims_are_whole_frames_at_the_film_rate() -> None:
    (seg,) = timeline.segments([clip("a", trim=Trim(0.26, 1.5))], [48], SPEC)
    assert (seg.start, seg.frames) == (6, 30)


def test_a_clip_shorter_than_planned_fails_the_same_trim_rule() -> None:
    """A model that chooses the duration may return less than the storyboard allowed for: the trim
    passed at load against the longest clip, and fails here against the clip that came back."""
    board = storyboard.parse("title: T\nshots:\n  - {id: a, model: doubao-seedance-1-5-pro-251215, duration: -1,"
                             " prompt: A., trim: {in: 1, out: 9}}\n", Path("t.yaml"), resolve=None)
    (shot,) = board.shots
    assert shot.trim == Trim(1, 9) and shot.seconds == 12
    with pytest.raises(AssemblyError) as err:
        timeline.segments([clip("a", trim=shot.trim)], [5 * 24 + 1], SPEC)
    assert str(err.value) == "shot 'a': trim `out` (9) is past the end of the 5.04 s clip"
    assert str(err.value) == f"shot 'a': {shot.trim.fault(5 * 24 + 1, 24).message}"


def test_captions_follow_their_shots() -> None:
    segs = timeline.segments([clip("a", caption="First"), clip("b"),
                          clip("c", caption="Third", transition=Transition("crossfade", 1.0))], [48, 48, 48], SPEC)
    assert timeline.cues(segs, 24) == [(0.0, 2.0, "First"), (3.0, 5.0, "Third")]


def test_srt_text() -> None:
    text = captions.srt([(0.0, 1.5, "Hello"), (3661.25, 3662.0, "two\n\nlines ")])
    assert text == "1\n00:00:00,000 --> 00:00:01,500\nHello\n\n2\n01:01:01,250 --> 01:01:02,000\ntwo\nlines\n"


def test_chapter_titles_are_escaped() -> None:
    assert chapters.ffmetadata([("a=b;c#d\\e", 0.0, 1.25)]) == (
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1250\ntitle=a\\=b\\;c\\#d\\\\e\n")


@pytest.mark.parametrize("make, message", [
    (lambda: FilmSpec(321, 180), "film size 321x180 must be positive and even (yuv420p)"),
    (lambda: timeline.segments([], [], SPEC), "no clips to assemble"),
    (lambda: timeline.segments([clip("a", trim=Trim(2.0))], [48], SPEC), "shot 'a': trim `in` (2) is not before the end of the 2 s clip"),
    (lambda: timeline.segments([clip("a"), clip("b", chained=True)], [24, 1], SPEC),
     "shot 'b': nothing left after dropping its repeated first frame"),
    (lambda: timeline.segments([clip("a"), clip("b", transition=Transition("crossfade", 0.5)),
                            clip("c", transition=Transition("crossfade", 0.5))], [48, 20, 48], SPEC),
     "shot 'c': a 0.5 s crossfade needs 12 frames but only 8 are free between it and shot 'b'"),
])
def test_bad_specs_are_one_clear_error(make, message: str) -> None:
    with pytest.raises(AssemblyError) as err:
        make()
    assert str(err.value) == message


def test_copy_join_argv() -> None:
    sound = ["-f", "f32le", "-ar", "48000", "-ch_layout", "stereo", "-i", "/w/sound.f32"]
    aac = ["-c:a", "aac", "-aac_coder", "fast", "-q:a", "2", "-ar", "48000", "-ac", "2"]
    args = copy_args(Path("/w/clips.txt"), "/w/sound.f32", Path("/o/.f.partial.mp4"),
                     Extras(Path("/w/ch.txt"), Path("/w/c.srt")))
    assert args == ["-f", "concat", "-safe", "0", "-i", "/w/clips.txt", *sound, "-i", "/w/c.srt",
                    "-f", "ffmetadata", "-i", "/w/ch.txt",
                    "-map", "0:v:0", "-map", "1:a:0", "-map", "2:s:0", "-c:v", "copy", *aac,
                    "-c:s", "mov_text", "-metadata:s:s:0", "language=und",
                    "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
                    "-map_metadata", "3", "-map_chapters", "3", "/o/.f.partial.mp4", "-y"]
    assert concat_list([Path("/a/it's.mp4")]) == "file '/a/it'\\''s.mp4'\n"
    reserved = copy_args(Path("/w/clips.txt"), "/w/sound.f32", Path("/o/f.mp4"), Extras(), moov_size=70_000)
    assert reserved == ["-f", "concat", "-safe", "0", "-i", "/w/clips.txt", *sound, "-map", "0:v:0", "-map", "1:a:0",
                        "-c:v", "copy", *aac, "-moov_size", "70000", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                        "-flags:a", "+bitexact", "-map_metadata", "-1", "/o/f.mp4", "-y"]
    # 40 s: 960 frames and 1875 AAC packets, plus a packet a second of margin for partial packets
    assert moov_reserve(960, 24, 0) == 65_536 + 48 * (960 + 1875 + 40 + 1)


def test_encode_argv_pads_trims_fades_and_mixes() -> None:
    shots = [clip("a"), clip("b", trim=Trim(0.25), transition=Transition("crossfade", 0.5))]
    segs = timeline.segments(shots, [48, 48], FilmSpec(320, 180))
    spec = FilmSpec(320, 180, soundtrack=Soundtrack(Path("/m.m4a"), volume_db=-6, fade_out=1.0, loop=True))
    args = encode_args(segs, [Source(Path("/clips/a.mp4"), 24.0, True), Source(Path("/clips/b.mp4"), 30.0, False)],
                       spec, Path("/o/f.mp4"), Extras(Path("/w/ch.txt")))
    graph = args[args.index("-filter_complex") + 1]
    for piece in ["trim=end_frame=48:start_frame=0", "[1:v]fps=24", "trim=end_frame=48:start_frame=6", "scale=trunc(iw*sar/2)*2:ih",
                  "scale=320:180:flags=bicubic:force_original_aspect_ratio=decrease",
                  "pad=320:180:(ow-iw)/2:(oh-ih)/2:color=black",
                  "xfade=duration=0.500000:offset=1.500000:transition=fade", "acrossfade=c1=tri:c2=tri:ns=24000",
                  "volume=-6dB", "afade=d=1.0:st=2.25:t=out", "sidechaincompress", "amix=duration=first:inputs=2:normalize=0",
                  "loudnorm=I=-16.0:LRA=11:TP=-1.5", "atrim=end_sample=156000"]:
        assert piece in graph, piece
    assert "anullsrc=r=48000:cl=stereo" in args  # clip b has no sound of its own
    assert args[args.index("-stream_loop") + 1] == "-1"
    # inputs: a, b, silence for b, the music, then the chapters
    assert args[-6:] == ["-map_metadata", "4", "-map_chapters", "4", "/o/f.mp4", "-y"]
    assert args[args.index("ffmetadata") + 2] == "/w/ch.txt"
    for fixed in (["-threads", "1"], ["-fflags", "+bitexact"], ["-movflags", "+faststart"], ["-frames:v", "78"]):
        at = args.index(fixed[0])
        assert args[at:at + 2] == fixed


def test_encode_argv_of_a_chained_fade_through_black() -> None:
    """The whole command for two clips at the film's size and rate: b's repeated first frame is
    dropped, the fade through black overlaps 6 frames, the sound is left as it is (loudness None)."""
    spec = FilmSpec(320, 180, loudness=None)
    segs = timeline.segments([clip("a"), clip("b", chained=True, transition=Transition("fade_black", 0.25))],
                             [24, 24], spec)
    args = encode_args(segs, [Source(Path("/clips/a.mp4"), 24.0, True), Source(Path("/clips/b.mp4"), 24.0, True)],
                       spec, Path("/o/f.mp4"), Extras(Path("/w/ch.txt")))
    conform = "aresample=48000[{}];[{}]aformat=channel_layouts=stereo:sample_fmts=fltp:sample_rates=48000[{}]"

    def picture(i: int, first: int, n: int) -> list[str]:
        return [f"[{i}:v]trim=end_frame=24:start_frame={first}[s{n}]", f"[s{n}]settb=1/24[s{n + 1}]",
                f"[s{n + 1}]setpts=N[s{n + 2}]", f"[s{n + 2}]scale=trunc(iw*sar/2)*2:ih:flags=bicubic[s{n + 3}]",
                f"[s{n + 3}]setsar=1[s{n + 4}]",
                f"[s{n + 4}]scale=320:180:flags=bicubic:force_original_aspect_ratio=decrease[s{n + 5}]",
                f"[s{n + 5}]pad=320:180:(ow-iw)/2:(oh-ih)/2:color=black[s{n + 6}]", f"[s{n + 6}]setsar=1[s{n + 7}]",
                f"[s{n + 7}]format=yuv420p[s{n + 8}]"]

    def fit(into: str, n: int, samples: int) -> list[str]:  # conform, pad or cut to `samples`
        return [f"{into}{conform.format(f's{n}', f's{n}', f's{n + 1}')}", f"[s{n + 1}]apad[s{n + 2}]",
                f"[s{n + 2}]atrim=end_sample={samples}[s{n + 3}]", f"[s{n + 3}]asetpts=PTS-STARTPTS[s{n + 4}]"]

    graph = [*picture(0, 0, 0), *picture(1, 1, 9),
             ("[s8][s17]xfade=duration=0.250000:expr=if(eq(PLANE\\,0)\\,16\\,128)+(if(gt(P\\,0.5)\\,A\\,B)"
              "-if(eq(PLANE\\,0)\\,16\\,128))*abs(2*P-1):offset=0.750000:transition=custom[s18]"),
             f"[0:a]{conform.format('s19', 's19', 's20')}", "[s20]asetpts=PTS-STARTPTS[s21]",
             *fit("[s21]", 22, 48000), "[s26]afade=d=0.125000:st=0.750000:t=out[s27]",
             f"[1:a]{conform.format('s28', 's28', 's29')}", "[s29]asetpts=PTS-STARTPTS[s30]",
             "[s30]atrim=start_sample=2000[s31]", "[s31]asetpts=PTS-STARTPTS[s32]", *fit("[s32]", 33, 46000),
             # the sound dips to silence and back with the picture: out over the first half, in over the second
             "[s37]afade=d=0.125000:st=0.125000:t=in[s38]",
             "[s27][s38]acrossfade=c1=nofade:c2=nofade:ns=12000[s39]", *fit("[s39]", 40, 82000)]
    assert args == [
        "-filter_complex_threads", "1", "-thread_queue_size", "64", "-i", "/clips/a.mp4",
        "-thread_queue_size", "65", "-i", "/clips/b.mp4", "-f", "ffmetadata", "-i", "/w/ch.txt",
        "-filter_complex", ";".join(graph), "-map", "[s18]", "-map", "[s44]",
        "-aac_coder", "fast", "-ac", "2", "-ar", "48000", "-c:a", "aac", "-c:v", "libx264", "-crf", "18",
        "-fflags", "+bitexact", "-flags:a", "+bitexact", "-flags:v", "+bitexact", "-frames:v", "41",
        "-movflags", "+faststart", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-q:a", "2", "-r", "24",
        "-threads", "1",
        "-x264-params", "keyint=48:min-keyint=24:scenecut=0:threads=1:lookahead-threads=1:sliced-threads=0", "-map_metadata", "2", "-map_chapters", "2",
        "/o/f.mp4", "-y"]
