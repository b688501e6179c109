"""Collections as analysts export them: one small reader per export format.

=============  ==========================================================  ==========================
format         what                                                        module
=============  ==========================================================  ==========================
manifest       the kit's own CSV / JSONL manifest                          :mod:`kit.manifest`
twarc2         twarc2 JSON Lines (X API v2 pages, or flattened tweets)     :mod:`kit.importers.twarc2`
telegram       Telegram Desktop "Export chat history" ``result.json``      :mod:`kit.importers.telegram`
ytdlp          yt-dlp ``--write-info-json`` files beside the downloads     :mod:`kit.importers.ytdlp`
instaloader    instaloader ``.json.xz`` beside each post's pictures        :mod:`kit.importers.instaloader`
gallerydl      gallery-dl ``--write-metadata`` ``.json`` beside each file   :mod:`kit.importers.gallerydl`
4cat           4CAT dataset CSV (+ its media download's ``.metadata.json``)  :mod:`kit.importers.fourcat`
folder         a bare folder of media, one post a file                     :mod:`kit.manifest`
=============  ==========================================================  ==========================

:func:`find_exports` tells each export of a file or folder by content and
opens it; the ingest (:func:`kit.casework.ingest.ingest_collection`) reads each as a
stream of posts. Every importer keeps the fields it does not map in the
post's ``extra``, reports each bad record with its file, record number and
reason, resolves every media path with :mod:`kit.containment`, and records
how each parent is linked (``link_type``) and where each time comes from
(``time_source``).

Examples
--------
>>> "twarc2" in FORMATS and "auto" not in FORMATS
True
"""

from kit.importers.base import LINK_TYPES, TIME_DATE, TIME_LOCAL, TIME_PLATFORM, Export, IntakeLog
from kit.importers.discover import FORMATS, detect, find_exports

__all__ = ["FORMATS", "LINK_TYPES", "TIME_DATE", "TIME_LOCAL", "TIME_PLATFORM", "Export", "IntakeLog", "detect",
           "find_exports"]
