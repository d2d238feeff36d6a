"""The one H.264 encoding every storyfilm-made picture uses: the local server's preview clips and
the pieces the smart join encodes.

A join copies a clip's frames only when its parameter sets (avcC) equal those of the join's own
encodes, so both sides must ask x264 for the same thing: then a preview film is joined by copy,
with no clip normalised. Keyframe every second, no B-frames, no scene cuts (a join may cut at any
second), one thread (the same bytes on every machine), fixed BT.709 tags. rc-lookahead=0 keeps each
encoder near 90 MB and leaves the parameter sets unchanged.
"""

from __future__ import annotations

X264_SINGLE = "threads=1:lookahead-threads=1:sliced-threads=0"
COLOUR = {"color_primaries": "bt709", "color_trc": "bt709", "colorspace": "bt709", "color_range": "tv"}


def video_options(fps: int) -> dict:
    """ffmpeg(-python) output options for the picture at `fps` frames per second."""
    return {"c:v": "libx264", "preset": "veryfast", "crf": 18, "pix_fmt": "yuv420p", "threads": 1, **COLOUR,
            "x264-params": f"keyint={fps}:min-keyint={fps}:scenecut=0:bframes=0:rc-lookahead=0:{X264_SINGLE}"}
