"""Deepfake Incident Kit: investigate a manipulated image or video that spread.

``import kit`` is light: heavy and optional dependencies are imported by the
modules that use them.
"""

from kit.errors import KitError, MediaError
from kit.steps import Step

__all__ = ["KitError", "MediaError", "Step", "__version__"]

__version__ = "0.1.0"
