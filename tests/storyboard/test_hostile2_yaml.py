"""A storyboard indented with a tab (an editor's default) is told as that, at the tab."""

from __future__ import annotations

import pytest

from storyfilm.errors import YamlSyntaxError
from storyfilm.storyboard import yaml_source


@pytest.mark.parametrize("text, line", [
    ("title: x\nshots:\n\t- id: a\n", 3),  # was "found character that cannot start any token"
    ("title: x\nshots:\n  - id: a\n\t  prompt: A.\n", 4),
])
def test_a_tab_indent_is_named(text: str, line: int) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        yaml_source.load(text)
    assert (caught.value.line, caught.value.col, caught.value.message) == (
        line, 1, "invalid YAML: a tab indents this line; YAML indents with spaces only")


def test_a_tab_inside_a_value_is_still_text() -> None:
    data, _ = yaml_source.load('title: x\nshots:\n  - id: a\n    prompt: "A\tB"\n')
    assert data["shots"][0]["prompt"] == "A\tB"
