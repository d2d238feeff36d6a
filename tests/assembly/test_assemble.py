"""Film assembly against the real ffmpeg, on tiny clips made with lavfi (320x180, 1 s each)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from helpers import decoded_seconds, extract_frame, psnr
from storyfilm.mediaio import probe, runner
from storyfilm.mediaio.frames import extract_last_frame
from storyfilm.mediaio import mp4box
from storyfilm.assembly.assemble import ClipIn, FilmSpec, Soundtrack, Transition, Trim, assemble
from storyfilm.errors import AssemblyError, FfmpegError

W, H = 320, 180


# ---- clips -------------------------------------------------------------------------------------

def _clip(path: Path, video: str, *, audio: str | None = None, frames: int = 24, fps: int = 24,
          vf: str = "format=yuv420p", stereo48k: bool = False) -> Path:
    args = ["-f", "lavfi", "-i", video]
    if audio:
        args += ["-f", "lavfi", "-i", audio]
    args += ["-vf", vf, "-frames:v", str(frames), "-r", str(fps), "-c:v", "libx264", "-preset", "ultrafast",
             "-crf", "12", "-pix_fmt", "yuv420p", "-threads", "1"]
    if audio:
        args += ["-c:a", "aac", "-shortest", *(["-ac", "2", "-ar", "48000"] if stereo48k else [])]
    runner.run([*args, "-y", str(path)], what="make a test clip")
    return path


def _chained(path: Path, previous: Path, *, vf: str, frames: int = 24) -> Path:
    """A clip whose first frame is exactly `previous`'s last frame, changing from frame 1 on."""
    still = path.with_suffix(".start.png")
    extract_last_frame(previous, still)
    runner.run(["-loop", "1", "-framerate", "24", "-i", str(still), "-vf", f"{vf},format=yuv420p",
                "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-threads", "1",
                "-y", str(path)], what="make a chained test clip")
    return path


# a white box that appears on frame 1: the picture changes right after the repeated frame
BOX = "drawbox=x=140:y=60:w=60:h=60:c=white:t=fill:enable='gte(n,1)'"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    made = {
        "tone": _clip(d / "tone.mp4", f"testsrc2=s={W}x{H}:r=24", audio="sine=f=440:r=44100"),
        "square": _clip(d / "square.mp4", "testsrc2=s=240x240:r=30", frames=30, fps=30),  # silent, 30 fps
        "a": _clip(d / "a.mp4", f"testsrc2=s={W}x{H}:r=24"),
        "other": _clip(d / "other.mp4", f"mandelbrot=s={W}x{H}:r=24"),
        "music": d / "music.m4a",
    }
    made["b"] = _chained(d / "b.mp4", made["a"], vf=BOX)
    runner.run(["-f", "lavfi", "-i", "sine=f=110:r=48000:d=0.6", "-c:a", "aac", "-y", str(made["music"])],
               what="make test music")
    return made


# ---- measuring the film -----------------------------------------------------------------------

def _stderr(args: list[str]) -> str:
    return runner.run(args, what="measure the film").stderr.decode(errors="replace")


def mean_volume(film: Path, start: float, seconds: float, af: str = "") -> float:
    text = _stderr(["-ss", str(start), "-t", str(seconds), "-i", str(film), "-map", "0:a",
                    "-af", f"{af}volumedetect", "-f", "null", "-"])
    return float(re.search(r"mean_volume: (-?[\d.]+|-inf) dB", text)[1])


def luma(film: Path, frame: int, crop: str = "iw:ih:0:0") -> float:
    text = _stderr(["-i", str(film), "-vf", f"select=eq(n\\,{frame}),crop={crop},signalstats,metadata=print",
                    "-frames:v", "1", "-f", "null", "-"])
    return float(re.search(r"YAVG=([\d.]+)", text)[1])


def frame_psnr(film: Path, a: int, b: int, tmp: Path) -> float:
    extract_frame(film, a, tmp / f"f{a}.png")
    extract_frame(film, b, tmp / f"f{b}.png")
    return psnr(tmp / f"f{a}.png", tmp / f"f{b}.png")


