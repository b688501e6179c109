"""Hostile exports (issue 16): a 100 MB string, deep nesting, paths out of the folder, wrong types everywhere,
and an export of hundreds of MB read in bounded memory.

Each bad record gets its own error naming the file and the record; the
records around it still load; nothing outside the export's folder reaches
the case. ``DFKIT_BIG_EXPORT_MB`` sets the size of the streamed exports of
the memory test (default 120; the 500 MB figure in DEVELOPERS.md was
measured with 500).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _exports import jpeg, page, photo, tg_message, tweet, user, write_info, write_jsonl, write_telegram
from kit.case import Case

HUGE = 100 << 20
T0 = 1773531720
SECRET = b"the analyst's own key " + os.urandom(6).hex().encode()


def _no_secret(case: Case) -> None:
    for f in case.path.rglob("*"):
        assert not f.is_file() or SECRET not in f.read_bytes(), f
    assert case.verify().ok


# -- one huge string, deep nesting ---------------------------------------------------------------------------

def _twarc_line(tid: str, text: str) -> str:
    return json.dumps(page([tweet(tid, "1", "2026-03-15T00:00:00.000Z", text, media=["3_1"])], [user("1", "u")],
                           media=[photo("3_1", "pic")]))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [pytest.param("twarc2", id="twarc2"), pytest.param("telegram", id="telegram"),
                                 pytest.param("ytdlp", id="ytdlp")])
def test_a_100_mb_string_is_one_refused_record(tmp_path, fmt):
    d = tmp_path / "export"
    d.mkdir()
    (d / "pic.jpg").write_bytes(jpeg(1))
    big = "A" * HUGE
    if fmt == "twarc2":
        (d / "t.jsonl").write_text("\n".join([_twarc_line("1", "ok"), _twarc_line("2", big), _twarc_line("3", "ok")]))
        where = 2
    elif fmt == "telegram":
        msgs = [tg_message(i, T0 + i, "C", "channel1", photo="pic.jpg", text=big if i == 2 else "ok")
                for i in (1, 2, 3)]
        write_telegram(d, [{"name": "C", "type": "public_channel", "id": 1, "messages": msgs}])
        where = 2
    else:
        write_info(d, "a", {"id": "a", "extractor": "youtube", "timestamp": T0, "description": big}, b"\x00" * 64)
        write_info(d, "b", {"id": "b", "extractor": "youtube", "timestamp": T0}, jpeg(2), ext="jpg")
        where = 1
    del big
    case = Case.create(tmp_path / "case")
    [rep] = case.ingest_collection(d)
    errors = rep.issues[rep.issues["severity"] == "error"]
    assert len(errors) == 1 and errors["line"].tolist() == [where], errors
    assert "64 MiB" in errors["reason"].iloc[0]
    assert rep.n_new_posts == (2 if fmt != "ytdlp" else 1)
    assert max(len(str(c)) for c in case.posts()["caption"]) < 100


@pytest.mark.parametrize("fmt", [pytest.param("twarc2", id="twarc2"), pytest.param("telegram", id="telegram"),
                                 pytest.param("ytdlp", id="ytdlp")])
def test_deep_nesting_is_one_refused_record(tmp_path, fmt):
    d = tmp_path / "export"
    d.mkdir()
    (d / "pic.jpg").write_bytes(jpeg(1))
    deep = "[" * 100000 + "]" * 100000
    if fmt == "twarc2":
        good = _twarc_line("1", "ok")
        (d / "t.jsonl").write_text(good + "\n" + good.replace('"ok"', deep).replace('"1"', '"2"', 1) + "\n")
    elif fmt == "telegram":
        ok = json.dumps(tg_message(1, T0, "C", "channel1", photo="pic.jpg"))
        (d / "result.json").write_text('{"name": "C", "type": "public_channel", "id": 1, "messages": [' + ok +
                                       ', {"id": 2, "text": ' + deep + "}]}")
    else:
        write_info(d, "b", {"id": "b", "extractor": "youtube", "timestamp": T0}, jpeg(2), ext="jpg")
        (d / "a [a].info.json").write_text('{"id": "a", "extractor": "youtube", "x": ' + deep + "}")
    case = Case.create(tmp_path / "case")
    [rep] = case.ingest_collection(d)
    errors = rep.issues[rep.issues["severity"] == "error"]
    assert len(errors) == 1 and "nested" in errors["reason"].iloc[0], rep.issues
    assert rep.n_new_posts == 1


# -- paths out of the folder ------------------------------------------------------------------------------------

@pytest.fixture()
def outside(tmp_path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "id_ed25519").write_bytes(SECRET)
    return home / "id_ed25519"


@pytest.mark.parametrize("how", [pytest.param("absolute", id="absolute"), pytest.param("dotdot", id="dotdot"),
                                 pytest.param("link", id="link-out")])
def test_no_export_reaches_outside_its_folder(tmp_path, outside, how):
    col = tmp_path / "collection"
    col.mkdir()
    raw = {"absolute": str(outside), "dotdot": "../home/id_ed25519", "link": "leak.jpg"}[how]
    tg, yt, ig = col / "tg", col / "yt", col / "ig"
    for d in (tg, yt, ig):
        d.mkdir()
        (d / "leak.jpg").symlink_to(outside)
    write_telegram(tg, [{"name": "C", "type": "public_channel", "id": 1,
                         "messages": [tg_message(1, T0, "C", "channel1", photo=raw)]}])
    write_info(yt, "a", {"id": "a", "extractor": "youtube", "timestamp": T0, "_filename": raw}, None)
    (yt / "a [a].mp4").symlink_to(outside)
    from _exports import write_instaloader

    write_instaloader(ig, "2026-03-15_04-20-00_UTC", {"shortcode": "C3", "taken_at_timestamp": T0}, {})
    (ig / "2026-03-15_04-20-00_UTC.jpg").symlink_to(outside)
    write_jsonl(col / "x" / "t.jsonl", [page([tweet("1", "1", "2026-03-15T00:00:00.000Z", "t", media=["3_1"])],
                                             [user("1", "u")], media=[photo("3_1", "leak")])])
    (col / "x" / "leak.jpg").symlink_to(outside)
    case = Case.create(tmp_path / "case")
    reports = case.ingest_collection(col)
    assert sorted(r.format for r in reports) == ["instaloader", "telegram", "twarc2", "ytdlp"]
    assert len(case.posts()) == 0
    for r in reports:
        refused = r.issues[r.issues["severity"] == "error"]
        assert len(refused) == 1, (r.format, r.issues)
        assert refused["reason"].str.contains("leads out|absolute path|media file not found|no download").all()
    _no_secret(case)


# -- wrong types everywhere ----------------------------------------------------------------------------------------

WRONG = [None, True, 7, -1.5, "text", [], [1, "a"], {}, {"a": {"b": []}}]


@pytest.mark.parametrize("fmt", [pytest.param("twarc2", id="twarc2"), pytest.param("telegram", id="telegram")])
def test_wrong_types_in_every_field_are_reported_per_record(tmp_path, fmt):
    d = tmp_path / "export"
    d.mkdir()
    (d / "pic.jpg").write_bytes(jpeg(1))
    if fmt == "twarc2":
        good = tweet("1", "1", "2026-03-15T00:00:00.000Z", "t", media=["3_1"], refs=[("quoted", "9")])
        lines = []
        for i, key in enumerate(sorted(good)):
            for w in WRONG:
                bad = {**good, "id": str(100 + len(lines)), key: w} if key != "id" else {**good, key: w}
                lines.append(page([bad], [user("1", "u")], media=[photo("3_1", "pic")]))
        lines += [{"data": w, "includes": w} for w in WRONG] + WRONG
        write_jsonl(d / "t.jsonl", lines)
    else:
        good = tg_message(1, T0, "C", "channel1", photo="pic.jpg", reply_to_message_id=3, forwarded_from="X")
        msgs = [good]
        for key in sorted(good):
            msgs += [{**good, "id": len(msgs) + 1, key: w} if key != "id" else {**good, key: w} for w in WRONG]
        msgs += WRONG
        write_telegram(d, [{"name": "C", "type": "public_channel", "id": 1, "messages": msgs}])
    case = Case.create(tmp_path / "case")
    [rep] = case.ingest_collection(d)
    assert rep.n_new_posts > 0 and rep.n_errors > 0
    located = rep.issues.dropna(subset=["line"])
    assert len(located) >= rep.n_errors - 1 and located["reason"].str.len().gt(10).all()
    assert case.verify().ok


# -- size: streamed, bounded memory --------------------------------------------------------------------------------

PEAK = """
import sys
from kit.case import Case
case = Case.create(sys.argv[2])
reports = case.ingest_collection(sys.argv[1], progress=False)
print(sum(r.n_rows for r in reports), sum(r.n_new_posts for r in reports))
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
"""


def _big_telegram(folder: Path, mb: int) -> int:
    """A result.json of about ``mb`` MB, written as a stream: long text messages, one in 200 with a photo."""
    (folder / "photos").mkdir(parents=True)
    for k in range(3):
        (folder / "photos" / f"p{k}.jpg").write_bytes(jpeg(70 + k))
    text = "Breaking: the launch pad. " * 40
    n = 0
    with open(folder / "result.json", "w", encoding="utf-8") as fh:
        fh.write('{\n "name": "Big Channel",\n "type": "public_channel",\n "id": 42,\n "messages": [')
        while fh.tell() < mb << 20:
            extra = {"photo": f"photos/p{n % 3}.jpg"} if n % 200 == 0 else {}
            msg = tg_message(n + 1, T0 + n, "Big Channel", "channel42", text=text, **extra)
            fh.write(("," if n else "") + "\n  " + json.dumps(msg, ensure_ascii=False))
            n += 1
        fh.write("\n ]\n}\n")
    return n


def _big_twarc(path: Path, mb: int) -> int:
    """A twarc2 file of about ``mb`` MB: pages of 100 tweets, one tweet in 200 with a photo."""
    path.parent.mkdir(parents=True)
    (path.parent / "Pic.jpg").write_bytes(jpeg(80))
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while fh.tell() < mb << 20:
            data = [tweet(str(10**18 + n + i), "1", "2026-03-15T00:00:00.000Z", "launch pad " * 60,
                          media=["3_1"] if (n + i) % 200 == 0 else ()) for i in range(100)]
            fh.write(json.dumps(page(data, [user("1", "u")], media=[photo("3_1", "Pic")])) + "\n")
            n += 100
    return n


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [pytest.param("telegram", id="telegram"), pytest.param("twarc2", id="twarc2")])
def test_a_big_export_is_read_in_bounded_memory(tmp_path, fmt):
    mb = int(os.environ.get("DFKIT_BIG_EXPORT_MB", "120"))
    if fmt == "telegram":
        n = _big_telegram(tmp_path / "export", mb)
    else:
        n = _big_twarc(tmp_path / "export" / "tweets.jsonl", mb)
    done = subprocess.run([sys.executable, "-c", PEAK, str(tmp_path / "export"), str(tmp_path / "case")],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    records, posts, peak = (int(x) for x in done.stdout.split())
    print(f"\n{fmt}: {mb} MB export, {records} records, {posts} posts, peak {peak} MB")
    assert records == n and posts == (n + 199) // 200 - (0 if fmt == "telegram" else 0)
    assert peak < 600, f"{peak} MB for a {mb} MB export: not streamed"
