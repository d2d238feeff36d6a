"""A storyboard, its media, its shots' prompts and captions in Chinese, filmed in the C locale.
Under LC_ALL=C (or LANG unset) Python is in UTF-8 mode; with that mode off (PYTHONUTF8=0 and no
locale coercion, as some hosts run Python) reading `素材/第一帧.png` from the storyboard raised a
UnicodeEncodeError traceback before anything rendered. Either way the film is made end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import make_image
from storyfilm.mediaio import probe

STORY = """title: 咖啡广告
defaults: {resolution: 480p, duration: 2}
shots:
  - id: open
    prompt: 一杯热咖啡，蒸汽升起。
    first_frame: 素材/第一帧.png
  - id: close
    prompt: 镜头拉远，显示品牌标志。
    caption: 每一天，从一杯好咖啡开始
"""
C_LOCALE = {"LC_ALL": "C"}
NO_UTF8_MODE = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


@pytest.mark.parametrize("locale", [C_LOCALE, NO_UTF8_MODE], ids=["lc-all-c", "utf8-mode-off"])
def test_chinese_names_and_prompts_film_in_the_c_locale(locale: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "素材").mkdir()
    make_image(tmp_path / "素材" / "第一帧.png", 640, 360)
    (tmp_path / "广告.yaml").write_text(STORY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON", "ARK_"))} | locale
    done = subprocess.run([sys.executable, "-m", "storyfilm", "film", "广告.yaml", "-o", "成片/片子.mp4"],
                          cwd=tmp_path, env=env, capture_output=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, b"")
    assert "成片/片子.mp4" in done.stdout.decode("utf-8")
    film = tmp_path / "成片" / "片子.mp4"
    assert abs(probe.probe(film).duration - 4.0) < 0.1
    assert "每一天，从一杯好咖啡开始" in (tmp_path / "成片" / "片子.srt").read_text(encoding="utf-8")
    lock = json.loads((tmp_path / "广告.preview.lock.json").read_text(encoding="utf-8"))
    assert [shot["id"] for shot in lock["shots"]] == ["open", "close"]
