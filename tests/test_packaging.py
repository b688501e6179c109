"""pyproject.toml is the one source of dependency truth; environment.yml must agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from conftest import ROOT

# jpeglib: not on conda-forge (PyPI wheels with libjpeg inside)
PIP_ONLY = {"opencv-python-headless", "pdqhash", "c2pa-python", "playwright", "jpeglib"}


def _pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    specs = list(project["dependencies"])
    for extra, deps in project["optional-dependencies"].items():
        specs += [d for d in deps if not d.startswith("deepfake-incident-kit")]
    pins = {}
    for spec in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^;\s]+)", spec)
        assert m, f"pyproject dependency {spec!r} is not pinned with =="
        pins[m.group(1).lower()] = m.group(2)
    return pins


def _environment_pins() -> tuple[dict[str, str], dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda, pip, pip_other = {}, {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
                if m:
                    pip[m.group(1).lower()] = m.group(2)
                else:
                    pip_other.append(line)
            continue
        name, _, version = dep.partition("=")
        conda[name.lower()] = version
    return conda, pip, pip_other


def test_environment_matches_pyproject():
    pins = _pyproject_pins()
    conda, pip, pip_other = _environment_pins()
    assert conda.pop("python") == "3.11"
    assert "pip" in conda and conda.pop("pip") == ""
    assert "-e ." in pip_other, "environment.yml must install the kit itself with pip: -e ."
    listed = {**conda, **pip}
    assert set(listed) == set(pins), (
        f"only in pyproject: {sorted(set(pins) - set(listed))}; "
        f"only in environment.yml: {sorted(set(listed) - set(pins))}")
    drift = {n: (pins[n], listed[n]) for n in pins if pins[n] != listed[n]}
    assert not drift, f"pins differ (pyproject, environment.yml): {drift}"
    assert set(pip) == PIP_ONLY, "pip-only packages changed: update PIP_ONLY and say why"


def test_pyproject_requires_python_311():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "3.11" in data["project"]["requires-python"]


def test_opencv_is_headless_4x():
    import cv2

    assert cv2.__version__.startswith("4."), "OpenCV 5 dropped the Haar cascades"
    assert hasattr(cv2, "CascadeClassifier")
    dists = subprocess.run([sys.executable, "-m", "pip", "list", "--format=freeze"],
                           capture_output=True, text=True, check=True).stdout.lower()
    assert "opencv-python-headless==" in dists
    assert "opencv-python==" not in dists, "the GUI wheel aborts on window calls"


@pytest.mark.parametrize("module", ["faiss", "dask", "c2pa", "cv2", "sklearn", "IPython",
                                    "ipywidgets", "plotly", "distributed"])
def test_import_kit_stays_light(module):
    code = f"import sys, kit; print({module!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"import kit pulled in {module}"
