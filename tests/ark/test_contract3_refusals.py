"""A 400 InvalidParameter names its parameter in one of the ways ark-api.md §10 shows: `param`
(§10.1), the code's suffix (`InvalidParameter.{{Parameter}}`, §10.2), or only the message (the real
2.5 refusal "The parameter ratio specified in the request is not valid", §3.4). Read leniently: a
2.x refusal of the pinned seed in any of those forms is the refusal §12.6's fallback waits for."""

from __future__ import annotations

import pytest

from storyfilm.ark.refusals import names_parameter
from storyfilm.errors import ApiRefused


@pytest.mark.parametrize(("code", "param", "message", "of_seed"), [
    ("InvalidParameter", "seed", "The parameter `seed` specified in the request is not valid.", True),
    ("InvalidParameter.seed", "", "One or more parameters specified in the request are not valid.", True),
    ("InvalidParameter.Seed", "", "One or more parameters specified in the request are not valid.", True),
    ("InvalidParameter", "", "The parameter `seed` specified in the request is not valid: not supported.", True),
    ("InvalidParameter", "", "The parameter seed specified in the request is not valid.", True),
    ("InvalidParameter", "ratio", "The parameter `ratio` specified in the request is not valid.", False),
    ("InvalidParameter.TaskTypeConstraint", "ratio", "The parameter ratio specified ... seed.", False),
    ("InvalidParameter", "", "The parameter `seeds` specified in the request is not valid.", False),
    ("MissingParameter.seed", "seed", "The request failed because it is missing ... `seed`.", False),
])
def test_an_invalid_parameter_is_known_by_param_code_or_message(code, param, message, of_seed) -> None:
    assert names_parameter(ApiRefused(400, code, message, param), "seed") is of_seed
    assert names_parameter(ApiRefused(429, code, message, param), "seed") is False
