"""Deepfake Incident Kit: investigate a manipulated image or video that spread.

``import kit`` is light: heavy and optional dependencies are imported by the
modules that use them, and :class:`Case` (``from kit import Case``) is
imported when first asked for.
"""

from typing import Any

from kit._version import __version__
from kit.errors import KitError, MediaError
from kit.steps import Step

__all__ = ["Case", "KitError", "MediaError", "Step", "__version__"]


def __getattr__(name: str) -> Any:
    """``kit.Case`` on first use (it brings pandas and the casework)."""
    if name == "Case":
        from kit.case import Case

        return Case
    raise AttributeError(f"module 'kit' has no attribute {name!r}")
