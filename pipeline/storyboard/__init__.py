"""PURE. The storyboard language: YAML with positions → JSON Schema → meaning → `Storyboard`."""

from storyfilm.storyboard.build import Resolver, parse
from storyfilm.storyboard.model import Shot, Soundtrack, Storyboard, Transition, pinned_seed

__all__ = ["Resolver", "Shot", "Storyboard", "Soundtrack", "Transition", "parse", "pinned_seed"]
