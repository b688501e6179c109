"""Errors raised by :mod:`kit.spread`.

Examples
--------
>>> from kit.errors import KitError
>>> from kit.spread.errors import SpreadError, CascadeFormatError
>>> issubclass(CascadeFormatError, SpreadError) and issubclass(SpreadError, KitError)
True
"""

from __future__ import annotations

from kit.errors import KitError

__all__ = ["SpreadError", "CascadeFormatError", "NistFormatError"]


class SpreadError(KitError):
    """A spread graph, its inputs or its evaluation cannot be computed."""


class CascadeFormatError(SpreadError):
    """A cascade archive (e.g. Twitter15/16) cannot be read at all."""


class NistFormatError(SpreadError):
    """A NIST MediScore provenance file (index, journal, system JSON) is unusable."""