def region_psnr(a: Path, b: Path, crop: str) -> float:
    text = _stderr(["-i", str(a), "-i", str(b), "-filter_complex",
                    f"[0:v]{crop},format=yuv444p[a];[1:v]{crop},format=yuv444p[b];[a][b]psnr", "-f", "null", "-"])
    return float(re.search(r"PSNR .*?average:(inf|[\d.]+)", text)[1])


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def top_level_boxes(path: Path) -> list[bytes]:
    data, pos, kinds = path.read_bytes(), 0, []
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        kinds.append(data[pos + 4:pos + 8])
        if size < 8:
            break
        pos += size
    return kinds


def faststart(path: Path) -> bool:
    kinds = top_level_boxes(path)
    return b"moov" in kinds and kinds.index(b"moov") < kinds.index(b"mdat")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- tests ------------------------------------------------------------------------------------

def test_mixed_clips_join_padded_with_sound_throughout(clips, tmp_path: Path) -> None:
    film = tmp_path / "mixed.mp4"
    report = assemble([ClipIn(clips["tone"], "tone"), ClipIn(clips["square"], "square"),
                       ClipIn(clips["tone"], "tone2")], FilmSpec(W, H, review=False), film)
    info = probe.probe(film)
    assert (info.width, info.height, info.fps, info.pix_fmt) == (W, H, 24.0, "yuv420p")
    assert info.frames == report.frames == 72  # the 30 fps square second becomes 24 frames
    assert (info.audio_codec, info.audio_rate, info.audio_channels) == ("aac", 48_000, 2)
    assert abs(decoded_seconds(film, "a") - 3.0) < 0.05
    # the tone plays in shots 1 and 3, the silent clip got silence, in the right places
    assert mean_volume(film, 0.1, 0.8) > -30
    assert mean_volume(film, 1.15, 0.7) < -80
    assert mean_volume(film, 2.1, 0.8) > -30
    # the square clip is padded, not stretched: 70 px black bars left and right of a 180x180 picture
    assert luma(film, 36, "60:180:0:0") < 20 and luma(film, 36, "60:180:260:0") < 20
    assert luma(film, 36, "160:180:80:0") > 40


def test_anamorphic_clip_is_shown_at_its_display_shape(tmp_path: Path) -> None:
    # 160x180 coded, pixels twice as wide as tall: it displays as 320x180 and fills the film
    wide = _clip(tmp_path / "wide.mp4", "testsrc2=s=160x180:r=24", frames=6, vf="setsar=2,format=yuv420p")
    film = tmp_path / "wide-film.mp4"
    assemble([ClipIn(wide, "wide")], FilmSpec(W, H, review=False), film)
    assert luma(film, 3, "20:180:0:0") > 40 and luma(film, 3, "20:180:300:0") > 40  # no pillarbox bars


def test_crossfade_and_fade_through_black_overlap(clips, tmp_path: Path) -> None:
    film = tmp_path / "xfade.mp4"
    report = assemble([ClipIn(clips["a"], "one"),
                       ClipIn(clips["other"], "two", transition=Transition("crossfade", 0.5)),
                       ClipIn(clips["tone"], "three", transition=Transition("fade_black", 0.25))],
                      FilmSpec(W, H, review=False), film)
    assert report.frames == 72 - 12 - 6 == probe.probe(film).frames
    assert report.duration == pytest.approx(2.25)
    assert abs(decoded_seconds(film, "a") - 2.25) < 0.05
    assert [(t, round(s, 3)) for t, s, _ in report.chapters] == [("one", 0.0), ("two", 0.5), ("three", 1.25)]
    # the fade through black (film frames 30-35) is black at its middle (frame 33)
    assert luma(film, 26) > 60 and luma(film, 33) < 25 and luma(film, 36) > 60


