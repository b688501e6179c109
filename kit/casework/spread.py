"""Spread tracing on a case: gather its inputs, build the graph, export and log it.

:func:`case_spread` gathers everything :func:`kit.spread.build` uses from a
case: the posts (``case.posts()``), the matcher's pairs and clusters
(:func:`kit.casework.matching.case_matches` / ``case_variants``; a first
matching run is made when there is none, and the hash and metadata steps are
run on new files first when ``run_missing``), the media facts
(:func:`kit.spread.facts.media_facts` from the ``metadata`` and
``hash.image`` / ``hash.video`` results), the inheritance evidence
(:func:`kit.spread.trace.posts_lineage`: which copy carries which changes)
and the analyst's decisions (``parent`` / ``spread.parent``: the analyst's
edge overrides; ``match``: confirm / reject a pair). It returns a
:class:`kit.spread.SpreadResult`. :func:`trace_case` also exports the graph
(:func:`kit.spread.export_graph`) into the case and logs the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from kit.casework.matching import HASH_STEP_NAMES, case_matches, case_variants, run_matching
from kit.casework.references import case_references
from kit.digest import hash_file
from kit.spread.build import build
from kit.spread.errors import SpreadError
from kit.spread.facts import media_facts
from kit.spread.metrics import metrics, origins_table
from kit.spread.trace import SpreadResult, export_graph, posts_lineage, read_exported_graph

if TYPE_CHECKING:
    from kit.casedb import CaseDB

__all__ = ["spread_inputs", "case_spread", "spread_builder", "trace_case", "load_exported_graph"]


def spread_inputs(case: CaseDB, *, run_missing: bool = True, content: bool = True, progress: bool = False,
                  workers: int = 1) -> dict:
    """The inputs of :func:`kit.spread.build` for ``case``: a dict with ``posts``,
    ``matches``, ``clusters``, ``media`` (facts), ``lineage``, ``decisions``."""
    if run_missing:
        from kit.hashing import STEPS as HASH_STEPS
        from kit.metadata import STEP as META_STEP

        for step in (META_STEP, *HASH_STEPS):
            case.run(step, progress=progress)
    frames = [case.results(n) for n in HASH_STEP_NAMES]
    hashes = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else frames[0]
    media = case.media()
    pairs = case_matches(case)
    if not len(pairs) and run_missing and len(hashes):
        run_matching(case, progress=progress)
        pairs = case_matches(case)
    clusters = case_variants(case)
    facts = media_facts(case.results("metadata"), hashes, media)
    posts = case.posts()
    own = media[~media["sha256"].isin(case_references(case)["sha256"])]  # references are never spread
    lineage = posts_lineage(posts, hashes, own, clusters, workers=workers) if content and len(own) else None
    return {"posts": posts, "matches": pairs, "clusters": clusters, "media": facts, "lineage": lineage,
            "decisions": case.decisions()}


def case_spread(case: CaseDB, *, run_missing: bool = True, content: bool = True, progress: bool = False,
                workers: int = 1, **build_kw: Any) -> SpreadResult:
    """Build the spread graph of ``case`` and its metrics (see the module doc).

    Parameters
    ----------
    case
        An open case (:class:`kit.case.Case`).
    run_missing
        Run the metadata and hash steps on new files and a first matching
        run when the case has none.
    content
        Compute the inheritance evidence (the slow part: about a second per
        hundred files).
    progress
        Progress bars for the steps.
    workers
        Processes for the inheritance evidence (groups in parallel; see
        :func:`kit.spread.evidence.lineage_evidence`).
    **build_kw
        Passed to :func:`kit.spread.build` (cost knobs).
    """
    try:
        inp = spread_inputs(case, run_missing=run_missing, content=content, progress=progress, workers=workers)
    except (KeyError, ValueError) as exc:
        raise SpreadError(f"cannot gather the spread inputs of the case: {exc}") from exc
    G = build(inp["posts"], inp["matches"], media=inp["media"], clusters=inp["clusters"],
              decisions=inp["decisions"], lineage=inp["lineage"], **build_kw)
    m = metrics(G)
    lin = inp["lineage"]
    return SpreadResult(G, m, origins_table(G, m), inp["matches"], inp["media"],
                        lin.pairs if lin is not None else pd.DataFrame(), lin)


def spread_builder(case: CaseDB, *, run_missing: bool = False, content: bool = True, **build_kw: Any) -> Any:
    """A ``build(posts, decisions) -> DiGraph`` for :class:`kit.widgets.spread.SpreadExplorer`.

    The slow inputs (matches, media facts, content evidence) are gathered
    once; each call rebuilds the graph with the current posts and decisions
    through :func:`kit.spread.explore.explorer_graph` (the explorer's node attributes).
    """
    from kit.spread.explore import explorer_graph

    inp = spread_inputs(case, run_missing=run_missing, content=content)

    def _build(posts: pd.DataFrame, decisions: pd.DataFrame | None = None) -> nx.DiGraph:
        return explorer_graph(posts, decisions, matches=inp["matches"], media=inp["media"],
                              clusters=inp["clusters"], lineage=inp["lineage"], **build_kw)

    return _build


def trace_case(case: CaseDB, out_dir: str | Path | None = None,
               **kwargs: Any) -> tuple[SpreadResult, dict[str, Path]]:
    """:func:`case_spread`, then export the graph (default ``CASE/exports/spread.*``) and log
    each written file with its SHA-256 in the custody chain."""
    res = case_spread(case, **kwargs)
    paths = export_graph(res.graph, Path(out_dir) if out_dir else case.path / "exports")
    case.log("spread.exported", "spread", {
        "files": {k: {"name": p.name, "sha256": hash_file(p)[0]} for k, p in paths.items()},
        "posts": res.graph.number_of_nodes(), "edges": res.graph.number_of_edges(),
        "origins": [str(n) for n in res.origin["node"].head(5)] if len(res.origin) else []})
    return res, paths


def load_exported_graph(case: CaseDB) -> nx.DiGraph | None:
    """The spread graph last exported into ``CASE/exports/spread.json`` (None when there is none)."""
    return read_exported_graph(case.path / "exports" / "spread.json")
