"""PURE. The storyboard language: YAML with positions → JSON Schema → meaning → `Storyboard`."""

from storyfilm.storyboard.build import Shot, Storyboard, Transition, load, pinned_seed

__all__ = ["Shot", "Storyboard", "Transition", "load", "pinned_seed"]
