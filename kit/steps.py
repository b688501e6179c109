"""The Step: one analysis that turns a stored media file into a stored result.

A :class:`Step` names an analysis (``name``), says which output it produces
(``version``: bump it when the output changes, and the case recomputes), and
wraps a plain function ``func(path) -> result``. ``Case.run(step)`` computes
what is missing for (sha256, name, version), stores the result as JSON, logs
the run in the custody chain and returns a DataFrame. No analysis module
writes its own caching or storage.

Examples
--------
>>> from kit.steps import Step, run_step
>>> step = Step("demo.size", "1", lambda p: {"n": len(p.name)}, kinds=("other",))
>>> out = run_step(step, "abc.txt")
>>> out.status, out.payload
('ok', {'n': 7})
>>> bad = run_step(Step("demo.fail", "1", lambda p: 1 / 0), "x")
>>> bad.status, bad.error
('error', 'demo.fail: ZeroDivisionError: division by zero')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import numpy as np

__all__ = ["Step", "StepOutcome", "run_step", "to_jsonable"]


@dataclass(frozen=True)
class Step:
    """An analysis step the case can run incrementally.

    Parameters
    ----------
    name
        Stable identifier, dotted by capability (``"metadata"``, ``"hash.pdq"``).
    version
        Output version; results are keyed by (sha256, name, version).
    func
        ``func(path) -> result``: the plain function; gets the evidence path.
    kinds
        Media kinds (``"image"``, ``"video"``, ``"other"``) the step applies to.
    encode
        Turns the result into a JSON-able dict; default :func:`to_jsonable`
        (dataclasses become dicts).
    tool
        Tool name and version for the custody log (``"exifread 3.5.1"``).
    isolate
        Run ``func`` in a sandboxed worker process (decoder crashes and hangs
        become error rows). ``func`` must then be importable (top level).
    timeout
        Seconds per item when isolated.
    """

    name: str
    version: str
    func: Callable[[Path], Any]
    kinds: tuple[str, ...] = ("image", "video")
    encode: Callable[[Any], Mapping[str, Any]] | None = None
    tool: str = ""
    isolate: bool = False
    timeout: float = 60.0
    description: str = ""

    def applies_to(self, kind: str) -> bool:
        """True when the step runs on media of this kind."""
        return kind in self.kinds


@dataclass(frozen=True)
class StepOutcome:
    """One item's result: ``status`` is ``"ok"`` or ``"error"``."""

    status: str
    payload: dict[str, Any] | None
    error: str | None
    seconds: float


def to_jsonable(value: Any) -> Any:
    """Convert results (dataclasses, numpy, datetimes, paths, bytes) to JSON types.

    Examples
    --------
    >>> import numpy as np, datetime as dt
    >>> to_jsonable({"a": np.int64(3), "b": (1.5, float("nan")), "t": dt.date(2024, 1, 2)})
    {'a': 3, 'b': [1.5, None], 't': '2024-01-02'}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Iterable):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "__str__"):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _describe(step: Step, exc: BaseException) -> str:
    return f"{step.name}: {type(exc).__name__}: {exc}"


def run_step(step: Step, path: str | Path, *, sandbox: Any = None) -> StepOutcome:
    """Run ``step`` on one file; never raises for a bad item (error outcome instead).

    Parameters
    ----------
    step
        The step to run.
    path
        The file (an evidence path when called by the case).
    sandbox
        A :class:`kit.sandbox.Sandbox` to run isolated steps in; one is
        created for the call when the step is isolated and none is given.
    """
    start = time.perf_counter()
    try:
        if step.isolate:
            from kit.sandbox import Sandbox

            if sandbox is None:
                with Sandbox() as sb:
                    result = sb.call(step.func, Path(path), timeout=step.timeout)
            else:
                result = sandbox.call(step.func, Path(path), timeout=step.timeout)
        else:
            result = step.func(Path(path))
        # an encoder's output may still hold numpy values; to_jsonable's own output is final
        payload = to_jsonable(step.encode(result)) if step.encode else to_jsonable(result)
        if not isinstance(payload, dict):
            payload = {"value": payload}
        return StepOutcome("ok", payload, None, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
        # name the file, not where it lies on this machine (errors end up in reports)
        message = _describe(step, exc).replace(str(Path(path).parent) + "/", "")
        return StepOutcome("error", None, message, time.perf_counter() - start)
