"""One explicit registry of detectors; third parties register through an entry point.

Built-in detectors are listed here by import path and imported on first use,
so ``import kit.detectors`` stays light. A package adds a detector with an
entry point in the group ``dfkit.detectors`` whose value is a
:class:`~kit.detectors.base.Detector` subclass, an instance, or a zero-argument
factory returning one::

    [project.entry-points."dfkit.detectors"]
    mydet = "mypkg.detect:MyDetector"

Examples
--------
>>> from kit.detectors.registry import detector_names, get_detector
>>> "ela" in detector_names()
True
>>> get_detector("ela").kind
'image'
>>> detector_step("ela").name
'detector.ela'
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kit.detectors.base import Detector, DetectorError, DetectorResult, result_payload

__all__ = [
    "ENTRY_POINT_GROUP",
    "BUILTIN",
    "register",
    "unregister",
    "detector_names",
    "get_detector",
    "list_detectors",
    "detector_step",
    "scores_table",
]

ENTRY_POINT_GROUP = "dfkit.detectors"

BUILTIN: dict[str, str] = {
    "ela": "kit.detectors.ela:ElaDetector",
    "noise": "kit.detectors.noise:NoiseDetector",
    "jpeg": "kit.detectors.jpeg:JpegDetector",
    "dq": "kit.detectors.dq:DoubleQuantDetector",
    "splice": "kit.detectors.splice:SpliceDetector",
    "ghost": "kit.detectors.ghost:GhostDetector",
    "copymove": "kit.detectors.copymove:CopyMoveDetector",
    "spectral": "kit.detectors.spectral:SpectralDetector",
    "faces": "kit.detectors.faces:FaceDetector",
    "provenance": "kit.detectors.provenance:ProvenanceDetector",
    "watermark": "kit.detectors.watermark:WatermarkDetector",
    "video": "kit.detectors.video:VideoDetector",
    "residual": "kit.detectors.residual:ResidualDetector",
}

_REGISTERED: dict[str, Any] = {}
_ENTRY_POINTS: dict[str, Any] | None = None
_ENTRY_ERRORS: dict[str, str] = {}


def register(obj: Any, *, name: str | None = None, replace: bool = False) -> Any:
    """Register a detector class, instance or factory under its ``name``.

    Usable as a class decorator. Raises :class:`DetectorError` on a clash
    unless ``replace=True``.
    """
    key = name or getattr(obj, "name", "")
    if not key:
        raise DetectorError(f"{obj!r} has no name to register under")
    if not replace and (key in _REGISTERED or key in BUILTIN):
        raise DetectorError(f"a detector named {key!r} is already registered")
    _REGISTERED[key] = obj
    return obj


def unregister(name: str) -> None:
    """Remove a detector registered with :func:`register` (built-ins stay)."""
    _REGISTERED.pop(name, None)


def _entry_points() -> dict[str, Any]:
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        from importlib.metadata import entry_points

        _ENTRY_POINTS = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return _ENTRY_POINTS


def detector_names(*, entry_points: bool = True) -> list[str]:
    """Names of all detectors: built-in, registered, and (optionally) entry points."""
    names = dict.fromkeys([*BUILTIN, *_REGISTERED])
    if entry_points:
        names.update(dict.fromkeys(_entry_points()))
    return list(names)


def _instantiate(obj: Any, kwargs: Mapping[str, Any]) -> Detector:
    if isinstance(obj, Detector):
        if kwargs:
            raise DetectorError(f"{obj.name} is a registered instance: settings cannot be given")
        return obj
    det = obj(**kwargs)
    if not isinstance(det, Detector):
        raise DetectorError(f"{obj!r} did not produce a Detector")
    return det


def get_detector(name: str, **kwargs: Any) -> Detector:
    """A detector instance by name; ``kwargs`` are its settings.

    Raises
    ------
    DetectorError
        Unknown name, or an entry point that fails to load.
    """
    if name in _REGISTERED:
        return _instantiate(_REGISTERED[name], kwargs)
    if name in BUILTIN:
        module, cls = BUILTIN[name].split(":")
        return _instantiate(getattr(importlib.import_module(module), cls), kwargs)
    ep = _entry_points().get(name)
    if ep is None:
        raise DetectorError(f"no detector named {name!r}; known: {', '.join(detector_names())}")
    try:
        obj = ep.load()
    except Exception as exc:  # noqa: BLE001 - a broken plug-in must not break the kit
        raise DetectorError(f"entry point {name!r} ({ep.value}) failed to load: {exc}") from exc
    return _instantiate(obj, kwargs)


def list_detectors():
    """A table of detectors: name, version, kind, media_kinds, score_meaning, source, error."""
    import pandas as pd

    rows = []
    for name in detector_names():
        source = "builtin" if name in BUILTIN else "registered" if name in _REGISTERED else "entry point"
        try:
            det = get_detector(name)
            rows.append({"name": name, "version": det.version, "kind": det.kind,
                         "media_kinds": ",".join(det.media_kinds), "score_meaning": det.score_meaning,
                         "source": source, "error": None})
        except Exception as exc:  # noqa: BLE001 - list it with its error
            rows.append({"name": name, "version": None, "kind": None, "media_kinds": None,
                         "score_meaning": None, "source": source, "error": str(exc)})
    return pd.DataFrame(rows, columns=["name", "version", "kind", "media_kinds", "score_meaning",
                                       "source", "error"])


def _step_func(name: str, settings: tuple[tuple[str, Any], ...], path: Path) -> DetectorResult:
    return get_detector(name, **dict(settings)).score(path)


def detector_step(name: str, *, isolate: bool = False, timeout: float = 60.0, **settings: Any):
    """A :class:`kit.steps.Step` that runs detector ``name`` on evidence files.

    The step is named ``detector.<name>``, versioned by the detector's version,
    applies to the detector's media kinds, and stores :func:`result_payload`
    (score, explanation, raw values, a <= 64 px heat map and its summary).
    Settings other than the defaults add a digest to the version
    (``"1+3f2a9c01"``), so a case keeps their results apart. Its function is a picklable ``functools.partial`` of a top-level function.
    """
    from kit.steps import Step

    det = get_detector(name, **settings)
    version = det.version
    if settings:  # other settings, other output: a different version
        text = repr(sorted((k, getattr(v, "__qualname__", v)) for k, v in settings.items()))
        version += "+" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return Step(name=f"detector.{name}", version=version,
                func=functools.partial(_step_func, name, tuple(sorted(settings.items()))),
                kinds=tuple(det.media_kinds), encode=result_payload,
                tool=f"kit.detectors {name} {det.version}", isolate=isolate, timeout=timeout,
                description=det.score_meaning)


CASE_DETECTORS = ("ela", "noise", "jpeg", "dq", "splice", "ghost", "copymove", "spectral", "faces", "provenance",
                  "watermark", "video")
"""Detectors a case runs by default: every built-in one that needs no trained model
(``residual`` scores None until the analyst fits it on a labelled set)."""


def case_steps() -> tuple:
    """The case steps of :data:`CASE_DETECTORS`, each isolated in the sandbox worker."""
    return tuple(detector_step(name, isolate=True) for name in CASE_DETECTORS)


def scores_table(results_by_detector: Mapping[str, Any]):
    """One tidy table of scores from many detectors.

    Parameters
    ----------
    results_by_detector
        ``{detector name: results}`` where results is either a DataFrame as
        returned by ``case.results("detector.<name>")`` (columns sha256,
        version, status, error, payload) or a mapping ``{sha256:
        DetectorResult | Exception}``.

    Returns
    -------
    pandas.DataFrame
        Columns ``sha256``, ``detector``, ``version``, ``score``, ``error``,
        ``explanation``; one row per (item, detector).

    Examples
    --------
    >>> from kit.detectors.base import DetectorResult
    >>> t = scores_table({"ela": {"ab": DetectorResult("ela", "1", 0.25, "ok")}})
    >>> t.loc[0, "sha256"], t.loc[0, "detector"], float(t.loc[0, "score"])
    ('ab', 'ela', 0.25)
    """
    import pandas as pd

    rows = []
    for det, res in results_by_detector.items():
        det = det.removeprefix("detector.")
        if isinstance(res, pd.DataFrame):
            for r in res.itertuples(index=False):
                p = r.payload if isinstance(getattr(r, "payload", None), Mapping) else {}
                err = getattr(r, "error", None)
                rows.append({"sha256": r.sha256, "detector": det, "version": getattr(r, "version", None),
                             "score": p.get("score"), "error": err if isinstance(err, str) else None,
                             "explanation": p.get("explanation")})
        else:
            for sha, r in res.items():
                if isinstance(r, DetectorResult):
                    rows.append({"sha256": sha, "detector": det, "version": r.version, "score": r.score,
                                 "error": None, "explanation": r.explanation})
                else:
                    rows.append({"sha256": sha, "detector": det, "version": None, "score": None,
                                 "error": str(r), "explanation": None})
    df = pd.DataFrame(rows, columns=["sha256", "detector", "version", "score", "error", "explanation"])
    df["score"] = df["score"].astype(float)
    return df

