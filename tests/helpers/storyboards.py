"""Storyboards the tests write: chains of shots, one shot with its job and body, shots through a
gateway, two shots to refuse."""

from __future__ import annotations

from pathlib import Path


def kite_chain(title: str) -> str:
    """Two 1.0 pro shots of 29 frames at 480p, the second from the first's last frame."""
    return (f"title: {title}\n"
            'defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", frames: 29}\n'
            "shots:\n"
            '  - {id: one, prompt: "A kite rises over a beach."}\n'
            '  - {id: two, prompt: "The kite lands in the sand."}\n')


def chains_story(path: Path, title: str, chains: int, length: int) -> tuple[Path, list[str]]:
    lines = [f"title: {title}\n",
             'defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, ratio: "16:9", duration: 2}\n',
             "shots:\n"]
    ids = []
    for c in range(chains):
        for s in range(length):
            shot = f"c{c}s{s}"
            ids.append(shot)
            cut = ", cut: true" if s == 0 else ""
            lines.append(f"  - {{id: {shot}, prompt: \"Chain {c}, shot {s}: a lantern moves.\"{cut}}}\n")
    path.write_text("".join(lines))
    return path, ids


def one_shot(path: Path, title: str, shot: str, prompt: str):
    """A one-shot 1.0 pro storyboard (480p, 2 s) written to `path`: its plan graph, the shot's job
    and the create body a render would send for it (to a service with a task list: marked)."""
    from storyfilm import planning
    from storyfilm.mediaio.inputs import data_url, load_storyboard
    from storyfilm.seedance import request_mark

    path.write_text(f"title: {title}\n"
                    "defaults: {model: doubao-seedance-1-0-pro-250528, resolution: 480p, duration: 2}\n"
                    f"shots:\n  - id: {shot}\n    prompt: {prompt}\n")
    graph = planning.compile_plan(load_storyboard(path))
    job = planning.jobs(graph)[0]
    return graph, job, request_mark.marked(job.request(None, data_url))


CAT = "A cat stretches on a sunny windowsill."


def gateway_story(path: Path, title: str, gateway: str = "videos-gateway", shots=(("cat", CAT),)) -> Path:
    """A storyboard of Seedance 2.0 fast shots (480p, 4 s), `shots` as (id, prompt), that goes through
    `gateway`, written to `path`."""
    lines = [f"title: {title}", f"gateway: {gateway}",
             "defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4}", "shots:"]
    for shot, prompt in shots:
        lines += [f"  - id: {shot}", f"    prompt: {prompt}"]
    path.write_text("\n".join(lines) + "\n")
    return path


TWO_SHOTS = "title: Two\nshots:\n  - id: one\n    prompt: A.\n  - id: two\n    prompt: B.\n"


# a, b and c need no frame from another shot; d starts from c's last frame, so its create would come
# only after c is stored (tests of a film that stops creating: d never is)
FOUR_SHOTS = """\
title: drain
defaults: {model: doubao-seedance-2-0-fast, resolution: 480p, duration: 4}
shots:
  - {id: a, prompt: A cat stretches on a sunny windowsill.}
  - {id: b, prompt: A dog runs along a beach., cut: true}
  - {id: c, prompt: A kite rises over a field., cut: true}
  - {id: d, prompt: The kite dives into the grass.}
"""