def test_chained_join_drops_repeated_frame_and_scores_seams(clips, tmp_path: Path) -> None:
    chain = [ClipIn(clips["a"], "a"), ClipIn(clips["b"], "b", chained=True), ClipIn(clips["other"], "c")]
    film = tmp_path / "chain.mp4"
    report = assemble(chain, FilmSpec(W, H), film)
    assert probe.probe(film).frames == report.frames == 71  # b's repeat of a's last frame is gone
    # no freeze at the chained join: film frame 24 is b's frame 1 (the box), not a copy of frame 23
    assert frame_psnr(film, 23, 24, tmp_path) < 32

    kept = tmp_path / "kept.mp4"
    assemble(chain, FilmSpec(W, H, drop_repeated_frame=False, review=False), kept)
    assert probe.probe(kept).frames == 72
    assert frame_psnr(kept, 23, 24, tmp_path) > 40  # the one-frame freeze the default avoids

    seams = {(s.from_shot, s.to_shot): s for s in report.seams}
    assert seams["a", "b"].chained and seams["a", "b"].score > 0.95 and seams["a", "b"].psnr > 35
    assert not seams["b", "c"].chained and seams["b", "c"].score < 0.5 and seams["b", "c"].psnr < 15
    assert report.warnings == []
    assert png_size(report.contact_sheet) == (3 * W, 3 * H)
    assert png_size(report.seam_strip) == (2 * W, H)  # one chained join


def _local_render(server, folder: Path, name: str, seed: int, first_frame: Path | None = None) -> tuple[Path, Path]:
    """One task on the local server over real HTTP: its video and its returned last frame."""
    import asyncio
    import base64

    from helpers import until_done
    from storyfilm.ark.client import ArkClient

    content = [{"type": "text", "text": f"shot {name}"}]
    if first_frame is not None:
        url = "data:image/png;base64," + base64.b64encode(first_frame.read_bytes()).decode()
        content.append({"type": "image_url", "image_url": {"url": url}, "role": "first_frame"})
    body = {"model": "doubao-seedance-1-0-pro-250528", "content": content, "resolution": "480p",
            "ratio": "16:9", "frames": 29, "seed": seed, "return_last_frame": True}
    video, frame = folder / f"{name}.mp4", folder / f"{name}.png"

    async def go():
        async with ArkClient(server.base_url, "local-preview") as client:
            task = await until_done(client, await client.create(body))
            await client.download(task.video_url, video)
            await client.download(task.last_frame_url, frame)

    asyncio.run(go())
    return video, frame


def test_local_backend_chain_scores_high_and_cut_low(tmp_path: Path, ark_server) -> None:
    one, one_last = _local_render(ark_server, tmp_path, "one", 7)
    two, _ = _local_render(ark_server, tmp_path, "two", 8, first_frame=one_last)
    three, _ = _local_render(ark_server, tmp_path, "three", 9)
    report = assemble([ClipIn(one, "one"), ClipIn(two, "two", chained=True), ClipIn(three, "three")],
                      FilmSpec(864, 480), tmp_path / "local.mp4")
    assert report.frames == probe.probe(report.path).frames == 29 + 28 + 29
    chained, cut = report.seams
    assert chained.chained and chained.score > 0.95 and chained.psnr > 40
    assert not cut.chained and cut.psnr < 20  # two smooth gradients: SSIM alone would say 0.9
    assert report.warnings == []
    assert report.summary()["seams"][0] == {"from": "one", "to": "two", "chained": True,
                                             "ssim": round(chained.score, 4), "psnr": round(chained.psnr, 2)}


def test_mp4_boxes_agree_with_ffmpeg(clips) -> None:
    for name in ("tone", "square", "a", "b"):
        boxes, probed = mp4box.describe(clips[name]), probe.probe(clips[name])
        video = boxes.video
        assert (video.frames, video.width, video.height, video.fps) == (
            probed.frames, probed.width, probed.height, probed.fps), name
        assert (boxes.audio is not None) == probed.has_audio, name
        if boxes.audio:
            assert (boxes.audio.rate, boxes.audio.channels) == (probed.audio_rate, probed.audio_channels)
        assert mp4box.avc_is_yuv420p(video.avcc)
    assert mp4box.describe(clips["music"]).video is None


