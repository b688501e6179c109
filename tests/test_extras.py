"""kit.extras.optional_import: only a module that is not installed is an extra to install."""

from __future__ import annotations

import sys

import pytest

from kit.errors import MissingExtra
from kit.extras import optional_import


def test_a_module_that_is_not_installed_names_the_extra():
    with pytest.raises(MissingExtra, match=r"pip install 'deepfake-incident-kit\[faiss\]'"):
        optional_import("no_such_module_xyz.sub", extra="faiss")


def test_an_installed_module_that_fails_to_import_is_not_called_missing(tmp_path, monkeypatch):
    """A broken install (the module is there, something it needs is not) must show the real error."""
    (tmp_path / "dfk_broken_extra.py").write_text("import dfk_dependency_that_is_gone\n")
    (tmp_path / "dfk_buggy_extra.py").write_text("raise ImportError('cannot import name X from Y')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("dfk_broken_extra", "dfk_buggy_extra"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(ModuleNotFoundError, match="dfk_dependency_that_is_gone"):
        optional_import("dfk_broken_extra", extra="ml")
    with pytest.raises(ImportError, match="cannot import name X") as info:
        optional_import("dfk_buggy_extra", extra="ml")
    assert not isinstance(info.value, MissingExtra)
