"""Property-based fuzzing of every importer (Hypothesis): wrong types, hostile paths, mutated bytes.

For each format a small valid export is written with random values in its
fields (any JSON type, huge numbers, lone surrogates, control characters,
deep nesting) and media paths taken from every way out of the collection
(absolute paths, ``..``, links out, a FIFO, a folder, NUL bytes); the bytes
of valid exports are also mutated at random. Reading must end in posts or
per-record issues, never a traceback (a whole-file problem may be a
ManifestError); every post's media lie inside the collection; an audit hook
checks that nothing outside it is ever opened; an ingest of the result
verifies. Derandomized like tests/test_manifest_fuzz.py (same settings,
same ``DFKIT_FUZZ_RANDOM`` / ``DFKIT_FUZZ_EXAMPLES`` switches).
"""

from __future__ import annotations

import json
import lzma
import os
import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install -e '.[dev]' (hypothesis)")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _exports import FOURCAT_TELEGRAM, TWARC  # noqa: E402
from kit.errors import ManifestError  # noqa: E402
from kit.importers import IntakeLog, find_exports  # noqa: E402
from kit.manifest import ISSUE_COLUMNS  # noqa: E402
from test_manifest_fuzz import FUZZ, SECRET, _layout, _Opens, _remove_layout  # noqa: E402,F401  (same settings,
# audit hook and collection: importing the module's fixture makes it remove the collection here too)

EXAMPLES = max(10, int(os.environ.get("DFKIT_FUZZ_EXAMPLES", "200")) // 2)


def _root() -> Path:
    """The fuzzed exports' folder: the manifest fuzz's media folder (good.jpg, link_out.jpg, linkdir, fifo.jpg)."""
    return _layout()["root"] / "media"


PATHS = ["good.jpg", "link_out.jpg", "linkdir/SECRET", "fifo.jpg", ".", "", "missing.jpg", "../OUTSIDE/SECRET",
         "ABS", "/dev/zero", "good.jpg\x00.png", "(File not included. Change data exporting settings to download.)"]


def _path(choice: str) -> str:
    s = _layout()
    return choice.replace("ABS", str(s["secret"])).replace("OUTSIDE", s["outside"].name).replace(
        "SECRET", s["secret"].name)


text = st.text(st.characters(exclude_categories=()), max_size=30)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
                    st.floats(), text, st.sampled_from(["2026-03-15T00:00:00.000Z", "1773531720", "20260315",
                                                        "-1", "1,204", "x" * 3000]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                      max_leaves=5)
paths = st.sampled_from(PATHS).map(_path)


def _templates(p: str) -> dict:
    """A valid record of each format, its media path (or URL name) ``p`` in the right field."""
    name = Path(p).stem or "x"
    return {
        "twarc2": {"data": [{"id": "1000", "author_id": "3", "created_at": "2026-03-14T23:50:00.000Z", "text": "t",
                             "attachments": {"media_keys": ["3_5001"]},
                             "referenced_tweets": [{"type": "quoted", "id": "9"}],
                             "public_metrics": {"retweet_count": 1, "like_count": 2, "impression_count": 3}}],
                   "includes": {"users": [{"id": "3", "username": "carol"}],
                                "media": [{"media_key": "3_5001", "type": "photo",
                                           "url": f"https://pbs.twimg.com/media/{name}.jpg"}]},
                   "__twarc": TWARC},
        "telegram": {"id": 4521, "type": "message", "date": "2026-03-15T00:42:00", "date_unixtime": "1773531720",
                     "from": "F", "from_id": "channel1", "forwarded_from": "O", "reply_to_message_id": 3,
                     "photo": p, "text": ["a", {"type": "link", "text": "b"}], "reactions": []},
        "ytdlp": {"id": "abc", "extractor": "youtube", "timestamp": 1773531720, "upload_date": "20260315",
                  "uploader_id": "u", "view_count": 1, "like_count": 2, "repost_count": 3, "ext": "jpg",
                  "_filename": p, "webpage_url": "https://youtube.com/watch?v=abc"},
        "instaloader": {"node": {"shortcode": "C3abc", "taken_at_timestamp": 1773548400,
                                 "owner": {"username": "m", "id": "1"}, "edge_media_preview_like": {"count": 3},
                                 "edge_media_to_caption": {"edges": [{"node": {"text": "c"}}]}},
                        "instaloader": {"version": "4.15.1", "node_type": "Post"}},
        "gallerydl": {"tweet_id": 17, "retweet_id": 16, "date": "2026-03-15 05:12:44", "author": {"name": "u"},
                      "favorite_count": 1, "category": "twitter", "subcategory": "tweet", "num": 1},
        "4cat": {"id": "c-1", "thread_id": "c", "chat": "c", "author": "a", "body": "b", "unix_timestamp": "1709388311",
                 "timestamp": "2024-03-02 14:05:11", "reply_to": "3", "views": "5", "attachment_filename": p},
    }


def _fuzzed(rec: dict, edits: list) -> dict:
    """``rec`` with some fields (at the top or one level down) replaced by random values."""
    rec = json.loads(json.dumps(rec))
    for key_pick, sub_pick, value in edits:
        keys = list(rec)
        key = keys[key_pick % len(keys)]
        inner = rec[key][0] if isinstance(rec[key], list) and rec[key] and isinstance(rec[key][0], dict) else rec[key]
        if isinstance(inner, dict) and inner and sub_pick % 2:
            inner[list(inner)[sub_pick % len(inner)]] = value
        else:
            rec[key] = value
    return rec


def _write(fmt: str, rec: dict, root: Path, good: bool = True) -> Path:
    """The export of one record in the tool's own layout; returns what to ingest."""
    folder = root / f"export_{fmt}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    dump = json.dumps(rec, ensure_ascii=True, default=str)
    if fmt == "twarc2":
        (folder / "tweets.jsonl").write_text(dump + "\n")
    elif fmt == "telegram":
        (folder / "result.json").write_text(json.dumps({"name": "F", "type": "public_channel", "id": 1,
                                                        "messages": [rec]}, ensure_ascii=True, default=str))
    elif fmt == "ytdlp":
        (folder / "clip [abc].info.json").write_text(dump)
    elif fmt == "instaloader":
        (folder / "2026-03-15_04-20-00_UTC.json.xz").write_bytes(lzma.compress(dump.encode()))
    elif fmt == "gallerydl":
        (folder / "17_1.jpg.json").write_text(dump)
    else:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(FOURCAT_TELEGRAM)
        w.writerow(["" if rec.get(c) is None else str(rec.get(c)) for c in FOURCAT_TELEGRAM])
        (folder / "data.csv").write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))
    shutil.copy(root / "good.jpg", folder / "good.jpg")
    for link in ("link_out.jpg", "fifo.jpg"):  # the export's own folder holds the same hazards
        os.symlink(root / link, folder / link)
    beside = {"instaloader": "2026-03-15_04-20-00_UTC.jpg", "gallerydl": "17_1.jpg"}.get(fmt)
    if beside and good:  # these tools name no path: the media lie beside the metadata
        shutil.copy(root / "good.jpg", folder / beside)
    elif beside:
        os.symlink(_layout()["secret"], folder / beside)
    return folder


