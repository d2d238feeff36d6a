"""YAML loading that remembers where every value came from, and refuses hostile YAML cheaply.

`load(text)` returns the plain data (anchors, aliases and merge keys resolved) and a
`Positions` map from a JSON path (a tuple of keys and indexes) to the 1-based line and column
of that value, and of each mapping key, so that any fault can point at the exact place to edit.

Before anything is built, one pass over the parser's events (streaming, no recursion, nothing
expanded) refuses a text over MAX_CHARS, nesting deeper than MAX_DEPTH, an alias inside the value
it names, and aliases that would expand the document past MAX_VALUES values (the "billion
laughs"): each at its line, in time and memory that do not grow with the expansion.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from storyfilm.errors import YamlSyntaxError
from storyfilm.seedance.media import MB

Path = tuple[str | int, ...]
MAX_CHARS = 2 * MB  # characters of text, in the MB every other limit is counted in (10^6)
MAX_DEPTH = 32
MAX_VALUES = 100_000
MAX_DIGITS = 20  # a longer whole number is no seed, duration or size, and Python refuses to read 4300 digits
INT, FLOAT, BOOL, STR = (f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "str"))
_OCTAL_1_1 = re.compile(r"[-+]?0[0-7_]+")
_OCTAL_1_2 = re.compile(r"[-+]?0o[0-7]+")
# YAML 1.2's exponent forms 1.1 reads as text: 1.1 wants a point in the number and a sign in the exponent
_EXPONENT_1_2 = re.compile(r"(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[eE](?P<exponent>[-+]?[0-9]+)")


@dataclass
class Positions:
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[tuple[Path, tuple[int, int]]] = field(default_factory=list)
    traps: dict[Path, str] = field(default_factory=dict)  # unquoted scalars YAML 1.1 reads unlike YAML 1.2

    def of(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Where `path` is; the nearest enclosing value when the path itself is absent."""
        table = self.keys if key and path in self.keys else self.values
        path = tuple(path)
        while path not in table and path:
            path = path[:-1]
            table = self.values
        return table.get(path, (1, 1))

    def hinted(self, path: Path, message: str) -> str:
        """A fault's message at `path`, with a hint when YAML 1.1 read its unquoted value unexpectedly."""
        return with_hint(message, self.traps.get(tuple(path), ""))


def _mark(node: yaml.Node | yaml.Event) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load(text: str) -> tuple[Any, Positions]:
    if len(text) > MAX_CHARS:
        raise YamlSyntaxError(1, 1, f"the storyboard is {len(text) / MB:.1f} MB of text; storyfilm reads "
                                    f"storyboards up to {MAX_CHARS // MB} MB")
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
    try:
        _check_shape(loader_class, text)
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None, Positions()
            positions = Positions()
            _walk(root, (), positions, set())  # before construction: it flattens merge keys in place
            data = loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _located(exc, text) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: it has a position, not a mark
        raise _bad_character(text, exc, in_bytes=loader_class is not yaml.SafeLoader) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, 1, f"invalid YAML: {exc}") from None
    return data, positions


