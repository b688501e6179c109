"""Property-based fuzzing of the manifest reader, the folder reader and ingest (Hypothesis).

Random and mutated CSV / JSONL records (wrong types, huge numbers and strings, deep nesting,
lone surrogates, control and line-separator characters, odd encodings, hostile media paths)
must end in loaded rows or per-record issues, never a traceback; a whole-file problem may be
a ManifestError. An audit hook records every file the reader opens: nothing outside the
collection's folder is ever opened, and the secret next to it never reaches the case.

Runs are derandomized (the same examples every run, so CI is stable); set
``DFKIT_FUZZ_RANDOM=1`` (and ``DFKIT_FUZZ_EXAMPLES=2000``) to explore new inputs. Inputs that
once broke the reader are kept in tests/fuzz_cases/ (a README says what each did) and
replayed by :func:`test_found_cases_stay_fixed`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[dev]' (hypothesis)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kit.errors import ManifestError  # noqa: E402
from kit.manifest import ISSUE_COLUMNS, KNOWN_COLUMNS, Manifest, read_folder, read_manifest  # noqa: E402

CASES = Path(__file__).parent / "fuzz_cases"
SECRET = b"the analyst's own secret " + os.urandom(6).hex().encode()
EXAMPLES = int(os.environ.get("DFKIT_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize=not os.environ.get("DFKIT_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

# -- the collection: good files, and every way out of the folder -------------------------------

_STATE: dict = {}


def _layout() -> dict:
    """Built once per process: tmp/outside_<hex>/secret_<hex>, tmp/collection_<hex>/media/..."""
    if not _STATE:
        base = Path(tempfile.mkdtemp(prefix="dfkit-fuzz-"))
        tag = os.urandom(4).hex()
        outside = base / f"outside_{tag}"
        outside.mkdir()
        secret = outside / f"secret_{tag}"
        secret.write_bytes(SECRET)
        root = base / f"collection_{tag}"
        media = root / "media"
        media.mkdir(parents=True)
        (media / "good.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 good")
        (media / "other.png").write_bytes(b"\x89PNG\r\n\x1a\n other")
        (media / "link_out.jpg").symlink_to(secret)
        (media / "linkdir").symlink_to(outside, target_is_directory=True)
        (media / "link_in.jpg").symlink_to(media / "good.jpg")
        os.mkfifo(media / "fifo.jpg")
        _STATE.update(base=base, root=root, outside=outside, secret=secret, tag=tag)
    return _STATE


@pytest.fixture(scope="module", autouse=True)
def _remove_layout():
    yield
    if _STATE:
        shutil.rmtree(_STATE["base"], ignore_errors=True)
        _STATE.clear()


MEDIA_PATHS = ["media/good.jpg", "media/other.png", "media/link_in.jpg", "media/link_out.jpg",
               "media/linkdir/SECRET", "media/fifo.jpg", "media", "", "media/missing.jpg",
               "media/../media/good.jpg", "../OUTSIDE/SECRET", "ABS", "/dev/zero", "~/.ssh/id_ed25519",
               "media\\good.jpg", "media/good.jpg\x00.png", "media/good.jpg\n"]
STRINGS = ["2024-03-01T10:00:00Z", "2024-03-01 10:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
           "1709287200000", "-1e308", "1e400", "nan", "inf", "yesterday", "1,000", "1_0", "1e30", "-5", "1.5",
           "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "\u2028", "\u0085", "\x00", "\r", "\x1c", '"', ",",
           "\ufeff", "p1", "p2", "x" * 5000, "\U0001f600" * 50]

text = st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates included
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
                    st.floats(), text, st.sampled_from(STRINGS))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(text, inner, max_size=3), max_leaves=6)
keys = st.sampled_from(list(KNOWN_COLUMNS) + ["Post_ID ", "MEDIA_PATH", "", "lang", "\x00", "likes\n"]) | text


def _media_path(choice: str) -> str:
    s = _layout()
    return (choice.replace("ABS", str(s["secret"])).replace("OUTSIDE", s["outside"].name)
            .replace("SECRET", s["secret"].name))


@st.composite
def records(draw) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 5))):
        rec = {k: draw(values) for k in draw(st.lists(keys, max_size=8, unique=True))}
        if draw(st.booleans()):
            rec["post_id"] = draw(st.sampled_from(["p1", "p2", "p3"]) | values)
        if draw(st.integers(0, 4)):
            rec["media_path"] = draw(st.sampled_from(MEDIA_PATHS).map(_media_path) | values)
        out.append(rec)
    return out


def _csv_bytes(recs: list[dict], encoding: str) -> bytes:
    header = list(dict.fromkeys(k for r in recs for k in r)) or ["post_id", "media_path"]
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    for r in recs:
        w.writerow(["" if r.get(k) is None else str(r.get(k)) for k in header])
    return buf.getvalue().encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


def _jsonl_bytes(recs: list[dict], nest: int) -> bytes:
    lines = [json.dumps(r, ensure_ascii=True, default=str) for r in recs]
    if nest:
        lines.insert(len(lines) // 2, "{\"post_id\": \"deep\", \"x\": " + "[" * nest + "]" * nest + "}")
    return ("\n".join(lines) + "\n").encode()


# -- what every run must satisfy ------------------------------------------------------------

class _Opens:
    """Paths passed to open()/os.open() while ``active`` (a Python audit hook, installed once)."""

    active = False
    seen: list[str] = []
    lock = threading.Lock()

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.active and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            cls.seen.append(os.fsdecode(args[0]))


sys.addaudithook(_Opens.hook)


def _outside_opens(run) -> tuple[object, list[str]]:
    s = _layout()
    with _Opens.lock:
        _Opens.seen, _Opens.active = [], True
        try:
            result = run()
        finally:
            _Opens.active = False
    bad = [p for p in _Opens.seen if s["tag"] in p and not p.startswith(str(s["root"])) or
           p.endswith(s["secret"].name) or p in ("/dev/zero",)]
    return result, bad


def check_manifest(m: Manifest) -> None:
    root = os.path.realpath(_layout()["root"])
    assert list(m.issues.columns) == ISSUE_COLUMNS
    ids = [r.post_id for r in m.rows]
    assert len(ids) == len(set(ids))
    for r in m.rows:
        assert str(r.media_path).startswith(root + os.sep) and r.media_path.is_file()
        assert isinstance(r.post_id, str) and r.post_id
        json.dumps(r.extra, default=str)  # storable
        for n in (r.likes, r.shares, r.views):
            assert n is None or 0 <= n < 2**63
    errors = m.issues[m.issues["severity"] == "error"]
    assert not set(errors["line"]) & {r.line for r in m.rows}, "a row both loaded and refused"
    assert all(isinstance(x, int) and x >= 1 for x in m.issues["line"])


def _read(data: bytes, name: str):
    root = _layout()["root"]
    path = root / name
    path.write_bytes(data)
    try:
        return read_manifest(path)
    except ManifestError as exc:  # the whole file is unreadable: a clear error, not a traceback
        assert str(exc)
        return None


@FUZZ
@given(recs=records(), fmt=st.sampled_from(["csv", "jsonl"]), nest=st.sampled_from([0, 0, 3, 5000]),
       encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_random_manifests_load_or_report(recs, fmt, nest, encoding):
    data = _csv_bytes(recs, encoding) if fmt == "csv" else _jsonl_bytes(recs, nest)
    m, bad = _outside_opens(lambda: _read(data, f"m.{fmt}"))
    assert not bad, f"opened outside the collection: {bad}"
    if m is not None:
        check_manifest(m)


@FUZZ
@given(recs=records(), fmt=st.sampled_from(["csv", "jsonl"]),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=4), st.integers(0, 3)), max_size=6))
def test_mutated_manifests_load_or_report(recs, fmt, edits):
    data = bytearray(_csv_bytes(recs, "utf-8") if fmt == "csv" else _jsonl_bytes(recs, 0))
    for pos, blob, cut in edits:  # byte-level mutation: replace ``cut`` bytes at ``pos`` by ``blob``
        pos = pos % (len(data) + 1)
        data[pos:pos + cut] = blob
    m, bad = _outside_opens(lambda: _read(bytes(data), f"m.{fmt}"))
    assert not bad, f"opened outside the collection: {bad}"
    if m is not None:
        check_manifest(m)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 4))
@given(recs=records(), fmt=st.sampled_from(["csv", "jsonl"]))
def test_random_manifests_ingest_without_traceback_or_leak(recs, fmt):
    from kit.case import Case
    from kit.pipeline import remove_tree

    data = _csv_bytes(recs, "utf-8") if fmt == "csv" else _jsonl_bytes(recs, 0)
    root = _layout()["root"]
    path = root / f"m.{fmt}"
    path.write_bytes(data)
    work = Path(tempfile.mkdtemp(prefix="dfkit-fuzz-case-"))
    try:
        case = Case.create(work / "case")
        try:
            m = read_manifest(path)
        except ManifestError:
            return
        rep, bad = _outside_opens(lambda: case.ingest(path))
        assert not bad, f"opened outside the collection: {bad}"
        assert rep.n_new_posts == len(case.posts()) == len(m.rows) - (rep.issues["severity"] == "error").sum() \
            + (m.issues["severity"] == "error").sum()
        for p in work.rglob("*"):
            assert not p.is_file() or SECRET not in p.read_bytes(), p
        assert case.verify().ok
        case.close()
    finally:
        remove_tree(work)


def test_folder_reader_follows_no_link_out():
    s = _layout()
    m, bad = _outside_opens(lambda: read_folder(s["root"]))
    assert not bad, bad
    check_manifest(m)
    assert sorted(r.post_id for r in m.rows) == ["media/good.jpg", "media/link_in.jpg", "media/other.png"]


# -- inputs that once broke the reader, kept as files (tests/fuzz_cases/README.md) ----------------

FOUND = [  # file, rows read, posts ingested, issues (errors and warnings) after ingest
    pytest.param("absolute_media_path.csv", 1, 1, 1, id="absolute_media_path"),
    pytest.param("long_media_path.csv", 1, 1, 1, id="long_media_path"),
    pytest.param("deep_nesting.jsonl", 1, 1, 1, id="deep_nesting"),
    pytest.param("huge_integer.jsonl", 1, 1, 1, id="huge_integer"),
    pytest.param("huge_count.jsonl", 2, 2, 2, id="huge_count"),
    pytest.param("lone_surrogate.jsonl", 1, 1, 0, id="lone_surrogate"),
    pytest.param("line_separator.jsonl", 1, 1, 0, id="line_separator"),
]


def test_every_found_case_is_replayed():
    listed = {p.values[0] for p in FOUND}
    assert listed == {p.name for p in CASES.iterdir() if p.suffix in (".csv", ".jsonl")}


@pytest.mark.parametrize("name, n_rows, n_posts, n_issues", FOUND)
def test_found_cases_stay_fixed(tmp_path, name, n_rows, n_posts, n_issues):
    from kit.case import Case

    root = _layout()["root"]
    shutil.copy(CASES / name, root / name)
    m, bad = _outside_opens(lambda: read_manifest(root / name))
    assert not bad
    check_manifest(m)
    case = Case.create(tmp_path / "case")
    rep = case.ingest(root / name)
    assert (len(m.rows), rep.n_new_posts, len(rep.issues)) == (n_rows, n_posts, n_issues), rep.issues
    assert case.verify().ok