def _read_all(source: Path) -> tuple[list, list, list[str]]:
    """Every post and issue of every export in ``source``, and the outside files opened meanwhile."""
    s = _layout()
    rows, issues = [], []
    with _Opens.lock:
        _Opens.seen, _Opens.active = [], True
        try:
            try:
                exports, notes = find_exports(source)
            except ManifestError as exc:
                assert str(exc)
                return [], [], []
            issues += notes
            for ex in exports:
                log = IntakeLog(ex.name)
                try:
                    rows += [(ex, r) for r in ex.rows(log)]
                except ManifestError as exc:
                    assert str(exc)
                issues += log.issues + log.summary()
        finally:
            _Opens.active = False
    bad = [p for p in _Opens.seen if (s["tag"] in p and not p.startswith(str(s["root"])))
           or p.endswith(s["secret"].name) or p == "/dev/zero"]
    return rows, issues, bad


def _check(rows: list, issues: list, bad: list) -> None:
    assert not bad, f"opened outside the collection: {bad}"
    root = os.path.realpath(_layout()["root"])
    for ex, r in rows:
        for p in (r.media_path, *r.more_media):
            assert str(p).startswith(root + os.sep) and p.is_file() and not p.is_symlink(), p
        assert isinstance(r.post_id, str) and r.post_id and (":" in r.post_id or ex.format in ("folder", "manifest"))
        json.dumps(r.extra, default=str)
        assert r.link_type in (None, "retweet", "quote", "reply", "forward")
        assert r.time_source in (None, "platform", "date", "local")
        for n in (r.likes, r.shares, r.views):
            assert n is None or 0 <= n < 2**63
    for i in issues:
        assert set(i) == set(ISSUE_COLUMNS) and i["severity"] in ("error", "warning") and i["reason"]
        assert i["line"] is None or (isinstance(i["line"], int) and i["line"] >= 1)


