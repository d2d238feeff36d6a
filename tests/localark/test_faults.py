"""The fault spec: parsed exactly as the brief writes it, refused with one clear message otherwise."""

from __future__ import annotations

import pytest

from storyfilm.localark.faults import Dice, Faults, Rule
from storyfilm.errors import FaultSpecError


def test_the_documented_spec_parses_field_for_field() -> None:
    f = Faults.parse("429=0.1,5xx=0.05,drop=0.02,slow=0.1,fail=0.1,truncate=0.1,queue=0.2-0.5,run=1.0")
    assert f.rules == (Rule("429", 0.1), Rule("5xx", 0.05), Rule("drop", 0.02), Rule("slow", 0.1),
                       Rule("fail", 0.1), Rule("truncate", 0.1))
    assert (f.queue, f.run, f.delay, f.retry_after, f.seed) == ((0.2, 0.5), (1.0, 1.0), 2.0, None, None)


@pytest.mark.parametrize("rule, applies, not_to", [
    (Rule("429", 1), ("create", "get", "list", "delete"), ("download", "task")),
    (Rule("drop", 1), ("create", "get", "list", "delete"), ("download", "task")),
    (Rule("truncate", 1), ("download",), ("create", "get", "task")),
    (Rule("garble", 1), ("download",), ("create", "get", "task")),
    (Rule("fail", 1), ("task",), ("create", "download")),
    (Rule("nolast", 1), ("task",), ("get", "download")),
    (Rule("drop", 1, "download"), ("download",), ("create", "get")),
])
def test_each_kind_applies_to_its_operations(rule: Rule, applies: tuple, not_to: tuple) -> None:
    assert [rule.applies(rule.kind, op) for op in applies] == [True] * len(applies)
    assert [rule.applies(rule.kind, op) for op in not_to] == [False] * len(not_to)
    assert not rule.applies("5xx" if rule.kind != "5xx" else "429", applies[0])


def test_scoped_and_counted_rules() -> None:
    f = Faults.parse("drop@create=1#2, delay=0.25, retry_after=3, seed=7")
    assert f.rules == (Rule("drop", 1.0, "create", 2),) and f.delay == 0.25 and f.retry_after == 3 and f.seed == 7
    dice = Dice(f)
    assert [dice.hit("drop", "create") for _ in range(4)] == [True, True, False, False]
    assert not dice.hit("drop", "get")


def test_empty_spec_means_no_faults() -> None:
    assert Faults.parse("") == Faults.parse(None) == Faults.parse(" , ") == Faults()
    dice = Dice(Faults())
    assert not any(dice.hit(kind, op) for kind in ("429", "5xx", "drop", "slow") for op in ("create", "get"))


def test_seeded_dice_repeat_and_unseeded_dice_vary() -> None:
    def rolls(spec: str) -> list[bool]:
        dice = Dice(Faults.parse(spec))
        return [dice.hit("5xx", "get") for _ in range(64)]

    seeded = rolls("5xx=0.5,seed=11")
    assert seeded == rolls("5xx=0.5,seed=11") and 10 < sum(seeded) < 54  # the same coin, and a fair one
    assert seeded != rolls("5xx=0.5,seed=12")


@pytest.mark.parametrize("spec, message", [
    ("429=2", "'429=2': a probability is within [0, 1]"),
    ("boom=0.1", "'boom=0.1': unknown fault 'boom' (one of 429, 400, 401, 5xx, drop, crash, slow, fail, nolast, noseed, truncate, garble, queue, "
                 "run, delay, retry_after, lag, seed)"),
    ("drop@upload=1", "'drop@upload=1': unknown operation 'upload' (one of create, get, list, delete, download)"),
    ("delay=-1", "'delay=-1': seconds are never negative"),
    ("queue=0.5-0.2", "'queue=0.5-0.2': a range is a-b with 0 ≤ a ≤ b"),
    ("slow=x", "'slow=x': 'x' is not a number"),
    ("run@get=1", "'run@get=1': only 429, 400, 401, 5xx, drop, crash, slow, fail, nolast, noseed, truncate, garble take @op or #times"),
    ("429", "'429' is not kind[@op]=value[#times]"),
])
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as err:
        Faults.parse(spec)
    assert str(err.value) == "fault spec: " + message and err.value.exit_code == 2
