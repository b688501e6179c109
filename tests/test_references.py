"""Reference pictures an analyst found elsewhere: evidence without posts, compared like posts, never spread."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from skimage import data

from kit.case import Case


def _photo(name: str, side: int = 640) -> Image.Image:
    a = getattr(data, name)()
    im = Image.fromarray(a[..., :3] if a.ndim == 3 else np.stack([a] * 3, -1))
    s = side / max(im.size)
    return im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS)


@pytest.fixture(scope="module")
def incident(tmp_path_factory):
    """Two posts of a composite (a cat pasted onto the rocket photo); the rocket photo is not posted
    but lies in a folder of references beside a text file and a link leading out of it."""
    root = tmp_path_factory.mktemp("refs")
    (root / "inc" / "media").mkdir(parents=True)
    photo = _photo("rocket")
    fake = photo.copy()
    fake.paste(_photo("chelsea").resize((220, 210)), (300, 120))
    fake.save(root / "inc" / "media" / "fake.jpg", quality=90)
    fake.resize((fake.width // 2, fake.height // 2)).save(root / "inc" / "media" / "repost.jpg", quality=75)
    (root / "inc" / "manifest.csv").write_text(
        "post_id,platform,account,posted_at,url,media_path,parent_post_id\n"
        "p1,x,@a,2024-03-01T10:00:00Z,https://x.example/1,media/fake.jpg,\n"
        "p2,x,@b,2024-03-01T12:00:00Z,https://x.example/2,media/repost.jpg,p1\n")
    refs = root / "found"
    refs.mkdir()
    photo.save(refs / "launch <b>pad.jpg", quality=92)
    (refs / "notes.txt").write_text("found by reverse image search")
    (root / "outside.jpg").write_bytes((root / "inc" / "media" / "fake.jpg").read_bytes())
    (refs / "link.jpg").symlink_to(root / "outside.jpg")
    return root


@pytest.fixture(scope="module")
def case(incident):
    import kit.hashing

    case = Case.create(incident / "case", title="t", analyst="ana")
    case.ingest(incident / "inc" / "manifest.csv")
    rep = case.add_references(incident / "found", note="TinEye, 2024-03-02")
    assert (rep.n_files, rep.n_added, rep.n_existing) == (3, 1, 0)
    assert sorted(i["file"] for i in rep.issues) == ["link.jpg", "notes.txt"]
    for step in kit.hashing.STEPS:
        case.run(step)
    case.match()
    yield case
    case.close()


def test_references_are_evidence_without_posts_with_who_and_where(case):
    refs = case.references()
    assert refs[["name", "source", "note", "analyst"]].values.tolist() == [
        ["launch <b>pad.jpg", "launch <b>pad.jpg", "TinEye, 2024-03-02", "ana"]]
    sha = refs["sha256"].iloc[0]
    assert sha in set(case.media()["sha256"]) and sha not in set(case.posts()["media_sha256"])
    assert case.verify().ok  # copied read-only and logged like any evidence


def test_adding_them_again_copies_and_marks_nothing_new(case, incident):
    rep = case.add_references(incident / "found")
    assert (rep.n_added, rep.n_existing) == (0, 1)
    assert len(case.references()) == 1 and len(case.decisions("reference")) == 1


def test_a_composite_of_a_reference_is_named_with_it_and_found_high(case):
    comp = case.composites()
    assert len(comp) >= 1
    assert set(comp["source_label"]) == {"reference launch <b>pad.jpg"}
    assert "p1" in set(comp["suspect_label"]) and comp["source_posts"].map(len).eq(0).all()
    f = case.findings()
    top = f[f["code"] == "COMPOSITE_OF_SOURCE"]
    assert len(top) and top["message"].str.contains("is reference launch <b>pad.jpg with a region").all()
    assert json.loads(top["value"].iloc[0])["source"] == case.references()["sha256"].iloc[0]


def test_the_spread_never_counts_a_reference(case):
    res = case.spread(content=True)
    assert set(res.graph.nodes) == {"p1", "p2"}
    assert res.graph.has_edge("p1", "p2")


def test_dfkit_ingest_references(incident, tmp_path, capsys):
    from kit.cli import main

    assert main(["ingest", "--case", str(tmp_path / "c"), "--references", str(incident / "found"),
                 "--note", "archive.org"]) == 0
    out = capsys.readouterr().out
    assert "3 files, 1 new media files, 0 already in the case, 2 refused" in out
    assert "'notes.txt': not a picture or video" in out
    assert main(["ingest", "--case", str(tmp_path / "c")]) == 2
    assert "--references" in capsys.readouterr().err
    c = Case.open(tmp_path / "c")
    try:
        assert c.references()["note"].tolist() == ["archive.org"] and len(c.posts()) == 0
    finally:
        c.close()


def test_the_report_shows_the_reference_as_the_source_and_escapes_its_name(case):
    from kit.report.sections import source_comparison

    html = source_comparison(case).data
    assert "is reference launch &lt;b&gt;pad.jpg with a region of" in html
    assert "<b>pad" not in html and html.count("<img src=\"data:image/png;base64,") == 3


def test_the_report_lists_the_reference_files_among_the_evidence(case):
    from kit.report.appendix import evidence_table

    html = evidence_table(case).data
    assert "Reference files the analyst added" in html and "TinEye, 2024-03-02" in html
    assert case.references()["sha256"].iloc[0] in html and "launch &lt;b&gt;pad.jpg" in html
