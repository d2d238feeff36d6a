"""Headless Chromium for the review-page tests: no driver package, only the browser's own
command line. A harness page loads the review page in a frame, acts on it, and writes what it
saw into its own DOM, which `--dump-dom` prints once the page's virtual time has run out."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

INSTALL = "apt-get install -y chromium"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def _flags(profile: Path) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
            "--allow-file-access-from-files", f"--user-data-dir={profile}", "--hide-scrollbars"]


def run_harness(chromium: str, page: Path, script: str, work: Path, *, budget_ms: int = 20_000) -> dict:
    """Load `page` in a frame of a harness whose `script` (an async function body with `doc`, the
    page's document, in scope) returns a JSON-ready value; that value."""
    harness = work / "harness.html"
    harness.write_text(f"""<!doctype html><meta charset="utf-8"><body>
<iframe id="frame" src="{page.as_uri()}" width="1280" height="900"></iframe>
<pre id="result"></pre>
<script>
const put = (v) => {{ document.getElementById('result').textContent = JSON.stringify(v); }};
document.getElementById('frame').onload = async () => {{
  try {{ const doc = document.getElementById('frame').contentDocument; put(await (async () => {{ {script} }})()); }}
  catch (e) {{ put({{error: String(e)}}); }}
}};
</script>""", encoding="utf-8")
    done = subprocess.run([chromium, *_flags(work / "profile"), f"--virtual-time-budget={budget_ms}",
                           "--dump-dom", harness.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="result">(.+?)</pre>', done.stdout, re.S)
    assert found, f"the harness reported nothing:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(found[1].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def screenshot(chromium: str, page: Path, png: Path, work: Path, *, size: str = "1280,1500") -> Path:
    subprocess.run([chromium, *_flags(work / "profile-shot"), "--virtual-time-budget=5000", f"--window-size={size}",
                    f"--screenshot={png}", page.as_uri()], capture_output=True, timeout=120, check=True)
    return png
