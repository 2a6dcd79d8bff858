"""The stand-ins' own JSON writer prints what `json.dumps` prints.

The stand-ins skip importing json (it costs as much as the rest of a call, and the suite
makes thousands); what they print must still be byte for byte what the real tools' JSON
libraries would give for the same values, or the collector is tested against a format no
tool prints.
"""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
WRITERS = {
    str(path.relative_to(ROOT)): runpy.run_path(str(path), run_name="standin")["dumps"]
    for path in (
        ROOT / "fixtures" / "bin" / "zjj",
        ROOT / "fixtures" / "bin" / "swarm",
        ROOT / "tests" / "standins_independent" / "bin" / "zjj",
        ROOT / "tests" / "standins_independent" / "bin" / "swarm",
    )
}
SEPARATORS = [(",", ":"), (", ", ": ")]

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize("separators", SEPARATORS)
@pytest.mark.parametrize("script", sorted(WRITERS))
@given(value=values)
def test_the_writer_prints_what_json_dumps_prints(script, separators, value):
    assert WRITERS[script](value, separators=separators) == json.dumps(value, separators=separators)


@pytest.mark.parametrize("script", sorted(WRITERS))
def test_the_writer_defaults_and_edges(script):
    dumps = WRITERS[script]
    for value in [
        {"a": [1, 2.5, None, True, False], "b": {}},
        [math.nan, math.inf, -math.inf, 1e300, -0.0, 10**30],
        'quote " backslash \\ newline \n tab \t é 😀 \x00',
        (1, "tuple"),
    ]:
        assert dumps(value) == json.dumps(value)
    with pytest.raises(TypeError):
        dumps({1, 2})
