"""What the analyst gets: the kit's manifest (manifest.csv), and the same incident as collection
exports (collection/): a twarc2 search of the X posts, one Telegram Desktop channel export per
Telegram account, and a manifest of the Facebook and Instagram posts saved by hand.

The manifest rows draw from the shared random generator (counts, time zones,
ids) in a fixed order; the exports are written from the rows and draw
nothing, so adding them changed no byte of the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kit.demo.cascade import T0, _Post

ORDER = ("x", "facebook", "telegram", "instagram")  # collection order -> post ids


ZONES = {"x": ["Z", "Z", "Z", "+01:00", "-05:00"], "facebook": ["-05:00", "-05:00", "+01:00", "Z"],
         "telegram": ["+01:00", "+01:00", "+05:30", "Z"], "instagram": ["+05:30", "-05:00", "Z"]}


def _stamp(t: float, zone: str, rng) -> str:
    dt = T0 + timedelta(seconds=round(t * 3600))
    if zone == "Z":
        frac = ".000" if rng.random() < 0.3 else ""
        return dt.strftime(f"%Y-%m-%dT%H:%M:%S{frac}Z")
    sign = 1 if zone[0] == "+" else -1
    off = timedelta(hours=sign * int(zone[1:3]), minutes=sign * int(zone[4:6]))
    return dt.astimezone(timezone(off)).isoformat()


def _url(p: _Post, rng, msg_ids: dict) -> str:
    dt = T0 + timedelta(seconds=round(p.t * 3600))
    handle = p.account.replace(" ", "").lower()
    if p.platform == "x":
        sf = ((int(dt.timestamp() * 1000) - 1288834974657) << 22) | int(rng.integers(0, 1 << 22))
        return f"https://x.example/{p.account}/status/{sf}"
    if p.platform == "facebook":
        return f"https://facebook.example/{handle}/posts/{int(rng.integers(10**15, 10**16))}"
    if p.platform == "telegram":
        msg_ids[p.account] = msg_ids.get(p.account, int(rng.integers(900, 40000))) + \
            int(rng.integers(1, 30))
        return f"https://t.example/{p.account}/{msg_ids[p.account]}"
    abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    code = "".join(abc[int(i)] for i in rng.integers(0, len(abc), 11))
    return f"https://instagram.example/{'reel' if p.kind == 'video' else 'p'}/{code}/"


# -- the kit's manifest ------------------------------------------------------------------------------------

def manifest_rows(posts: list, pid: dict, acc, children: dict, missing, badtime, bad_rows: list, rng,
                  out: Path) -> tuple[list, int]:
    """One manifest row a post (in post id order), each post's media written to ``out/media``; media bytes."""
    rows, msg_ids, media_bytes = [], {}, 0
    for p in sorted(posts, key=lambda q: pid[q.key]):
        i = pid[p.key]
        path = f"media/{i}.{p.ext}"
        if p is not missing:
            (out / path).write_bytes(p.data)
            media_bytes += len(p.data)
        fol = acc.followers[p.account]
        n_explicit = sum(1 for q in posts if q.explicit == p.key)
        if p.role == "share" and p.platform == "x":
            likes, shares, views = 0, 0, ""
        else:
            v = int(fol * rng.lognormal(-0.7, 0.9)) + 40 * len(children.get(p.key, [])) + 3
            likes = int(v * rng.uniform(0.01, 0.05))
            shares = n_explicit + int(likes * rng.uniform(0.02, 0.15))
            views = "" if p.platform in ("facebook", "instagram") and p.kind == "image" else v
        zone = str(rng.choice(ZONES[p.platform]))
        rows.append({"post_id": i, "platform": p.platform, "account": p.account,
                     "posted_at": bad_rows[1]["value"] if p is badtime else _stamp(p.t, zone, rng),
                     "url": _url(p, rng, msg_ids), "media_path": path,
                     "parent_post_id": pid[p.explicit] if p.explicit is not None else "",
                     "caption": p.caption, "likes": likes, "shares": shares, "views": views,
                     "lang": p.lang, "scrape_id": f"{ORDER.index(p.platform) + 1}-"
                     f"{int(rng.integers(0, 16**6)):06x}"})
    return rows, media_bytes