def test_music_not_looped_is_padded_with_silence(clips, tmp_path: Path) -> None:
    film = tmp_path / "once.mp4"
    assemble([ClipIn(clips["a"], "a"), ClipIn(clips["other"], "b")],
             FilmSpec(W, H, soundtrack=Soundtrack(clips["music"], loop=False), review=False), film)
    assert abs(decoded_seconds(film, "a") - 2.0) < 0.05
    assert mean_volume(film, 0.1, 0.4) > -30
    assert mean_volume(film, 1.0, 0.9) < -80


def test_broken_chain_and_colour_drift_warn(clips, tmp_path: Path) -> None:
    d = tmp_path
    brighter = "eq=brightness=0.12*t:eval=frame"  # frame 0 unchanged, so every join matches
    one = _chained(d / "h1.mp4", clips["a"], vf=brighter)
    two = _chained(d / "h2.mp4", one, vf=brighter)
    three = _chained(d / "h3.mp4", two, vf=brighter)
    report = assemble([ClipIn(one, "h1"), ClipIn(two, "h2", chained=True), ClipIn(three, "h3", chained=True),
                       ClipIn(clips["other"], "jump", chained=True)], FilmSpec(W, H), d / "drift.mp4")
    assert [round(s.score, 2) > 0.95 for s in report.seams] == [True, True, False]
    assert any("chained join h3 → jump" in w for w in report.warnings)
    assert any("colour drifts" in w and "h1 → h3" in w for w in report.warnings)


def test_the_first_shots_own_motion_is_not_chain_drift(clips, tmp_path: Path) -> None:
    """A chain opening on a shot that fades a long way, continued by still shots: the colour did not
    drift along the chain (the hand-offs kept it), so no warning."""
    opening = _chained(tmp_path / "o1.mp4", clips["a"], vf="fade=t=out:st=0:d=1.6")
    still = _chained(tmp_path / "o2.mp4", opening, vf="null")
    stiller = _chained(tmp_path / "o3.mp4", still, vf="null")
    report = assemble([ClipIn(opening, "o1"), ClipIn(still, "o2", chained=True),
                       ClipIn(stiller, "o3", chained=True)], FilmSpec(W, H), tmp_path / "still.mp4")
    assert [s.psnr > 40 for s in report.seams] == [True, True]
    assert report.warnings == []


def test_trim_keeps_the_asked_frames(clips, tmp_path: Path) -> None:
    film = tmp_path / "trim.mp4"
    report = assemble([ClipIn(clips["b"], "b", trim=Trim(0.25, 0.75))], FilmSpec(W, H, review=False), film)
    assert report.frames == probe.probe(film).frames == 12
    extract_frame(film, 0, tmp_path / "film0.png")
    extract_frame(clips["b"], 6, tmp_path / "src6.png")
    assert psnr(tmp_path / "film0.png", tmp_path / "src6.png") > 35


def test_captions_and_chapters_inside_and_beside(clips, tmp_path: Path) -> None:
    shots = [ClipIn(clips["a"], "opening", caption="Hello, world"), ClipIn(clips["other"], "middle"),
             ClipIn(clips["tone"], "end=final", caption="Goodbye\nfor now")]
    film = tmp_path / "cap.mp4"
    report = assemble(shots, FilmSpec(W, H, review=False), film)
    assert report.srt == tmp_path / "cap.srt"
    assert report.srt.read_text() == ("1\n00:00:00,000 --> 00:00:01,000\nHello, world\n\n"
                                      "2\n00:00:02,000 --> 00:00:03,000\nGoodbye\nfor now\n")
    info = probe.probe(film)
    assert info.subtitle_codecs == ("mov_text",)
    assert info.chapters == (("opening", 0.0, 1.0), ("middle", 1.0, 2.0), ("end=final", 2.0, 3.0))

    burnt = tmp_path / "burnt.mp4"
    assemble(shots, FilmSpec(W, H, burn_captions=True, review=False), burnt)
    extract_frame(film, 12, tmp_path / "plain12.png")
    extract_frame(burnt, 12, tmp_path / "burnt12.png")
    bottom, top = f"crop={W}:40:0:{H - 40}", f"crop={W}:100:0:0"
    assert region_psnr(tmp_path / "plain12.png", tmp_path / "burnt12.png", bottom) < 25  # the caption
    assert region_psnr(tmp_path / "plain12.png", tmp_path / "burnt12.png", top) > 35  # nothing else


