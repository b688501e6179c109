"""C2PA content credentials via c2pa-python (the ``c2pa`` extra).

The reader runs offline (remote-manifest and OCSP fetching off). Validation
is summarised in ``C2PA:Status``:

- ``"valid"``: the signature and hashes check out and the signer is trusted;
- ``"untrusted"``: the signature and hashes check out but the signing
  certificate is not on a trust list (``signingCredential.untrusted``; the
  SDK's state is ``Valid``, not ``Trusted``) -- typical of test and
  self-signed credentials;
- ``"invalid"``: another validation failure (``claimSignature.mismatch``,
  ``assertion.dataHash.mismatch`` ...); ``C2PA:Failures`` lists them.

AI generation is read from every action's ``digitalSourceType`` in every
manifest of the store (the active manifest and its ingredients).

Examples
--------
>>> summarise_store({"active_manifest": "m", "validation_state": "Valid",
...     "validation_status": [{"code": "signingCredential.untrusted"}],
...     "manifests": {"m": {"claim_generator": "Firefly", "assertions": [
...       {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.created",
...        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"}]}}]}}}
... )["AIGenerated"]
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kit.extras import optional_import

__all__ = ["read_c2pa", "summarise_store", "AI_SOURCE_TYPES", "is_ai_source_type"]

#: IPTC digital source types that mean "made (partly) by generative AI".
AI_SOURCE_TYPES = (
    "trainedAlgorithmicMedia",
    "compositeWithTrainedAlgorithmicMedia",
    "algorithmicMedia",
    "compositeSynthetic",
)
_UNTRUSTED = {"signingCredential.untrusted", "cawg.x509.credential.untrusted"}
_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}


def is_ai_source_type(value: Any) -> bool:
    """True when an IPTC DigitalSourceType URI/name says generative AI.

    Examples
    --------
    >>> is_ai_source_type("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")
    True
    >>> is_ai_source_type("http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture")
    False
    """
    if not isinstance(value, str):
        return False
    return value.strip().rstrip("/").rsplit("/", 1)[-1] in AI_SOURCE_TYPES


def _agent(value: Any) -> Any:
    if isinstance(value, dict):
        return " ".join(str(value[k]) for k in ("name", "version") if value.get(k)) or None
    return value


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for assertion in manifest.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for act in (assertion.get("data") or {}).get("actions") or []:
            if not isinstance(act, dict):
                continue
            item = {
                "action": act.get("action"),
                "softwareAgent": _agent(act.get("softwareAgent")),
                "digitalSourceType": (act.get("digitalSourceType") or "").strip() or None,
                "when": act.get("when"),
            }
            desc = (act.get("parameters") or {}).get("description") if isinstance(act.get("parameters"), dict) else None
            if desc:
                item["description"] = desc
            out.append({k: v for k, v in item.items() if v is not None})
    return out


def _generator(manifest: dict[str, Any]) -> str | None:
    gen = manifest.get("claim_generator")
    if gen:
        return str(gen)
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict):
        return _agent(info[0])
    return None


def summarise_store(store: dict[str, Any]) -> dict[str, Any]:
    """Turn a c2pa manifest-store JSON (``Reader.json()``) into the ``C2PA`` group."""
    manifests: dict[str, Any] = store.get("manifests") or {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) or {}
    statuses = store.get("validation_status") or []
    codes = [s.get("code", "") for s in statuses if isinstance(s, dict)]
    failures = [
        f"{s.get('code')}: {s.get('explanation', '')}".rstrip(": ")
        for s in statuses
        if isinstance(s, dict) and s.get("code") not in _UNTRUSTED
    ]
    state = store.get("validation_state")
    if failures or state == "Invalid":
        status = "invalid"
    elif state == "Trusted" or not any(c in _UNTRUSTED for c in codes):
        status = "valid"
    else:
        status = "untrusted"
    order = [active_label] + [k for k in manifests if k != active_label]
    dsts: list[str] = []
    for label in order:
        for act in _actions(manifests.get(label) or {}):
            d = act.get("digitalSourceType")
            if d and d not in dsts:
                dsts.append(d)
    sig = active.get("signature_info") or {}
    signer = " / ".join(str(sig[k]) for k in ("issuer", "common_name") if sig.get(k)) or None
    ingredients = [
        {k: v for k, v in {
            "title": ing.get("title"), "format": ing.get("format"),
            "relationship": ing.get("relationship"),
            "has_manifest": bool(ing.get("active_manifest") or ing.get("manifest_data")),
        }.items() if v is not None}  # fmt: skip
        for ing in active.get("ingredients") or []
        if isinstance(ing, dict)
    ]
    ai_types = [d for d in dsts if is_ai_source_type(d)]
    out: dict[str, Any] = {
        "Present": True,
        "Status": status,
        "ValidationState": state,
        "SignerTrusted": status == "valid",
        "Failures": failures,
        "ClaimGenerator": _generator(active),
        "Signer": signer,
        "SignedAt": sig.get("time"),
        "Title": active.get("title"),
        "Actions": _actions(active),
        "DigitalSourceTypes": dsts,
        "Ingredients": ingredients,
        "ManifestCount": len(manifests),
        "AIGenerated": bool(ai_types),
    }
    if ai_types:
        out["AISourceType"] = ai_types[0].rstrip("/").rsplit("/", 1)[-1]
    return {k: v for k, v in out.items() if v is not None}


def read_c2pa(path: str | Path, mime: str) -> dict[str, Any]:
    """Read and validate the C2PA manifest store of ``path`` (offline).

    Returns ``{"Present": False}`` when the file has no manifest or its
    format is not one c2pa supports. Raises :class:`kit.errors.MissingExtra`
    when c2pa-python is not installed, ``ValueError`` when the store is
    present but unreadable.
    """
    c2pa = optional_import("c2pa", extra="c2pa")
    if mime not in set(c2pa.Reader.get_supported_mime_types()):
        return {"Present": False, "Note": f"c2pa cannot read {mime}"}
    ctx = c2pa.Context(c2pa.Settings.from_dict(_SETTINGS))
    try:
        with open(path, "rb") as fh, c2pa.Reader(mime, fh, context=ctx) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        name = type(exc).__name__
        if "ManifestNotFound" in name or "ManifestNotFound" in str(exc):
            return {"Present": False}
        raise ValueError(f"C2PA manifest store unreadable: {name}: {exc}") from exc
    return summarise_store(store)
