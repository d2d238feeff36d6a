"""A succeeded task's results into the store: its last frame first (handed on to the next shot at
once), then its video, verified to decode; a frame taken from the video when none came. And what
the task returned (seconds, tokens, seed), which the lock file records beside what was planned."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storyfilm.ark.client import ArkClient
from storyfilm.ark.types import Task
from storyfilm.errors import FfmpegError, ResultsGone, ResultsUnusable, StoryfilmError, TaskFailed, TransportFailed
from storyfilm.mediaio import annexb, frames, images, mp4box, probe
from storyfilm.rendering.store import Store

log = logging.getLogger(__name__)

VIDEO_TRIES = 3  # a video that does not decode is fetched again (the client already retried the transfer)
_PAID = ("the task is paid for: run again to download it again (free); should it never come whole, edit the "
         "shot to render it anew (paid)")
RESULTS_LAST = 24 * 3600.0  # seconds a task's result URLs answer (ark-api.md: media URLs last 24 h)


def gone_too_soon(exc: ResultsGone, shot: str, task_id: str, created: float) -> StoryfilmError | None:
    """A result URL that no longer answers (403, 404, 410) for a task created under RESULTS_LAST
    seconds ago has not expired: something else refuses it (a gateway whose files need a key, a
    network's proxy). Making the task again would fail alike and pay each time; the error that
    stops the shot instead (its task stays journaled: the next run downloads it), or None when
    the task is old enough for its results to be gone."""
    age = time.time() - created
    if age >= RESULTS_LAST:
        return None
    ago = f"{age / 60:.0f} min ago" if age >= 60 else "under a minute ago"
    return StoryfilmError(f"shot {shot!r}: task {task_id} succeeded, but {exc}, and it was created only "
                          f"{ago}: its results should be there, so it is not created again (it "
                          "is paid for). Check the network, or whether the service's result URLs need more than "
                          "a plain GET; `storyfilm film` run again downloads it.")


def returned(task: Task, seconds: float | None) -> dict[str, Any]:
    """What a succeeded task answered (ark-api.md §7: `duration` xor `frames`, `framespersecond`,
    `usage`, `seed`), and the seconds its clip really lasts (`seconds`, as decoded)."""
    return {"seconds": None if seconds is None else round(seconds, 3), "duration": task.duration,
            "frames": task.frames, "fps": task.framespersecond, "tokens": task.completion_tokens, "seed": task.seed}


async def store_results(client: ArkClient, store: Store, task: Task,
                        frame_ready: Callable[[Path, str], None]) -> tuple[str, str, float | None]:
    """The task's video and last frame, put into the store: their hashes, and the video's seconds."""
    if not task.video_url:
        raise TaskFailed(task.id, "succeeded", "NoVideo", "the task succeeded without a video_url")
    video, frame = store.scratch("video.mp4"), store.scratch("last_frame.png")
    frame_sha = None
    try:
        if task.last_frame_url:  # the frame first: the next shot can start while the video comes
            if await _frame_fetched(client, task, frame) and images.sniff(frame.read_bytes()[:64 * 1024]) is not None:
                frame_sha = await asyncio.to_thread(store.put, frame)
                frame_ready(store.path(frame_sha), frame_sha)
        seconds = await _fetch_video(client, task, video, have_frame=frame_sha is not None)
        if frame_sha is None:
            # no last frame from the service (or not an image): take the exact one from the video
            try:
                await asyncio.to_thread(frames.extract_last_frame, video, frame)
            except FfmpegError:
                raise ResultsUnusable(f"task {task.id}: its video does not decode (no last frame could be taken "
                                      f"from it); {_PAID}") from None
            frame_sha = await asyncio.to_thread(store.put, frame)
            frame_ready(store.path(frame_sha), frame_sha)
        return await asyncio.to_thread(store.put, video), frame_sha, seconds
    finally:
        video.unlink(missing_ok=True)
        frame.unlink(missing_ok=True)


async def _frame_fetched(client: ArkClient, task: Task, frame: Path) -> bool:
    """The service's last frame at `frame`; False when it cannot be had (gone, refused, never whole):
    the frame is then taken from the video, free, never by making the task again (paid)."""
    try:
        await _fetch(client, task.last_frame_url, frame)
    except (TransportFailed, ResultsGone) as exc:
        log.warning("task %s: its last frame could not be downloaded (%s); taking it from the video", task.id, exc)
        return False
    return True


async def _fetch_video(client: ArkClient, task: Task, video: Path, *, have_frame: bool) -> float | None:
    """The video at `video`, decoding; its seconds as its container says (None: not said)."""
    for _ in range(VIDEO_TRIES):
        try:
            await _fetch(client, task.video_url, video)
        except ResultsGone:
            if not have_frame:
                raise
            # its frame was handed on already: the task cannot simply be made again
            raise ResultsUnusable(f"task {task.id}: its video URL no longer answers; {_PAID}") from None
        except TransportFailed as exc:  # every retry of the transfer failed: this file's failure
            raise ResultsUnusable(f"task {task.id}: {exc}; {_PAID}") from None
        whole = await asyncio.to_thread(_whole_mp4, video)
        if whole is not None:  # an MP4: its boxes say whether it came whole (no ffmpeg run: 36 MB, 25 ms)
            if whole:
                return clip_seconds(video)
            continue
        try:
            info = await asyncio.to_thread(probe.probe, video, count_frames=False)
            if info.width:
                return clip_seconds(video, info)
        except FfmpegError:
            pass
    raise ResultsUnusable(f"task {task.id}: the downloaded video does not decode ({VIDEO_TRIES} tries); {_PAID}")


def _whole_mp4(video: Path) -> bool | None:
    """Whether an MP4's boxes describe a picture (frames and a size) and fill the file exactly (a
    download cut short where the server sent no length does not), and its H.264 frames are framed as
    a decoder reads them (a file zeroed where the service stores it is not); None: not an MP4 we can
    read."""
    track = mp4box.video_track(video)
    if track is None:
        # an MP4 whose boxes do not fill the file was cut short, even when its track cannot be read
        # here (a moov at the end, cut): ffmpeg would still open it and find a picture
        return False if _opens_as_mp4(video) and not mp4box.is_whole(video) else None
    return (bool(track.frames and track.width and track.height) and mp4box.is_whole(video)
            and annexb.framed(video) is not False)


def _opens_as_mp4(video: Path) -> bool:
    with video.open("rb") as f:
        return f.read(8)[4:] == b"ftyp"


def clip_seconds(video: Path, info: probe.MediaInfo | None = None) -> float | None:
    """How long a clip's picture lasts as a player shows it: its frames ÷ fps from the MP4 boxes (no
    decoding), else the container's duration (which an audio track may stretch)."""
    track = mp4box.video_track(video)
    if track is not None and track.edited:
        return _shown_seconds(video, track)
    if track is not None and track.frames and track.fps:
        return track.frames / track.fps
    try:
        info = info or probe.probe(video, count_frames=False)
    except FfmpegError:
        return None
    if track is not None and track.frames and info.fps:  # frames of differing lengths: ffmpeg's rate
        return track.frames / info.fps
    return info.duration or None


def _shown_seconds(video: Path, track: mp4box.VideoTrack) -> float | None:
    """A clip whose edit list hides frames (the boxes count them all): the frames a decoder shows ÷ fps."""
    try:
        info = probe.probe(video)  # decodes an edited track to count what it shows
    except FfmpegError:
        return None
    fps = track.fps or info.fps
    return info.frames / fps if info.frames and fps else info.duration or None


async def _fetch(client: ArkClient, url: str, dest: Path) -> None:
    try:
        await client.download(url, dest)
    except TransportFailed as exc:
        if exc.status in (403, 404, 410):
            raise ResultsGone(f"its result URL no longer answers ({exc}); media URLs last 24 h") from exc
        raise