def test_soundtrack_loops_ducks_and_is_normalised(clips, tmp_path: Path) -> None:
    film = tmp_path / "music.mp4"
    track = Soundtrack(clips["music"], volume_db=-6, fade_in=0.1, fade_out=0.2)
    assert assemble([ClipIn(clips["a"], "quiet"), ClipIn(clips["tone"], "loud"), ClipIn(clips["other"], "quiet2")],
             FilmSpec(W, H, soundtrack=track, review=False), film).loudness_normalised
    text = _stderr(["-i", str(film), "-map", "0:a", "-af", "ebur128", "-f", "null", "-"])
    assert float(re.findall(r"I:\s+(-?[\d.]+) LUFS", text)[-1]) == pytest.approx(-16, abs=1.5)
    music_band = "bandpass=f=110:width_type=q:w=4,"
    in_silence = mean_volume(film, 2.1, 0.6, music_band)
    assert in_silence > -45  # a 0.6 s track still plays in the third second: it loops
    assert mean_volume(film, 1.2, 0.6, music_band) < in_silence - 6  # ducked (~8 dB) under the 440 Hz tone


def test_same_inputs_give_identical_bytes(clips, tmp_path: Path) -> None:
    shots = [ClipIn(clips["tone"], "one", caption="One"),
             ClipIn(clips["square"], "two", transition=Transition("crossfade", 0.25)),
             ClipIn(clips["b"], "three", chained=True)]
    spec = FilmSpec(W, H, soundtrack=Soundtrack(clips["music"]), review=False)
    first = assemble(shots, spec, tmp_path / "1" / "film.mp4")
    second = assemble(shots, spec, tmp_path / "2" / "film.mp4")
    assert sha(first.path) == sha(second.path)
    assert b"creation_time" not in first.path.read_bytes()
    assert faststart(first.path)


def test_fast_path_stream_copies_matching_clips(tmp_path: Path) -> None:
    stereo = [_clip(tmp_path / f"u{i}.mp4", f"testsrc2=s={W}x{H}:r=24", audio=f"sine=f={300 + 100 * i}:r=48000",
                    stereo48k=True) for i in range(3)]
    shots = [ClipIn(p, f"u{i}", chained=i > 0, caption="Two" if i == 1 else None) for i, p in enumerate(stereo)]
    spec = FilmSpec(W, H, drop_repeated_frame=False, review=False)
    film = tmp_path / "fast.mp4"
    report = assemble(shots, spec, film)
    info = probe.probe(film)
    assert report.fast_path and info.frames == 72 and not report.loudness_normalised
    assert [c[0] for c in info.chapters] == ["u0", "u1", "u2"] and info.subtitle_codecs == ("mov_text",)
    assert report.srt.read_text() == "1\n00:00:01,000 --> 00:00:02,000\nTwo\n"
    # the video is the clips' own packets, as a plain concat demuxer stream copy gives them
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in stereo))
    raw = tmp_path / "raw.mp4"
    runner.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(raw)], what="concat")
    def packets(path: Path) -> str:
        return runner.run(["-i", str(path), "-map", "0:v", "-c", "copy", "-f", "streamhash", "-"],
                          what="hash").stdout.decode()
    assert packets(film) == packets(raw)
    assert sha(film) == sha(assemble(shots, spec, tmp_path / "again.mp4").path)
    assert faststart(film)  # the index was written into space reserved at the head
    # dropping the repeated frame of a chained clip needs a re-encode
    assert not assemble(shots, FilmSpec(W, H, review=False), tmp_path / "slow.mp4").fast_path


