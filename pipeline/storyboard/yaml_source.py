"""YAML loading that remembers where every value came from.

`load(text)` returns the plain data (anchors, aliases and merge keys resolved) and a
`Positions` map from a JSON path (a tuple of keys and indexes) to the 1-based line and column
of that value, and of each mapping key, so that any fault can point at the exact place to edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from storyfilm.errors import YamlSyntaxError

Path = tuple[str | int, ...]


@dataclass
class Positions:
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[tuple[Path, tuple[int, int]]] = field(default_factory=list)

    def of(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Where `path` is; the nearest enclosing value when the path itself is absent."""
        table = self.keys if key and path in self.keys else self.values
        path = tuple(path)
        while path not in table and path:
            path = path[:-1]
            table = self.values
        return table.get(path, (1, 1))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load(text: str) -> tuple[Any, Positions]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when the wheel has it
    try:
        root = loader.get_single_node()
        if root is None:
            return None, Positions()
        positions = Positions()
        _walk(root, (), positions, set())  # before construction: it flattens merge keys in place
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            where = f"line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
            problem = f"{problem} ({exc.context.removeprefix('while ')} started at {where})"
        elif exc.context:
            problem = f"{problem} ({exc.context})"
        raise YamlSyntaxError(line, col, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, 1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, positions


def _walk(node: yaml.Node, path: Path, pos: Positions, seen: set[int]) -> None:
    pos.values.setdefault(path, _mark(node))
    if id(node) in seen:  # an alias of a node already walked: keep the first place
        return
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        keys_here: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base`: its keys are the anchor's, reported where they are written
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = path + (key,)
            if key in keys_here:
                pos.duplicates.append((child, _mark(key_node)))
            keys_here.add(key)
            pos.keys.setdefault(child, _mark(key_node))
            _walk(value_node, child, pos, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), pos, seen)
