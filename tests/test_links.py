"""kit.casework.links: parents not in the case, forwards linked by account and identical file (also across ingests)."""

from __future__ import annotations

import pandas as pd

from _exports import jpeg, tg_message, write_telegram
from kit.case import Case

T0 = 1773531720
SAME = jpeg(61)


def _export(folder, name, cid, msgs):
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    (folder / "photos" / "p.jpg").write_bytes(SAME)
    return write_telegram(folder, [{"name": name, "type": "public_channel", "id": cid, "messages": msgs}])


def test_a_forward_is_linked_when_its_original_arrives_in_a_later_ingest(tmp_path):
    fwd = _export(tmp_path / "front", "Frontline", 111, [
        tg_message(5, T0 + 60, "Frontline", "channel111", forwarded_from="Insider Wire", photo="photos/p.jpg")])
    orig = _export(tmp_path / "insider", "Insider Wire", 222, [
        tg_message(77, T0, "Insider Wire", "channel222", photo="photos/p.jpg"),
        tg_message(90, T0 + 600, "Insider Wire", "channel222", photo="photos/p.jpg")])  # later: not a candidate
    case = Case.create(tmp_path / "case")
    case.ingest(fwd)
    assert pd.isna(case.posts().set_index("post_id").loc["telegram:111/5", "parent_post_id"])
    rep = case.ingest(orig)
    assert case.posts().set_index("post_id").loc["telegram:111/5", "parent_post_id"] == "telegram:222/77"
    assert rep.issues["reason"].str.contains("linked to telegram:222/77").any()
    assert case.verify().ok  # the update is vouched for by the links.resolved entry


def test_two_candidates_leave_the_link_open_and_say_so(tmp_path):
    both = _export(tmp_path / "insider", "Insider Wire", 222, [
        tg_message(77, T0, "Insider Wire", "channel222", photo="photos/p.jpg"),
        tg_message(78, T0 + 10, "Insider Wire", "channel222", photo="photos/p.jpg")])
    fwd = _export(tmp_path / "front", "Frontline", 111, [
        tg_message(5, T0 + 60, "Frontline", "channel111", forwarded_from="Insider Wire", photo="photos/p.jpg")])
    case = Case.create(tmp_path / "case")
    case.ingest(both)
    rep = case.ingest(fwd)
    assert pd.isna(case.posts().set_index("post_id").loc["telegram:111/5", "parent_post_id"])
    reason = rep.issues.set_index("field").loc["parent_post_id", "reason"]
    assert reason == ("forward from 'Insider Wire' not linked: 2 earlier posts by that account have the same file "
                      "(telegram:222/77, telegram:222/78)")


def test_a_parent_outside_the_case_is_kept_and_reported(tmp_path):
    reply = _export(tmp_path / "front", "Frontline", 111, [
        tg_message(5, T0, "Frontline", "channel111", reply_to_message_id=4, photo="photos/p.jpg")])
    case = Case.create(tmp_path / "case")
    rep = case.ingest(reply)
    assert case.posts()["parent_post_id"].tolist() == ["telegram:111/4"]
    assert rep.issues.set_index("field").loc["parent_post_id", "reason"] == \
        "parent telegram:111/4 is not in the case (kept as given)"
