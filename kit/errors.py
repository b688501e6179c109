"""The kit's exceptions: one root, one branch per capability.

Every error says which file, which step and why. Raise them ``from`` the
underlying cause so the original traceback is kept.

Examples
--------
>>> from kit.errors import KitError, TruncatedMedia
>>> issubclass(TruncatedMedia, KitError)
True
>>> str(TruncatedMedia("cut.jpg: image data ends early", path="cut.jpg"))
'cut.jpg: image data ends early'
"""

from __future__ import annotations

__all__ = [
    "KitError",
    "MissingExtra",
    "ManifestError",
    "CaseError",
    "CaseNotFound",
    "CaseExists",
    "SchemaError",
    "StepError",
    "MediaError",
    "UnsupportedMedia",
    "TruncatedMedia",
    "CorruptMedia",
    "DecompressionBomb",
    "DecoderCrash",
    "DecoderTimeout",
]


class KitError(Exception):
    """Root of every error the kit raises on purpose.

    Parameters
    ----------
    message
        What went wrong, in plain words, naming the file and the step.
    path
        The file concerned, where there is one.
    """

    def __init__(self, message: str, *, path: object | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)


class MissingExtra(KitError, ImportError):
    """An optional dependency is not installed; the message names the extra."""


class ManifestError(KitError):
    """A manifest cannot be read at all (bad rows are reported, not raised)."""


class CaseError(KitError):
    """A case folder cannot be created, opened or written."""


class CaseNotFound(CaseError):
    """No case at the given path."""


class CaseExists(CaseError):
    """A case already exists at the given path."""


class SchemaError(CaseError):
    """The case database was written by a newer kit, or is not a case database."""


class StepError(KitError):
    """An analysis step failed on one item (stored as an error row)."""


class MediaError(KitError):
    """A media file cannot be decoded safely."""


class UnsupportedMedia(MediaError):
    """The bytes are not an image or video format the kit decodes."""


class TruncatedMedia(MediaError):
    """The file ends before the image or video data does."""


class CorruptMedia(MediaError):
    """The file is damaged or malformed (bad header, bad tables, bad EXIF)."""


class DecompressionBomb(MediaError):
    """The declared size is over the pixel limit."""


class DecoderCrash(MediaError):
    """The decoder killed its (isolated) worker process."""


class DecoderTimeout(MediaError):
    """The decoder ran over its time limit and its worker was stopped."""
