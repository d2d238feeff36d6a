"""The fault spec: parsed exactly as the brief writes it, refused with one clear message otherwise."""

from __future__ import annotations

import pytest

from storyfilm.localark.faults import Dice, Faults, Rule
from storyfilm.errors import FaultSpecError


def test_the_documented_spec_parses_field_for_field() -> None:
    f = Faults.parse("429=0.1,5xx=0.05,drop=0.02,slow=0.1,fail=0.1,truncate=0.1,queue=0.2-0.5,run=1.0")
    assert f.rules == (Rule("429", 0.1), Rule("5xx", 0.05), Rule("drop", 0.02), Rule("slow", 0.1),
                       Rule("fail", 0.1), Rule("truncate", 0.1))
    assert f.queue == (0.2, 0.5) and f.run == (1.0, 1.0)
    assert f.probability("429", "get") == 0.1 and f.probability("429", "download") == 0.0
    assert f.probability("truncate", "download") == 0.1 and f.probability("fail", "task") == 0.1
    assert Faults.parse(str(f)) == f


def test_scoped_and_counted_rules() -> None:
    f = Faults.parse("drop@create=1#2, delay=0.25, retry_after=3, seed=7")
    assert f.rules == (Rule("drop", 1.0, "create", 2),) and f.delay == 0.25 and f.retry_after == 3 and f.seed == 7
    dice = Dice(f)
    assert [dice.hit("drop", "create") for _ in range(4)] == [True, True, False, False]
    assert not dice.hit("drop", "get")


def test_empty_spec_means_no_faults() -> None:
    assert not Faults.parse("") and not Faults.parse(None) and Faults.parse("") == Faults()


def test_seeded_dice_repeat() -> None:
    rolls = [[Dice(Faults.parse("5xx=0.5,seed=11")).hit("5xx", "get") for _ in range(1)] for _ in range(2)]
    a, b = Dice(Faults.parse("5xx=0.5,seed=11")), Dice(Faults.parse("5xx=0.5,seed=11"))
    assert [a.hit("5xx", "get") for _ in range(50)] == [b.hit("5xx", "get") for _ in range(50)]
    assert rolls[0] == rolls[1]


@pytest.mark.parametrize("spec, message", [
    ("429=2", "'429=2': a probability is within [0, 1]"),
    ("boom=0.1", "'boom=0.1': unknown fault 'boom'"),
    ("drop@upload=1", "'drop@upload=1': unknown operation 'upload'"),
    ("queue=0.5-0.2", "'queue=0.5-0.2': a range is a-b with 0 ≤ a ≤ b"),
    ("slow=x", "'slow=x': 'x' is not a number"),
    ("run@get=1", "'run@get=1': only 429, 5xx, drop, slow, fail, nolast, truncate take @op or #times"),
    ("429", "'429' is not kind[@op]=value[#times]"),
])
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as err:
        Faults.parse(spec)
    assert message in str(err.value) and err.value.exit_code == 2
