"""Analyst keys: created outside every case, private file readable by its owner only, signatures checked."""

from __future__ import annotations

import stat

import pytest

from kit.case import Case
from kit.signing import (
    SigningError, create_key, ensure_key, read_public_key, sign, verify_signature,
)


def test_key_pair_files_and_permissions(tmp_path):
    pub = create_key("ana lee", key_dir=tmp_path / "keys")
    private = tmp_path / "keys" / "ana_lee.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes()
    assert read_public_key(tmp_path / "keys" / "ana_lee.pub") == pub and len(pub.key_id) == 16
    assert ensure_key("ana lee", key_dir=tmp_path / "keys") == (pub, False)


def test_rfc8032_known_answer(tmp_path):
    """RFC 8032 section 7.1, test 1: the empty message signed by its secret key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    (tmp_path / "rfc.key").write_bytes(Ed25519PrivateKey.from_private_bytes(secret).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    assert sign(b"", "rfc", key_dir=tmp_path) == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


@pytest.mark.parametrize(
    "problem, call, message",
    [
        pytest.param("overwrite", lambda d: (create_key("a", key_dir=d), create_key("a", key_dir=d)),
                     "already exists", id="no-overwrite"),
        pytest.param("inside-case", lambda d: (Case.create(d / "case"), create_key("a", key_dir=d / "case" / "k")),
                     "inside a case folder", id="not-in-a-case"),
        pytest.param("no-key", lambda d: sign(b"x", "nobody", key_dir=d), "no key for nobody", id="missing"),
        pytest.param("bad-pub", lambda d: (d / "x.pub").write_text("ssh-rsa AAAA") and read_public_key(d / "x.pub"),
                     "not a dfkit public key", id="bad-public-file"),
    ],
)
def test_refusals(tmp_path, problem, call, message):
    with pytest.raises(SigningError, match=message):
        call(tmp_path)


def test_signature_binds_key_and_payload(tmp_path):
    ana, eve = create_key("ana", key_dir=tmp_path), create_key("eve", key_dir=tmp_path)
    sig = sign(b"payload", "ana", key_dir=tmp_path)
    assert verify_signature(b"payload", sig, ana)
    assert not verify_signature(b"payload", sig, eve)
    assert not verify_signature(b"payload!", sig, ana)
    assert not verify_signature(b"payload", "zz", ana)
