"""Spread tracing: provenance graphs of reposts, cascade metrics, evaluation.

Graphs are plain networkx DiGraphs with edges ``parent -> child``; node and
edge attributes are documented in each module: ``build`` (posts + matches ->
graph; ``candidates`` for analyst decisions, ``cost`` for the edge costs, ``orient`` for the
direction cues), ``lineage`` (registration of a group), ``consensus`` (its
least-edited copy), ``pairs`` (what each copy inherited from another),
``evidence`` (all of it for a collection), ``content`` (aligned-pixel evidence, group re-joining), ``facts``
(media facts from step results), ``trace`` (the result type,
GraphML / JSON export; the spread of a case is :mod:`kit.casework.spread`), ``metrics``, ``evaluate`` (incl. NIST MFC measures),
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

from kit.spread.build import MEDIA_ATTRS, build, copy_graph
from kit.spread.candidates import apply_match_decisions, parent_decisions
from kit.spread.content import EVIDENCE_COLUMNS, content_evidence, pair_evidence, rejoin_groups
from kit.spread.cost import CONFLICT, SUPPORT, lineage_cost, time_penalty
from kit.spread.evidence import COPY_COLUMNS, LineageEvidence, lineage_evidence
from kit.spread.lineage import align_group, register_group
from kit.spread.pairs import LINEAGE_COLUMNS, pair_lineage
from kit.spread.consensus import consensus_costs, medoid
from kit.spread.facts import FACT_COLUMNS, media_facts
from kit.spread.synth import SynthCollection, make_collection, tree_shapes
from kit.spread.trace import SpreadResult, export_graph, origins_table, read_exported_graph
from kit.spread.cascades import DROP_REASONS, CascadeSet, load_twitter15_16, parse_tree
from kit.spread.errors import CascadeFormatError, NistFormatError, SpreadError
from kit.spread.evaluate import NistScores, SpreadScores, direct_paths, evaluate, nist_scores, reduce_to
from kit.spread.metrics import SIZE_BINS, CascadeMetrics, metrics, size_bin, structural_virality
from kit.spread.orient import CUE_WEIGHTS, TIME_RELIABILITY, direction_cues, direction_probability
from kit.spread.nist import aggregate, read_journal, read_system_output, score_filtering, score_graph_building

__all__ = [
    "CONFLICT",
    "COPY_COLUMNS",
    "EVIDENCE_COLUMNS",
    "LINEAGE_COLUMNS",
    "LineageEvidence",
    "SUPPORT",
    "copy_graph",
    "lineage_cost",
    "lineage_evidence",
    "pair_lineage",
    "parent_decisions",
    "register_group",
    "align_group",
    "consensus_costs",
    "medoid",
    "rejoin_groups",
    "time_penalty",
    "FACT_COLUMNS",
    "SpreadResult",
    "SynthCollection",
    "apply_match_decisions",
    "content_evidence",
    "export_graph",
    "read_exported_graph",
    "make_collection",
    "media_facts",
    "origins_table",
    "pair_evidence",
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
