"""The local server's clip for one request and seed is the same bytes, however busy the machine."""

from __future__ import annotations

from pathlib import Path

from helpers import make_image, under_load

RENDER = """
import asyncio, base64, hashlib, sys
from pathlib import Path
from storyfilm.localark import checks, preview
image, out = Path(sys.argv[1]), Path(sys.argv[2])
url = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
body = {"model": "doubao-seedance-1-0-pro-250528", "seed": 4242, "resolution": "480p", "ratio": "16:9",
        "frames": 29, "return_last_frame": True, "watermark": True,
        "content": [{"type": "text", "text": "A lantern drifts across the harbour"},
                    {"type": "image_url", "image_url": {"url": url}, "role": "first_frame"}]}
spec = asyncio.run(checks.parse(body))
preview.render_task(spec, out, out.with_suffix(".png"))
print(hashlib.sha256(out.read_bytes()).hexdigest(), hashlib.sha256(out.with_suffix(".png").read_bytes()).hexdigest())
"""


def test_one_request_renders_the_same_bytes_under_contention(tmp_path: Path) -> None:
    image = make_image(tmp_path / "first.png", 640, 400)
    # three renders and one burner on this 2-core machine: every core oversubscribed, in a test's budget
    outputs = under_load(RENDER, [[str(image), str(tmp_path / f"clip{n}.mp4")] for n in range(3)], burners=1)
    assert len(set(outputs)) == 1, outputs