def write_manifest(path: Path, rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


# -- the same incident as the collection tools export it ---------------------------------------------------

def _digits(text: str, n: int) -> int:
    """A stable number of ``n`` digits from a text (user ids, chat ids, media ids)."""
    return 10 ** (n - 1) + int(hashlib.sha256(text.encode()).hexdigest(), 16) % (9 * 10 ** (n - 1))


def _utc(row: dict, truth_posts: dict) -> datetime:
    return datetime.strptime(truth_posts[row["post_id"]]["posted_at_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc)


def write_collection(out: Path, rows: list, data: dict, truth_posts: dict, missing: str) -> dict:
    """Write ``out/collection``: X as twarc2, Telegram as Telegram Desktop exports, the rest as a manifest.

    ``data`` maps a post id to its media bytes. Returns each post id's id in
    the exports (``x:<tweet id>``, ``telegram:<chat id>/<message id>``, or the
    manifest's own).
    """
    col = out / "collection"
    ids = _twarc2(col / "x", [r for r in rows if r["platform"] == "x"], data, truth_posts, missing)
    ids.update(_telegram(col / "telegram", [r for r in rows if r["platform"] == "telegram"], data, truth_posts,
                         missing))
    rest = [dict(r) for r in rows if r["platform"] not in ("x", "telegram")]
    (col / "media").mkdir(parents=True, exist_ok=True)
    for r in rest:
        if r["post_id"] != missing:
            (col / r["media_path"]).write_bytes(data[r["post_id"]])
        ids[r["post_id"]] = r["post_id"]
    write_manifest(col / "manifest.csv", rest)
    return ids


def _tweet_id(row: dict) -> str:
    return row["url"].rsplit("/", 1)[1]


def _twarc2(folder: Path, rows: list, data: dict, truth_posts: dict, missing: str) -> dict:
    """twarc2 search pages (20 tweets a line) with their includes; media as a download tool saved them."""
    import base64

    (folder / "media").mkdir(parents=True, exist_ok=True)
    by_pid = {r["post_id"]: r for r in rows}
    tweets, media = {}, {}
    for r in rows:
        tid = _tweet_id(r)
        metrics = {"retweet_count": int(r["shares"]), "reply_count": 0, "like_count": int(r["likes"]),
                   "quote_count": 0, "bookmark_count": 0}
        if r["views"] != "":
            metrics["impression_count"] = int(r["views"])
        t = {"id": tid, "author_id": str(_digits(r["account"], 9)),
             "created_at": _utc(r, truth_posts).strftime("%Y-%m-%dT%H:%M:%S.000Z"), "conversation_id": tid,
             "text": r["caption"], "edit_history_tweet_ids": [tid], "lang": r["lang"], "possibly_sensitive": False,
             "public_metrics": metrics}
        parent = by_pid.get(r["parent_post_id"])
        if parent is not None:  # a retweet: no media of its own, the original's counts (as X does)
            t["referenced_tweets"] = [{"type": "retweeted", "id": _tweet_id(parent)}]
            t["public_metrics"] = {**metrics, "retweet_count": int(parent["shares"]), "like_count": 0}
        else:
            mid = str(_digits("media " + tid, 19))
            video = r["media_path"].endswith(".mp4")
            key = f"{'7' if video else '3'}_{mid}"
            t["attachments"] = {"media_keys": [key]}
            if video:
                name = f"{r['account']} - {r['caption'][:30].replace('/', ' ')} [{mid}].mp4"  # yt-dlp's template
                media[key] = {"media_key": key, "type": "video", "duration_ms": 4000, "width": 360, "height": 640,
                              "preview_image_url": f"https://pbs.twimg.com/ext_tw_video_thumb/{mid}/pu/img/t.jpg",
                              "variants": [{"bit_rate": 832000, "content_type": "video/mp4",
                                            "url": f"https://video.twimg.com/ext_tw_video/{mid}/pu/vid/v.mp4"}]}
            else:
                stem = base64.urlsafe_b64encode(hashlib.sha256(mid.encode()).digest()[:11]).decode()  # 15 chars
                name = f"{stem}.jpg"
                media[key] = {"media_key": key, "type": "photo", "url": f"https://pbs.twimg.com/media/{name}"}
            if r["post_id"] != missing:
                (folder / "media" / name).write_bytes(data[r["post_id"]])
        tweets[r["post_id"]] = t
    users = {r["account"]: {"id": str(_digits(r["account"], 9)), "username": r["account"], "name": r["account"]}
             for r in rows}
    lines = []
    order = sorted(rows, key=lambda r: r["post_id"])
    for k in range(0, len(order), 20):
        chunk = order[k:k + 20]
        refs = []  # what each retweet shows: its original, and that one's original in turn
        for r in chunk:
            up = by_pid.get(r["parent_post_id"])
            while up is not None and up not in refs:
                refs.append(up)
                up = by_pid.get(up["parent_post_id"])
        keys = {key for r in chunk + refs for key in tweets[r["post_id"]].get("attachments", {}).get("media_keys", [])}
        page = {"data": [tweets[r["post_id"]] for r in chunk],
                "includes": {"users": [users[a] for a in sorted({r["account"] for r in chunk + refs})],
                             "tweets": [tweets[r["post_id"]] for r in refs],
                             "media": [media[key] for key in sorted(keys)]},
                "meta": {"result_count": len(chunk)},
                "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all?query=launch%20pad", "version": "2.14.0",
                            "retrieved_at": "2026-03-17T09:00:00+00:00"}}
        if not page["includes"]["tweets"]:
            del page["includes"]["tweets"]
        lines.append(json.dumps(page, ensure_ascii=False))
    (folder / "search.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {r["post_id"]: f"x:{_tweet_id(r)}" for r in rows}


def _as_file(pid: str, truth_posts: dict) -> bool:
    """A forward keeps its original's form: sent as a file if the first post of its bytes was."""
    while truth_posts[pid]["same_bytes_as"] and not truth_posts[pid]["uploaded_as_file"]:
        pid = truth_posts[pid]["same_bytes_as"]
    return truth_posts[pid]["uploaded_as_file"]


def _telegram(folder: Path, rows: list, data: dict, truth_posts: dict, missing: str) -> dict:
    """One "Export chat history" folder per channel (made on a computer at UTC+1), media beside result.json."""
    import io

    from PIL import Image

    by_pid = {r["post_id"]: r for r in rows}
    ids = {}
    for account in sorted({r["account"] for r in rows}):
        chat = _digits(account, 10)
        export = folder / f"ChatExport_{account}"
        msgs = []
        for n, r in enumerate(sorted((r for r in rows if r["account"] == account),
                                     key=lambda r: int(r["url"].rsplit("/", 1)[1])), start=1):
            when = _utc(r, truth_posts)
            local = when + timedelta(hours=1)
            mid = int(r["url"].rsplit("/", 1)[1])
            m = {"id": mid, "type": "message", "date": local.strftime("%Y-%m-%dT%H:%M:%S"),
                 "date_unixtime": str(int(when.timestamp())), "from": account, "from_id": f"channel{chat}"}
            parent = by_pid.get(r["parent_post_id"])
            if parent is not None:  # a forward: Telegram Desktop names the original's channel, no message id
                m["forwarded_from"] = parent["account"]
            blob = data[r["post_id"]]
            if r["post_id"] == missing:
                m["photo"] = "(File not included. Change data exporting settings to download.)"
            elif _as_file(r["post_id"], truth_posts):
                name = f"files/{r['post_id']}_{Path(r['media_path']).name}"
                m.update({"file": name, "file_name": Path(r["media_path"]).name, "file_size": len(blob),
                          "mime_type": "image/png" if name.endswith(".png") else "image/jpeg"})
            else:
                name = f"photos/photo_{n}@{local.strftime('%d-%m-%Y_%H-%M-%S')}.jpg"
                w, h = Image.open(io.BytesIO(blob)).size
                m.update({"photo": name, "photo_file_size": len(blob), "width": w, "height": h})
            if r["post_id"] != missing:
                (export / name).parent.mkdir(parents=True, exist_ok=True)
                (export / name).write_bytes(blob)
            m["text"] = r["caption"]
            m["text_entities"] = [{"type": "plain", "text": r["caption"]}] if r["caption"] else []
            if int(r["likes"]):
                m["reactions"] = [{"type": "emoji", "count": int(r["likes"]), "emoji": "\U0001f44d"}]
            msgs.append(m)
            ids[r["post_id"]] = f"telegram:{chat}/{mid}"
        doc = {"name": account, "type": "public_channel", "id": chat, "messages": msgs}
        (export / "result.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return ids
