"""Spread tracing: provenance graphs of reposts, cascade metrics, evaluation.

Graphs are plain networkx DiGraphs with edges ``parent -> child``; node and
edge attributes are documented in each module: ``build`` (posts + matches ->
graph; ``candidates`` and ``cost`` for the edge costs, ``orient`` for the
direction cues), ``content`` (dense aligned-pixel evidence), ``facts``
(media facts from step results), ``trace`` (:func:`case_spread` on a case,
GraphML / JSON export), ``metrics``, ``evaluate`` (incl. NIST MFC measures),
``nist`` (MediScore file formats), ``cascades`` (Twitter15/16 loader),
``synth`` (synthetic cascades for the benchmark).

Examples
--------
>>> import networkx as nx
>>> from kit.spread import evaluate, metrics
>>> g = nx.DiGraph([("a", "b"), ("a", "c")])
>>> int(metrics(g).trees.loc[0, "size"]), evaluate(g, g).edge_f1
(3, 1.0)
"""

from kit.spread.build import MEDIA_ATTRS, build, dissimilarity
from kit.spread.candidates import EDIT_COSTS, apply_match_decisions, candidate_pairs
from kit.spread.content import EVIDENCE_COLUMNS, content_evidence, pair_evidence
from kit.spread.cost import audience_table, edge_cost
from kit.spread.facts import FACT_COLUMNS, media_facts
from kit.spread.synth import SynthCollection, make_collection, tree_shapes
from kit.spread.trace import (
    SpreadResult,
    case_spread,
    export_graph,
    load_exported_graph,
    origins_table,
    spread_builder,
    spread_inputs,
    trace_case,
)
from kit.spread.cascades import DROP_REASONS, CascadeSet, load_twitter15_16, parse_tree
from kit.spread.errors import CascadeFormatError, NistFormatError, SpreadError
from kit.spread.evaluate import NistScores, SpreadScores, direct_paths, evaluate, nist_scores, reduce_to
from kit.spread.metrics import SIZE_BINS, CascadeMetrics, metrics, size_bin, structural_virality
from kit.spread.orient import CUE_WEIGHTS, TIME_RELIABILITY, direction_cues, direction_probability
from kit.spread.nist import aggregate, read_journal, read_system_output, score_filtering, score_graph_building

__all__ = [
    "EDIT_COSTS",
    "EVIDENCE_COLUMNS",
    "FACT_COLUMNS",
    "SpreadResult",
    "SynthCollection",
    "apply_match_decisions",
    "audience_table",
    "candidate_pairs",
    "case_spread",
    "load_exported_graph",
    "trace_case",
    "content_evidence",
    "edge_cost",
    "export_graph",
    "make_collection",
    "media_facts",
    "origins_table",
    "pair_evidence",
    "spread_builder",
    "spread_inputs",
    "tree_shapes",
    "CUE_WEIGHTS",
    "DROP_REASONS",
    "MEDIA_ATTRS",
    "TIME_RELIABILITY",
    "SIZE_BINS",
    "CascadeFormatError",
    "CascadeMetrics",
    "CascadeSet",
    "NistFormatError",
    "NistScores",
    "SpreadError",
    "SpreadScores",
    "aggregate",
    "build",
    "direct_paths",
    "direction_cues",
    "direction_probability",
    "dissimilarity",
    "evaluate",
    "load_twitter15_16",
    "metrics",
    "nist_scores",
    "parse_tree",
    "read_journal",
    "read_system_output",
    "reduce_to",
    "score_filtering",
    "score_graph_building",
    "size_bin",
    "structural_virality",
]
