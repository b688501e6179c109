"""Import optional dependencies where they are used, naming the extra.

Examples
--------
>>> from kit.extras import optional_import
>>> optional_import("json", extra="none").__name__
'json'
>>> optional_import("no_such_module_xyz", extra="faiss")
Traceback (most recent call last):
...
kit.errors.MissingExtra: no_such_module_xyz is not installed: pip install 'deepfake-incident-kit[faiss]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from kit.errors import MissingExtra

__all__ = ["optional_import"]


def optional_import(module: str, *, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtra` naming ``extra``.

    Only "``module`` (or its top package) is not installed" becomes
    :class:`MissingExtra`; any other error while importing it (a broken
    install, a missing library of its own, a bug) is raised as it is, so
    that it is not mistaken for an extra to install.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        parts = module.split(".")
        if exc.name not in {".".join(parts[:i]) for i in range(1, len(parts) + 1)}:
            raise
        raise MissingExtra(
            f"{module} is not installed: pip install 'deepfake-incident-kit[{extra}]'"
        ) from exc
