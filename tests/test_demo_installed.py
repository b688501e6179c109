"""``dfkit demo`` from an installed kit: a fresh virtualenv outside the checkout, ``pip install`` of the
checkout, and the whole demo run from an empty folder, with no network.

The new environment gets the dependencies from this one's site-packages (a ``.pth`` line: nothing is
downloaded, and this environment's editable install of the kit is not activated by it) and their
data files (nbconvert's templates) through ``JUPYTER_PATH``, and a
``sitecustomize`` that refuses every connection that is not to this machine (the report's kernel
talks to papermill over loopback).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT

NO_NETWORK = '''import ipaddress, socket

def _local(address):
    host = address[0] if isinstance(address, tuple) else None
    if host is None:  # a Unix socket
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"

_connect = socket.socket.connect

def _guarded(self, address):
    if not _local(address):
        raise OSError(f"network disabled in this test: {address!r}")
    return _connect(self, address)

socket.socket.connect = _guarded
'''


def _run(cmd: list, cwd: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A virtualenv (outside the checkout) with the kit installed from a copy of the checkout."""
    base = tmp_path_factory.mktemp("installed")
    src = base / "src"  # the build writes build/ and *.egg-info next to pyproject.toml: not in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "kit", src / "kit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    packages = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base,
                         dict(os.environ), 60).stdout.strip())
    (packages / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    (packages / "sitecustomize.py").write_text(NO_NETWORK)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1",
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))  # nbconvert's templates: data, not code
    proc = _run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", src], base, env,
                600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {"base": base, "env_dir": env_dir, "python": python, "env": env}


@pytest.mark.slow
def test_the_installed_kit_is_the_copy_in_the_new_environment(installed):
    code = ("import kit, kit.demo, kit.demo.edits; from pathlib import Path; "
            "print(Path(kit.__file__).resolve()); print(Path(kit.demo.__file__).resolve()); "
            "print((Path(kit.demo.__file__).parent / 'README.md').is_file())")
    proc = _run([installed["python"], "-c", code], installed["base"], installed["env"], 120)
    assert proc.returncode == 0, proc.stderr
    kit_file, demo_file, readme = proc.stdout.split()
    env_dir = installed["env_dir"].resolve()
    for path in (Path(kit_file), Path(demo_file)):
        assert path.is_relative_to(env_dir) and not path.is_relative_to(ROOT), path
    assert readme == "True"


@pytest.mark.slow
def test_dfkit_demo_runs_from_the_installed_kit_outside_the_checkout(installed, tmp_path):
    """About 1-2 minutes: the demo incident, the case, every step, matching, the trace, reports, a bundle."""
    out = tmp_path / "demo"
    proc = _run([installed["env_dir"] / "bin" / "dfkit", "demo", "--out", out], tmp_path, installed["env"], 1200)
    for name in ("incident/manifest.csv", "incident/truth.json", "incident/collection/x/search.jsonl",
                 "case/case.sqlite", "hashes-hma.txt"):
        assert (out / name).is_file(), name + "\n" + proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "(recovered)" in proc.stdout and str(ROOT) not in proc.stdout
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for name in ("report.html", "report-redacted.html", "case-bundle.zip"):
        assert (out / name).is_file(), name
    assert "intact" in proc.stdout
