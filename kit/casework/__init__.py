"""Casework: what takes a case and turns the capabilities' results into stored rows.

The capability packages (:mod:`kit.metadata`, :mod:`kit.hashing`,
:mod:`kit.matching`, :mod:`kit.detectors`, :mod:`kit.spread`) are plain
functions of paths, arrays and DataFrames; they never import a case. The
modules here sit between them and :class:`kit.case.Case`:

- :mod:`kit.casework.ingest`: copy an export's posts and media into a case;
- :mod:`kit.casework.links`: check and complete repost links after an ingest;
- :mod:`kit.casework.matching`: store matching runs, apply the analyst's
  decisions, find composites and their source photos;
- :mod:`kit.casework.spread`: gather a case's spread inputs, build, export
  and log the graph.

Each takes a :class:`kit.casedb.CaseDB` and reads and writes through its
``rows`` (:class:`kit.store.Rows`).
"""
