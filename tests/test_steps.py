"""The Step mechanism: JSON conversion and per-item error outcomes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from pathlib import Path

import numpy as np
import pytest

from kit.errors import CorruptMedia
from kit.steps import Step, run_step, to_jsonable


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Result:
    n: np.int32
    values: np.ndarray
    when: dt.datetime
    colour: Colour
    raw: bytes
    where: Path


def test_to_jsonable_converts_nested_results():
    r = Result(np.int32(4), np.array([[1, 2], [3, 4]], dtype=np.uint8),
               dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.timezone.utc), Colour.RED, b"\x01\xff",
               Path("a/b.jpg"))
    assert to_jsonable(r) == {"n": 4, "values": [[1, 2], [3, 4]], "when": "2024-01-02T03:04:00+00:00",
                              "colour": "red", "raw": "01ff", "where": "a/b.jpg"}
    assert to_jsonable({"x": {np.float64("inf"), }}) == {"x": [None]}


def _corrupt(path: Path):
    raise CorruptMedia(f"{path.name}: bad huffman table", path=path)


@pytest.mark.parametrize(
    "func, status, error",
    [
        pytest.param(lambda p: {"ok": 1}, "ok", None, id="dict"),
        pytest.param(lambda p: 7, "ok", None, id="scalar-wrapped"),
        pytest.param(_corrupt, "error", "s: CorruptMedia: x.jpg: bad huffman table", id="kit-error"),
        pytest.param(lambda p: [][1], "error", "s: IndexError: list index out of range", id="bug"),
    ],
)
def test_run_step_outcomes(func, status, error):
    out = run_step(Step("s", "1", func), Path("x.jpg"))
    assert out.status == status and out.error == error and out.seconds >= 0
    if status == "ok":
        assert isinstance(out.payload, dict)


def test_step_kinds():
    step = Step("s", "1", lambda p: 1, kinds=("video",))
    assert step.applies_to("video") and not step.applies_to("image")