def test_fast_path_falls_back_on_faststart_when_the_reserve_is_short(clips, tmp_path, monkeypatch) -> None:
    from storyfilm.assembly import copy_join

    uniform = [_clip(tmp_path / f"v{i}.mp4", f"testsrc2=s={W}x{H}:r=24", audio="sine=r=48000", stereo48k=True)
               for i in range(2)]
    monkeypatch.setattr(copy_join, "moov_reserve", lambda *args: 256)  # far too small for the index
    report = assemble([ClipIn(p, p.stem) for p in uniform], FilmSpec(W, H, review=False), tmp_path / "f.mp4")
    assert report.fast_path and probe.probe(report.path).frames == 48 and faststart(report.path)


@pytest.mark.parametrize("clip, message", [
    (ClipIn(Path("/nonexistent/x.mp4"), "ghost"), "shot 'ghost': clip /nonexistent/x.mp4 does not exist"),
    (None, "soundtrack /nonexistent/music.m4a does not exist"),
    (ClipIn(Path("A"), "late", trim=Trim(0.5, 2.0)), "shot 'late': trim `out` (2) is past the end of the 1 s clip"),
    (ClipIn(Path("A"), "early", trim=Trim(0.6, 0.4)), "shot 'early': trim `out` (0.4) must be after `in` (0.6)"),
    (ClipIn(Path("A"), "long", transition=Transition("crossfade", 1.5)),
     "shot 'long': a 1.5 s crossfade needs 36 frames but only 24 are free between it and shot 'first'"),
])
def test_bad_input_is_one_clear_error(clips, tmp_path: Path, clip: ClipIn, message: str) -> None:
    spec = FilmSpec(W, H)
    if clip is None:
        clip, spec = ClipIn(clips["a"], "a"), FilmSpec(W, H, soundtrack=Soundtrack(Path("/nonexistent/music.m4a")))
    elif clip.path == Path("A"):
        clip = ClipIn(clips["a"], clip.shot_id, trim=clip.trim,
                      transition=clip.transition)
    with pytest.raises(AssemblyError) as err:
        assemble([ClipIn(clips["a"], "first"), clip], spec, tmp_path / "bad.mp4")
    assert str(err.value) == message
    assert not list(tmp_path.glob("*.mp4"))


def test_sound_without_pictures_is_refused(clips, tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"^shot 'song': .*music.m4a has no video frames$"):
        assemble([ClipIn(clips["a"], "a"), ClipIn(clips["music"], "song")], FilmSpec(W, H), tmp_path / "out.mp4")


def test_not_a_video_names_the_file(clips, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(FfmpegError, match="junk.mp4"):
        assemble([ClipIn(clips["a"], "a"), ClipIn(junk, "junk")], FilmSpec(W, H), tmp_path / "out.mp4")


def test_a_mixed_films_sound_is_encoded_beside_the_picture_and_exactly_as_long(clips, tmp_path: Path) -> None:
    """A film whose sound is mixed (a crossfade, a soundtrack) has that sound encoded at its gain
    while the picture's pieces are made, and the mux copies it: the sound decodes to exactly the
    picture's length, sample for sample, at the film's loudness."""
    film = tmp_path / "mixed.mp4"
    report = assemble([ClipIn(clips["tone"], "one"), ClipIn(clips["other"], "two", transition=Transition("crossfade", 0.5))],
                      FilmSpec(W, H, soundtrack=Soundtrack(clips["music"], volume_db=-6), review=False), film)
    assert report.join == "smart" and report.loudness_normalised
    samples = runner.run(["-i", str(film), "-map", "0:a:0", "-f", "f32le", "-ac", "1", "-"], what="decode").stdout
    assert len(samples) // 4 == report.frames * 48000 // 24 == 36 * 2000
    text = _stderr(["-i", str(film), "-map", "0:a", "-af", "ebur128", "-f", "null", "-"])
    assert float(re.findall(r"I:\s+(-?[\d.]+) LUFS", text)[-1]) == pytest.approx(-16, abs=0.5)
