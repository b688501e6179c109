"""The dfkit command: help on every subcommand, create/ingest/verify round trip, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kit.cli import build_parser, main

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def _subcommands(parser, prefix=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield prefix + (name,)
                yield from _subcommands(sub, prefix + (name,))


def test_every_subcommand_has_help(capsys):
    commands = list(_subcommands(build_parser()))
    assert ("case", "create") in commands and ("ingest",) in commands and ("demo",) in commands
    for cmd in commands:
        with pytest.raises(SystemExit) as exc:
            main([*cmd, "--help"])
        assert exc.value.code == 0
        assert "usage: dfkit" in capsys.readouterr().out


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "kit.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("dfkit ")
    script = Path(sys.executable).with_name("dfkit")
    assert script.exists(), "pip install -e . must install the dfkit console script"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "ingest" in out.stdout


def test_create_ingest_verify_and_tamper(tmp_path, capsys):
    media = tmp_path / "m"
    media.mkdir()
    (media / "a.jpg").write_bytes(JPEG + b"a")
    (tmp_path / "manifest.csv").write_text(
        "post_id,posted_at,media_path\np1,2024-01-01T00:00:00Z,m/a.jpg\np2,bad,m/a.jpg\n")
    case = tmp_path / "case"
    assert main(["case", "create", str(case), "--title", "T", "--analyst", "ana"]) == 0
    assert main(["ingest", str(tmp_path / "manifest.csv"), "--case", str(case), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1 new posts" in out and "1 bad rows" in out and "posted_at" in out
    assert main(["verify", "--case", str(case)]) == 0
    evidence = next(p for p in (case / "evidence").rglob("*.jpg"))
    evidence.chmod(0o644)
    evidence.write_bytes(JPEG + b"b")
    capsys.readouterr()
    assert main(["verify", "--case", str(case)]) == 1
    assert "now hashes to" in capsys.readouterr().out


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert main(["verify", "--case", str(tmp_path / "none")]) == 2
    assert "no case here" in capsys.readouterr().err
    assert main(["case", "create", str(tmp_path / "c")]) == 0
    assert main(["case", "create", str(tmp_path / "c")]) == 2