def _located(exc: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if _indented_with_a_tab(text, line, col):  # YAML's own words ("cannot start any token") do not say it
        return YamlSyntaxError(line, col, "invalid YAML: a tab indents this line; YAML indents with spaces only")
    problem = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        where = f"line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
        problem = f"{problem} ({exc.context.removeprefix('while ')} started at {where})"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    return YamlSyntaxError(line, col, f"invalid YAML: {problem}")


def _indented_with_a_tab(text: str, line: int, col: int) -> bool:
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return False
    indent = lines[line - 1][:len(lines[line - 1]) - len(lines[line - 1].lstrip(" \t"))]
    return "\t" in indent and col <= len(indent) + 1


def _bad_character(text: str, exc: yaml.reader.ReaderError, *, in_bytes: bool) -> YamlSyntaxError:
    """libyaml counts the position in UTF-8 bytes, PyYAML's own reader in characters."""
    at = max(exc.position, 0)
    if in_bytes:
        at = len(text.encode("utf-8", "surrogatepass")[:at].decode("utf-8", "ignore"))
    at = min(at, len(text))
    lines = text[:at].splitlines(keepends=True)  # YAML's line breaks (\r too); none of the others comes first
    ended = bool(lines) and lines[-1] != lines[-1].rstrip("\r\n\x85\u2028\u2029")
    line, col = (len(lines) + 1, 1) if ended or not lines else (len(lines), len(lines[-1]) + 1)
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return YamlSyntaxError(line, col, f"invalid YAML: the control character U+{code:04X} is not allowed in YAML; "
                                      f"remove it (inside double quotes it may be written \\u{code:04x})")


def _check_shape(loader_class: type, text: str) -> None:
    """Depth, recursive aliases and the expanded size, from the event stream alone. Each open
    collection counts the values it holds; an alias adds the size its anchor's value had."""
    sizes: dict[str, int] = {}  # anchor → values in its (expanded) node
    open_: list[list[Any]] = []  # per open collection: [anchor, values so far]
    total = 0
    loader = loader_class(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(open_) >= MAX_DEPTH:
                    raise YamlSyntaxError(*_mark(event), f"the storyboard nests deeper than {MAX_DEPTH} levels")
                open_.append([event.anchor, 1])
                grown = 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, count = open_.pop()
                if anchor is not None:
                    sizes[anchor] = count
                if open_:
                    open_[-1][1] += count
                continue
            elif isinstance(event, yaml.AliasEvent):
                if any(frame[0] == event.anchor for frame in open_):
                    raise YamlSyntaxError(*_mark(event), f"the alias *{event.anchor} is inside the value it names "
                                                         f"(a recursive alias)")
                grown = sizes.get(event.anchor, 1)
                if total + grown > MAX_VALUES:
                    raise YamlSyntaxError(*_mark(event), f"the alias *{event.anchor} expands the storyboard past "
                                                         f"{MAX_VALUES} values; storyfilm refuses YAML that grows "
                                                         f"this way")
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                grown = 1
            else:
                continue
            total += grown
            if total > MAX_VALUES:
                raise YamlSyntaxError(*_mark(event), f"the storyboard holds more than {MAX_VALUES} values")
            if open_ and not isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                open_[-1][1] += grown
    finally:
        loader.dispose()


def _walk(node: yaml.Node, path: Path, pos: Positions, seen: set[int]) -> None:
    pos.values.setdefault(path, _mark(node))
    if isinstance(node, yaml.ScalarNode):
        if node.tag == INT and len(node.value.replace("_", "")) > MAX_DIGITS:
            raise YamlSyntaxError(*_mark(node), f"{node.value[:MAX_DIGITS]}… is too large a number "
                                                f"({len(node.value)} characters); storyfilm reads whole numbers "
                                                f"of up to {MAX_DIGITS} digits")
        trap = _trap(node)
        if trap:
            pos.traps.setdefault(path, trap)
        return
    if id(node) in seen:  # an alias of a node already walked: keep the first place
        return
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        keys_here: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *base`: its keys are the anchor's, reported where they are written
            if isinstance(key_node, yaml.ScalarNode):
                key_node.tag = STR  # keys are names: `1:` or `~:` is the unknown key "1" or "~", never a number
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


def _trap(node: yaml.ScalarNode) -> str:
    """A hint for an unquoted scalar that YAML 1.1 (PyYAML) reads other than a reader expects."""
    if node.style:  # quoted or a block scalar: read as written
        return ""
    raw, tag = node.value, node.tag
    if tag in (INT, FLOAT) and ":" in raw:
        return f"YAML 1.1 reads an unquoted {raw} as a base-60 number: quote it, \"{raw}\""
    if tag == BOOL and raw.lower() not in ("true", "false"):
        value = "true" if raw.lower() in ("yes", "on") else "false"
        return f"YAML 1.1 reads an unquoted {raw} as {value}: quote it, \"{raw}\""
    if tag == INT and _OCTAL_1_1.fullmatch(raw):
        return f"YAML 1.1 reads {raw} as an octal number: drop the leading 0, or quote it, \"{raw}\""
    if tag == STR and _OCTAL_1_2.fullmatch(raw):
        return f"YAML 1.1 reads {raw} as text: write the number in decimal, or quote it if text is meant"
    exponent = _EXPONENT_1_2.fullmatch(raw) if tag == STR else None
    if exponent:
        number, power = exponent["number"], exponent["exponent"]
        written = f"{number if '.' in number else number + '.0'}e{power if power[0] in '+-' else '+' + power}"
        plain = format(decimal.Decimal(raw), "f")
        plain = plain.rstrip("0").rstrip(".") if "." in plain else plain
        also = f", or plain {plain}" if len(plain) <= 12 else ""
        return f"YAML 1.1 reads {raw} as text: write {written}{also}"
    return ""


def with_hint(message: str, hint: str) -> str:
    """`message` with `hint` inside its closing parenthesis, or after it."""
    if not hint:
        return message
    if message.endswith(")"):
        return f"{message[:-1]}; {hint})"
    return f"{message} ({hint})"
