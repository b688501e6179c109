"""Matching on a case: runs are stored and logged, analyst decisions override and survive re-runs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kit.case import Case
from kit.hashing import STEPS
from kit.casework.matching import decide_match, pair_key


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    root = tmp_path_factory.mktemp("mc")
    rng = np.random.default_rng(3)
    base = (rng.random((24, 32, 3)) * 255).astype(np.uint8)
    big = np.asarray(Image.fromarray(base).resize((640, 480), Image.BICUBIC))
    (root / "m").mkdir()
    Image.fromarray(big).save(root / "m" / "orig.jpg", quality=95)
    Image.fromarray(big).resize((320, 240)).save(root / "m" / "small.jpg", quality=70)
    Image.fromarray(big[:, ::-1]).save(root / "m" / "mirror.jpg", quality=85)
    other = (rng.random((24, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(other).resize((640, 480), Image.BICUBIC).save(root / "m" / "other.jpg", quality=90)
    c = Case.create(root / "case", analyst="ana")
    c.ingest(root / "m")
    for step in STEPS:
        c.run(step)
    c.match(verify=False)
    return c


def _sha(case, name):
    media = case.media()
    return media.loc[media.original_name == name, "sha256"].iloc[0]


def test_run_is_stored_and_logged(case):
    m = case.matches()
    assert {"a", "b", "algorithm", "decision", "inferred", "analyst"} <= set(m.columns)
    variants = case.variants().set_index("id")
    same = {_sha(case, n) for n in ("orig.jpg", "small.jpg", "mirror.jpg")}
    assert variants.loc[list(same), "cluster"].nunique() == 1
    assert variants.loc[_sha(case, "other.jpg"), "size"] == 1
    log = case.custody()
    run = log[log.action == "matching.run"].iloc[-1]["details"]
    assert run["items"] == 4 and run["params"] == {"verify": False}


def test_analyst_decisions_override_and_survive_reruns(case):
    orig, small, other = _sha(case, "orig.jpg"), _sha(case, "small.jpg"), _sha(case, "other.jpg")
    decide_match(case, other, orig, confirmed=True, note="same event, other crop")
    m = case.matches()
    row = m[(m.a + "|" + m.b) == pair_key(orig, other)].iloc[0]
    assert row["analyst"] == "confirmed" and row["decision"] == "match" and row["algorithm"] == "analyst"
    assert case.variants().set_index("id").loc[other, "size"] == 4
    decide_match(case, orig, other, confirmed=False)
    decide_match(case, orig, small, confirmed=False)
    case.match(verify=False)  # a new run keeps the analyst's word
    m = case.matches()
    rejected = m[m.decision == "rejected"]
    assert set(rejected.a + "|" + rejected.b) == {pair_key(orig, other), pair_key(orig, small)}
    assert rejected["inferred"].fillna("none").tolist().count("match") == 1
    d = case.decisions("match")
    assert d["analyst"].eq("ana").all() and len(d) == 3


def test_old_schema_is_migrated(tmp_path):
    import sqlite3

    from kit.store import MIGRATIONS

    c = Case.create(tmp_path / "c")
    c.close()
    conn = sqlite3.connect(tmp_path / "c" / "case.sqlite")
    conn.executescript("DROP TABLE matches; DROP TABLE match_runs; DROP TABLE post_media; "  # back to schema 1
                       "ALTER TABLE posts DROP COLUMN link_type; ALTER TABLE posts DROP COLUMN time_source; "
                       "ALTER TABLE posts DROP COLUMN parent_account; ALTER TABLE ingests DROP COLUMN format; "
                       "ALTER TABLE ingests DROP COLUMN fields; DROP INDEX IF EXISTS matches_pair; "
                       "PRAGMA user_version=1;")
    conn.close()
    c = Case.open(tmp_path / "c")
    assert c._conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert c.matches().empty


def test_cli_hash_then_match_stores_the_run(tmp_path, capsys):
    from kit.cli import main

    (tmp_path / "m").mkdir()
    rng = np.random.default_rng(9)
    pic = Image.fromarray((rng.random((12, 16, 3)) * 255).astype(np.uint8)).resize((320, 240))
    pic.save(tmp_path / "m" / "a.jpg", quality=90)
    pic.resize((200, 150)).save(tmp_path / "m" / "b.jpg", quality=70)
    assert main(["ingest", str(tmp_path / "m"), "--case", str(tmp_path / "c"), "--no-progress"]) == 0
    assert main(["hash", "--case", str(tmp_path / "c"), "--no-progress"]) == 0
    assert main(["match", "--case", str(tmp_path / "c"), "--no-progress", "--no-verify"]) == 0
    assert "1 cluster(s)" in capsys.readouterr().out
    case = Case.open(tmp_path / "c")
    assert len(case.matches()) == 1 and case.variants()["size"].tolist() == [2, 2]
    assert "matching.run" in set(case.custody()["action"])
