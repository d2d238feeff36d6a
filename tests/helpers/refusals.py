"""Bad input refused up front: exit 2, one line, nothing spent, nothing written."""

from __future__ import annotations

from pathlib import Path

from storyfilm.localark.embedded import LocalServer

from .storyboards import TWO_SHOTS


def assert_refused_up_front(argv: list[str], folder: Path, server: LocalServer, capsys, expected: str,
                            secrets: tuple[str, ...] = ()) -> None:
    """`storyfilm ARGV` (in this process) refused as bad input: exit 2, `expected` as the one line on
    stderr and nothing on stdout, no secret shown, not one request to `server`, and nothing written
    in `folder` beside what it held."""
    from storyfilm import cli

    held = sorted(p.name for p in folder.iterdir())
    before = sum(server.ark.stats.values())
    try:
        status = cli.main(argv)
    except SystemExit as exit_:  # argparse's errors leave through SystemExit, as a process exit
        status = exit_.code
    captured = capsys.readouterr()
    assert (status, captured.out, captured.err) == (2, "", expected + "\n")
    assert not [s for s in secrets if s in captured.err]
    assert sum(server.ark.stats.values()) == before  # not one request
    assert sorted(p.name for p in folder.iterdir()) == held  # no journal, store, film or lock file


def assert_case_refused(case, folder: Path, server: LocalServer, monkeypatch, capsys, *, key: str,
                        secrets: tuple[str, ...]) -> None:
    """One hostile case, (command line, environment, the one line expected), against the storyboard
    TWO_SHOTS as `folder`/two.yaml, run in `folder` with `key` and `server` in the environment and
    the case's on top: refused up front (assert_refused_up_front). {story}, {dir} and {userinfo_url}
    (the server's URL with a user name and password in it) are filled in where the case has them."""
    argv, env, expected = case
    story = folder / "two.yaml"
    story.write_text(TWO_SHOTS, encoding="utf-8")
    monkeypatch.chdir(folder)  # a film that went ahead would land in build/ here
    monkeypatch.setenv("ARK_API_KEY", key)
    monkeypatch.setenv("ARK_BASE_URL", server.base_url)
    fill = {"story": str(story), "dir": str(folder),
            "userinfo_url": server.base_url.replace("://", "://storyfilm:pa55word@")}
    for variable, value in env.items():
        monkeypatch.setenv(variable, value.format(**fill))
    assert_refused_up_front([arg.format(**fill) for arg in argv], folder, server, capsys, expected.format(**fill),
                            secrets=secrets)