FORMATS = ["twarc2", "telegram", "ytdlp", "instaloader", "gallerydl", "4cat"]


@pytest.mark.parametrize("fmt, post_id", [
    pytest.param("twarc2", "x:1000", id="twarc2"), pytest.param("telegram", "telegram:1/4521", id="telegram"),
    pytest.param("ytdlp", "youtube:abc", id="ytdlp"), pytest.param("instaloader", "instagram:C3abc", id="instaloader"),
    pytest.param("gallerydl", "x:17", id="gallerydl"), pytest.param("4cat", "telegram:c-1", id="4cat"),
])
def test_the_unfuzzed_export_loads_and_a_link_out_does_not(fmt, post_id):
    """The seeds are valid: the fuzzing starts from exports that load (and refuse the same paths it will)."""
    root = _root()
    rows, issues, bad = _read_all(_write(fmt, _templates("good.jpg")[fmt], root))
    _check(rows, issues, bad)
    assert [r.post_id for _, r in rows] == [post_id]
    rows, issues, bad = _read_all(_write(fmt, _templates(_path("link_out.jpg"))[fmt], root, good=False))
    _check(rows, issues, bad)
    assert rows == [] and any("leads out" in i["reason"] for i in issues), issues


@settings(FUZZ, max_examples=EXAMPLES * 2)
@given(fmt=st.sampled_from(FORMATS), p=paths,
       edits=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), values), max_size=4))
def test_random_values_load_or_report(fmt, p, edits):
    rec = _fuzzed(_templates(p)[fmt], edits)
    _check(*_read_all(_write(fmt, rec, _root(), p == "good.jpg")))


@settings(FUZZ, max_examples=EXAMPLES)
@given(fmt=st.sampled_from(FORMATS), p=paths,
       edits=st.lists(st.tuples(st.integers(0, 10**5), st.binary(max_size=4), st.integers(0, 3)), max_size=6))
def test_mutated_bytes_load_or_report(fmt, p, edits):
    folder = _write(fmt, _templates(p)[fmt], _root(), p == "good.jpg")
    target = next(f for f in sorted(folder.iterdir()) if not f.is_symlink())
    data = bytearray(target.read_bytes())
    for pos, blob, cut in edits:
        pos = pos % (len(data) + 1)
        data[pos:pos + cut] = blob
    target.write_bytes(bytes(data))
    _check(*_read_all(folder))


@settings(FUZZ, max_examples=max(5, EXAMPLES // 4))
@given(fmt=st.sampled_from(FORMATS), p=paths,
       edits=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), values), max_size=3))
def test_random_exports_ingest_and_verify(fmt, p, edits):
    from kit.case import Case
    from kit.pipeline import remove_tree

    folder = _write(fmt, _fuzzed(_templates(p)[fmt], edits), _root(), p == "good.jpg")
    work = Path(tempfile.mkdtemp(prefix="dfkit-ifuzz-case-"))
    try:
        case = Case.create(work / "case")
        with _Opens.lock:
            _Opens.seen, _Opens.active = [], True
            try:
                reports = case.ingest_collection(folder)
            except ManifestError:
                reports = []
            finally:
                _Opens.active = False
        assert not [o for o in _Opens.seen if o.endswith(_layout()["secret"].name)]
        assert sum(r.n_new_posts for r in reports) == len(case.posts())
        for f in work.rglob("*"):
            assert not f.is_file() or SECRET not in f.read_bytes(), f
        assert case.verify().ok
        case.close()
    finally:
        remove_tree(work)


# -- exports that once broke an importer, kept as files (tests/fuzz_cases/importers/README.md) ---------------------

FOUND = Path(__file__).parent / "fuzz_cases" / "importers"


@pytest.mark.parametrize("name, fmt, reason", [
    pytest.param("4cat_long_attachment_name.csv", "4cat", "path too long", id="4cat_long_attachment_name"),
])
def test_found_cases_stay_fixed(tmp_path, name, fmt, reason):
    assert {p.name for p in FOUND.iterdir() if p.suffix != ".md"} == {"4cat_long_attachment_name.csv"}
    (tmp_path / "export").mkdir()
    shutil.copy(FOUND / name, tmp_path / "export" / name)
    assert [e.format for e in find_exports(tmp_path / "export")[0]] == [fmt]
    rows, issues, bad = _read_all(tmp_path / "export")
    _check(rows, issues, bad)
    assert [i["reason"].split(":")[0] for i in issues if i["severity"] == "error"] == [reason], issues
