"""Checks of a bundle's parsed members: SHA256SUMS, the custody.jsonl copy, the signature.

Each returns problems as ``{"member", "problem"}`` dicts (see
:class:`kit.report.bundle.BundleCheck`) instead of raising, so one damaged
member never hides the others.

Examples
--------
>>> problems, listed = sums_problems(b"ab  x\\n" + ("0" * 64 + "  case.sqlite\\n").encode())
>>> problems, list(listed)
([{'member': 'SHA256SUMS', 'problem': "malformed line 'ab  x'"}], ['case.sqlite'])
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from kit.custody import CustodyEntry, canonical_json, verify_chain
from kit.report.bundle_members import SIGNATURE, SUMS, BundleError, read_lines
from kit.signing import PublicKey, verify_signature

__all__ = ["sums_problems", "check_log", "signed_payload", "authenticity", "UNSIGNED"]

_FIELDS = {f.name for f in fields(CustodyEntry)}
UNSIGNED = ("unsigned: SHA256SUMS and the custody head only show that the bundle agrees with itself; "
            "anyone who edits it can rebuild them. Ask the sender for a signed bundle "
            "(dfkit bundle export --sign) and check it with --trust THEIR_KEY.pub")


def sums_problems(data: bytes) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Parse SHA256SUMS: (problems, member -> digest)."""
    problems: list[dict[str, str]] = []
    listed: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            problems.append({"member": SUMS, "problem": f"malformed line {line[:80]!r}"})
            continue
        listed[name] = digest
    return problems, listed


def check_log(log: Path | None, db_entries: Iterable[CustodyEntry]) -> list[dict[str, str]]:
    """custody.jsonl: a valid chain, entry for entry the database's log."""
    if log is None:
        return [{"member": "custody.jsonl", "problem": "missing"}]
    problems: list[dict[str, str]] = []
    differs: list[int] = []

    def parsed() -> Iterator[CustodyEntry]:
        db = iter(db_entries)
        for n, line in enumerate(read_lines(log), 1):
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or set(row) != _FIELDS:
                    raise ValueError("not the fields of a custody entry")
                entry = CustodyEntry(**row)
            except (ValueError, TypeError) as exc:
                problems.append({"member": "custody.jsonl", "problem": f"line {n}: unreadable ({exc})"})
                return
            if not differs and next(db, None) != entry:
                differs.append(entry.seq)
            yield entry
        if not differs and next(db, None) is not None:
            differs.append(-1)

    try:
        for p in verify_chain(parsed()):
            problems.append({"member": "custody.jsonl", "problem": f"entry {p['seq']}: {p['problem']}"})
    except BundleError as exc:
        problems.append({"member": "custody.jsonl", "problem": str(exc)})
    if differs:
        where = "it ends early" if differs[0] == -1 else f"from entry {differs[0]}"
        problems.append({"member": "custody.jsonl", "problem": f"differs from the database's custody log ({where})"})
    return problems


def signed_payload(case_id: str, head: dict[str, Any] | None, sums: bytes) -> bytes:
    """The bytes a bundle signature covers: case id, custody head and SHA-256 of SHA256SUMS."""
    return canonical_json({"format": "dfkit-bundle-signature", "case_id": case_id, "custody_head": head,
                           "sha256sums": hashlib.sha256(sums).hexdigest()}).encode()


def authenticity(sig: bytes | None, case_id: str, head: dict[str, Any] | None, sums: bytes,
                 trusted: tuple[PublicKey, ...], problems: list[dict[str, str]]) -> tuple[str, str | None]:
    """What proves who made the bundle: (a sentence, the signing key's id or None); problems appended."""
    if sig is None:
        if trusted:
            problems.append({"member": SIGNATURE, "problem": "missing: the bundle is unsigned, and a signature "
                                                             "by a trusted key was required"})
        return UNSIGNED, None
    try:
        doc = json.loads(sig)
        key = PublicKey(bytes.fromhex(doc["public_key"]), str(doc.get("analyst", "")))
        signature = str(doc["signature"])
        if len(key.raw) != 32:
            raise ValueError("a public key is 32 bytes")
    except (ValueError, KeyError, TypeError) as exc:
        problems.append({"member": SIGNATURE, "problem": f"unreadable ({exc})"})
        return "the signature is unreadable", None
    if not verify_signature(signed_payload(case_id, head, sums), signature, key):
        problems.append({"member": SIGNATURE, "problem": f"does not match: key {key.key_id} did not sign this "
                                                         "case id, custody head and SHA256SUMS"})
        return f"the signature of key {key.key_id} does not match the bundle", None
    who = f"signed by {key.analyst or 'an unnamed analyst'} with key {key.key_id}"
    if not trusted:
        return (f"{who}, but no trusted key was given: anyone can sign with a key of their own; check it "
                "with --trust THEIR_KEY.pub"), key.key_id
    if key not in trusted:
        problems.append({"member": SIGNATURE, "problem": f"signed with key {key.key_id}, which is not a key "
                                                         "you trust"})
        return f"{who}, which is not a key you trust", key.key_id
    return (f"{who}, a key you trust: the custody head ({head['seq'] if head else '-'}) and every member "
            "are as they signed them"), key.key_id
