"""Ed25519 keys for signing what an analyst shares, kept outside every case.

A bundle's SHA256SUMS and custody head only show that it agrees with itself:
whoever edits it can rebuild both. A signature by a key the recipient already
trusts shows who made it. The kit creates one key pair per analyst in a key
folder outside any case (``$DFKIT_KEY_DIR``, else ``~/.config/dfkit/keys``):

    <analyst>.key   the private key (PKCS#8 PEM), readable by its owner only
    <analyst>.pub   one line ``dfkit-ed25519 <64 hex digits> <analyst>``: give it
                    to colleagues, who check bundles with ``--trust FILE.pub``

Uses the ``cryptography`` package (extra ``sign``).

Examples
--------
>>> import tempfile
>>> keys = Path(tempfile.mkdtemp())
>>> pub = create_key("ana", key_dir=keys)
>>> sig = sign(b"head 12 abc", "ana", key_dir=keys)
>>> verify_signature(b"head 12 abc", sig, pub), verify_signature(b"head 12 abd", sig, pub)
(True, False)
>>> read_public_key(keys / "ana.pub") == pub
True
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kit.errors import KitError
from kit.extras import optional_import

__all__ = ["KEY_ENV", "SigningError", "PublicKey", "default_key_dir", "create_key", "ensure_key",
           "key_paths", "public_key", "read_public_key", "sign", "verify_signature"]

KEY_ENV = "DFKIT_KEY_DIR"
_PUB = re.compile(r"dfkit-ed25519 ([0-9a-f]{64})(?: (.*))?")


class SigningError(KitError):
    """A key cannot be created, read or used."""


@dataclass(frozen=True)
class PublicKey:
    """An analyst's public key: ``raw`` 32 bytes; ``key_id`` the first 16 hex digits of its SHA-256."""

    raw: bytes
    analyst: str = ""

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def text(self) -> str:
        """The ``.pub`` file's one line."""
        return f"dfkit-ed25519 {self.raw.hex()} {self.analyst}".rstrip() + "\n"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)


def _crypto():
    """(ed25519, serialization) from ``cryptography``, or MissingExtra naming the ``sign`` extra."""
    optional_import("cryptography", extra="sign")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519, serialization


def default_key_dir() -> Path:
    """``$DFKIT_KEY_DIR``, else ``$XDG_CONFIG_HOME/dfkit/keys``, else ``~/.config/dfkit/keys``."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "dfkit" / "keys"


def _stem(analyst: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", analyst).lstrip(".") or "analyst"


def key_paths(analyst: str, key_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Where ``analyst``'s private and public key files are (or would be)."""
    folder = Path(key_dir) if key_dir else default_key_dir()
    return folder / f"{_stem(analyst)}.key", folder / f"{_stem(analyst)}.pub"


def create_key(analyst: str, *, key_dir: str | Path | None = None) -> PublicKey:
    """Make a new key pair for ``analyst``; refuses to overwrite one or to write into a case folder."""
    ed25519, serialization = _crypto()
    private_path, public_path = key_paths(analyst, key_dir)
    folder = private_path.parent.absolute()
    if any((p / "case.sqlite").exists() for p in (folder, *folder.parents)):
        raise SigningError(f"{folder}: inside a case folder; keys are kept outside every case", path=folder)
    if private_path.exists():
        raise SigningError(f"{private_path}: a key for {analyst} already exists", path=private_path)
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub = PublicKey(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
                    analyst)
    public_path.write_text(pub.text(), encoding="utf-8")
    return pub


def ensure_key(analyst: str, *, key_dir: str | Path | None = None) -> tuple[PublicKey, bool]:
    """``analyst``'s public key, creating the pair first if there is none: (key, created)."""
    if key_paths(analyst, key_dir)[0].exists():
        return public_key(analyst, key_dir=key_dir), False
    return create_key(analyst, key_dir=key_dir), True


def _private(analyst: str, key_dir: str | Path | None):
    ed25519, serialization = _crypto()
    path = key_paths(analyst, key_dir)[0]
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise SigningError(f"no key for {analyst} in {path.parent}: create one with "
                           f"`dfkit bundle key --analyst {analyst}`", path=path) from exc
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"{path}: not a readable private key ({exc})", path=path) from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 key", path=path)
    return key


def public_key(analyst: str, *, key_dir: str | Path | None = None) -> PublicKey:
    """The public half of ``analyst``'s key."""
    serialization = _crypto()[1]
    raw = _private(analyst, key_dir).public_key().public_bytes(serialization.Encoding.Raw,
                                                               serialization.PublicFormat.Raw)
    return PublicKey(raw, analyst)


def read_public_key(path: str | Path) -> PublicKey:
    """A ``.pub`` file written by :func:`create_key`."""
    path = Path(path)
    try:
        line = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"{path}: cannot read the public key ({exc})", path=path) from exc
    m = _PUB.fullmatch(line)
    if not m:
        raise SigningError(f"{path}: not a dfkit public key (expected 'dfkit-ed25519 <64 hex> <name>')",
                           path=path)
    return PublicKey(bytes.fromhex(m.group(1)), m.group(2) or "")


def sign(payload: bytes, analyst: str, *, key_dir: str | Path | None = None) -> str:
    """Hex Ed25519 signature of ``payload`` with ``analyst``'s private key."""
    return _private(analyst, key_dir).sign(payload).hex()


def verify_signature(payload: bytes, signature: str, key: PublicKey) -> bool:
    """Whether ``signature`` (hex) is ``key``'s signature of ``payload``."""
    ed25519 = _crypto()[0]
    from cryptography.exceptions import InvalidSignature

    try:
        ed25519.Ed25519PublicKey.from_public_bytes(key.raw).verify(bytes.fromhex(signature), payload)
    except (InvalidSignature, ValueError):
        return False
    return True
