"""Hash value objects and packed arrays for vectorised Hamming distance.

A :class:`Hash` holds the bits of one perceptual hash (64 bits for the
imagehash family, 256 for PDQ), most significant bit first, exactly as its hex
string reads. ``a - b`` is the Hamming distance, ``str(h)`` the hex string and
:meth:`Hash.from_hex` reads it back. :func:`pack` turns many hashes (or hex
strings) into one ``uint8`` array of shape ``(n, nbits // 8)`` that the search
functions in :mod:`kit.matching` work on.

Examples
--------
>>> from kit.hashing.values import Hash, pack, hamming_matrix
>>> a = Hash.from_hex("ffff000000000000", kind="phash")
>>> b = Hash.from_hex("ff00000000000001", kind="phash")
>>> a - b, len(a), str(a)
(9, 64, 'ffff000000000000')
>>> hamming_matrix(pack([a, b]), pack(["0000000000000000"])).ravel().tolist()
[16, 9]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kit.errors import KitError

__all__ = [
    "Hash",
    "HashError",
    "pack",
    "as_uint64",
    "hamming_matrix",
    "hamming_to",
]


class HashError(KitError, ValueError):
    """A hash string or array is malformed, or two hashes of different sizes are compared."""


@dataclass(frozen=True)
class Hash:
    """One perceptual hash: its bits (MSB first, as the hex reads) and its algorithm.

    Parameters
    ----------
    data
        The hash bytes, ``nbits // 8`` of them.
    kind
        Algorithm name (``"pdq"``, ``"phash"``, ``"dhash"``, ``"ahash"``, ``"whash"``).

    Examples
    --------
    >>> h = Hash.from_hex("0f" * 32, kind="pdq")
    >>> h.nbits, h - h, Hash.from_hex(str(h)) == Hash(h.data, kind="")
    (256, 0, True)
    >>> h.to_bits()[:8].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """

    data: bytes
    kind: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.data, (bytes, bytearray)) or len(self.data) == 0:
            raise HashError(f"hash data must be non-empty bytes, got {type(self.data).__name__}")
        object.__setattr__(self, "data", bytes(self.data))

    @classmethod
    def from_hex(cls, text: str, *, kind: str = "") -> Hash:
        """Read a hex string (any even length; 16 hex digits = 64 bits)."""
        text = str(text).strip().lower()
        try:
            data = bytes.fromhex(text)
        except ValueError as exc:
            raise HashError(f"not a hex hash: {text[:80]!r}") from exc
        if not data:
            raise HashError("empty hash string")
        return cls(data, kind=kind)

    @classmethod
    def from_bits(cls, bits: Iterable[int] | np.ndarray, *, kind: str = "") -> Hash:
        """Build from a 0/1 sequence, most significant bit first (length a multiple of 8)."""
        arr = np.asarray(bits).astype(bool).ravel()
        if arr.size == 0 or arr.size % 8:
            raise HashError(f"bit count must be a positive multiple of 8, got {arr.size}")
        return cls(np.packbits(arr).tobytes(), kind=kind)

    @property
    def nbits(self) -> int:
        """Number of bits."""
        return 8 * len(self.data)

    def __len__(self) -> int:
        return self.nbits

    def __str__(self) -> str:
        return self.data.hex()

    def __sub__(self, other: Hash | str) -> int:
        if isinstance(other, str):
            other = Hash.from_hex(other)
        if not isinstance(other, Hash):
            return NotImplemented
        if len(other.data) != len(self.data):
            raise HashError(f"cannot compare a {self.nbits}-bit and a {other.nbits}-bit hash")
        x = int.from_bytes(self.data, "big") ^ int.from_bytes(other.data, "big")
        return x.bit_count()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Hash):
            return self.data == other.data
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.data)

    def to_uint8(self) -> np.ndarray:
        """The bytes as a ``uint8`` array of length ``nbits // 8``."""
        return np.frombuffer(self.data, dtype=np.uint8).copy()

    def to_uint64(self) -> np.ndarray:
        """Big-endian 64-bit words as a ``uint64`` array (bits a multiple of 64)."""
        if len(self.data) % 8:
            raise HashError(f"{self.nbits} bits do not fill 64-bit words")
        return np.frombuffer(self.data, dtype=">u8").astype(np.uint64)

    def to_bits(self) -> np.ndarray:
        """The bits as a ``uint8`` 0/1 array, most significant first."""
        return np.unpackbits(self.to_uint8())


def pack(hashes: Iterable[Hash | str | bytes] | np.ndarray) -> np.ndarray:
    """Pack hashes (Hash objects, hex strings or bytes) into a ``(n, nbytes)`` uint8 array.

    Raises :class:`HashError` when the sizes differ or a string is not hex.

    Examples
    --------
    >>> pack(["00ff", "0101"]).tolist()
    [[0, 255], [1, 1]]
    """
    if isinstance(hashes, np.ndarray):
        if hashes.dtype != np.uint8 or hashes.ndim != 2:
            raise HashError(f"packed hashes must be a 2-D uint8 array, got {hashes.dtype} {hashes.shape}")
        return np.ascontiguousarray(hashes)
    rows = []
    for h in hashes:
        if isinstance(h, Hash):
            rows.append(h.data)
        elif isinstance(h, (bytes, bytearray)):
            rows.append(bytes(h))
        else:
            rows.append(Hash.from_hex(h).data)
    if not rows:
        return np.zeros((0, 0), dtype=np.uint8)
    size = len(rows[0])
    if any(len(r) != size for r in rows):
        raise HashError("hashes of different sizes cannot be packed together")
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), size).copy()


def as_uint64(packed: np.ndarray) -> np.ndarray:
    """View packed hashes as ``(n, nbytes // 8)`` uint64 words (padding to 8 bytes)."""
    packed = pack(packed)
    n, nb = packed.shape
    if nb % 8:
        packed = np.concatenate([packed, np.zeros((n, 8 - nb % 8), np.uint8)], axis=1)
    return np.ascontiguousarray(packed).view(np.uint64)


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All Hamming distances between packed sets ``a`` (n) and ``b`` (m): ``(n, m)`` int32.

    Uses numpy's popcount on 64-bit words; memory is ``n * m * words``, so keep
    ``n * m`` under a few million per call (the search module chunks for you).
    """
    wa, wb = as_uint64(a), as_uint64(b)
    if wa.shape[1] != wb.shape[1]:
        raise HashError("hash sets have different sizes")
    x = np.bitwise_xor(wa[:, None, :], wb[None, :, :])
    return np.bitwise_count(x).sum(axis=2, dtype=np.int32)


def hamming_to(packed: np.ndarray, query: Hash | str | np.ndarray) -> np.ndarray:
    """Distances from every row of ``packed`` to one ``query``: ``(n,)`` int32."""
    q = pack([query]) if not isinstance(query, np.ndarray) else pack(query.reshape(1, -1))
    return hamming_matrix(packed, q)[:, 0]
