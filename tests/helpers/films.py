"""A storyboard rendered in this process against a local server."""

from __future__ import annotations

from pathlib import Path

from storyfilm.localark.embedded import LocalServer


def render_story(story: Path, server: LocalServer, *, settings=None, **options):
    """Render a storyboard in-process against `server` (film.run), its progress kept in `.log`;
    `settings` (storyfilm.settings.Settings) as the environment would give them (default: none set)."""
    import io

    from storyfilm import film
    from storyfilm.settings import Settings

    log = io.StringIO()
    options.setdefault("store", story.parent / ".storyfilm")
    options.setdefault("output", story.parent / f"{story.stem}.mp4")
    options.setdefault("poll_interval", 0.05)
    outcome = film.run(story, settings or Settings(), film.FilmOptions(base_url=server.base_url, **options), out=log)
    outcome.log = log.getvalue()
    return outcome
