"""PURE. The storyboard language: a storyboard's text → a validated `Storyboard`, or every fault
at its FILE:LINE:COL. Reads no file: the rim (`storyfilm.mediaio.inputs.load_storyboard`) reads
the text and passes in the function that resolves the media it names.

    yaml_source   YAML → plain data, and the line and column of every key and value; hostile YAML refused
    schema        JSON Schema faults (storyboard.schema.json, shipped here), in words people fix
    salvage       what the meaning pass can still read beside the schema's faults (one pass, all problems)
    build         the meaning pass: defaults, media, continuity, transitions → `parse(text, path, resolve)`
    capabilities  what a shot asks of its model, checked against the Seedance table
    model         the values: Storyboard, Shot, Transition, Trim, Soundtrack, Assembly; `pinned_seed`
"""

from storyfilm.storyboard.build import Resolver, parse
from storyfilm.storyboard.model import Shot, Soundtrack, Storyboard, Transition, pinned_seed

__all__ = ["Resolver", "Shot", "Storyboard", "Soundtrack", "Transition", "parse", "pinned_seed"]
