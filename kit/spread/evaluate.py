"""Score a predicted spread graph against the true one.

Two families of measures:

* cascade measures: root accuracy, directed and undirected edge
  precision / recall / F1, orientation accuracy on correctly paired edges,
  ancestry (ancestor -> descendant pairs) precision / recall / F1;
* the NIST Media Forensics Challenge provenance measures, computed the way
  NIST's MediScore ``ProvenanceGraphBuildingScorer.py`` computes them:
  vertex overlap VO (``SimNO``), edge overlap EO (``SimLO``), vertex-edge
  overlap VEO (``SimNLO``) and node recall.

NIST rules reproduced here (MediScore ``lib/ProvenanceGraphBuilding.py`` and
``lib/ProvenanceMetrics.py``):

* nodes are matched by identity (NIST: the world file name), edges by their
  ``(source, target)`` pair;
* a reference node the system could not see is removed and each of its
  parents is linked to each of its children (:func:`reduce_to`), recursively,
  so ``a -> hidden -> b`` becomes ``a -> b``;
* the reference node set is the set of endpoints of reference edges (an
  isolated reference node is not counted); the system node set is every
  system node;
* ``VO = 2|N_r & N_s| / (|N_r| + |N_s|)``, ``EO`` the same on edges,
  ``VEO = 2(|N_r & N_s| + |E_r & E_s|) / (|N_r| + |N_s| + |E_r| + |E_s|)``,
  ``node recall = |N_r & N_s| / |N_r|``;
* undirected scoring (``-u``): a reference edge ``(a, b)`` is matched by a
  system edge ``(a, b)``, else by ``(b, a)``, each system edge used once;
* "direct" scoring (``-d``) keeps only the edges on paths through the probe
  (:func:`direct_paths`).

Graphs are plain :class:`networkx.DiGraph` objects, edges ``parent -> child``;
node keys are the identities compared (post ids, file names, sha256).

Examples
--------
>>> import networkx as nx
>>> truth = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "d")])
>>> pred = nx.DiGraph([("a", "b"), ("c", "b"), ("a", "d")])
>>> s = evaluate(pred, truth)
>>> s.root_accuracy, round(s.edge_f1, 3), round(s.undirected_f1, 3), round(s.orientation_accuracy, 3)
(1.0, 0.667, 1.0, 0.667)
>>> round(s.vo, 3), round(s.eo, 3), round(s.veo, 3), s.node_recall
(1.0, 0.667, 0.857, 1.0)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Hashable, Iterable

import networkx as nx

from kit.spread.errors import SpreadError
from kit.spread.reduction import _check_graph, direct_paths, reduce_to

__all__ = [
    "NistScores",
    "SpreadScores",
    "direct_paths",
    "evaluate",
    "nist_scores",
    "reduce_to",
]


@dataclass(frozen=True)
class NistScores:
    """NIST provenance graph-building scores for one trial.

    Attributes mirror the columns of MediScore's ``trial_scores.csv``:
    ``num_sys_nodes`` ... ``num_false_alarm_links`` are counts; ``vo``
    (SimNO), ``eo`` (SimLO), ``veo`` (SimNLO) and ``node_recall`` are floats
    (``nan`` where NIST would divide by zero).
    """

    num_sys_nodes: int
    num_sys_links: int
    num_ref_nodes: int
    num_ref_links: int
    num_correct_nodes: int
    num_missing_nodes: int
    num_false_alarm_nodes: int
    num_correct_links: int
    num_missing_links: int
    num_false_alarm_links: int
    vo: float
    eo: float
    veo: float
    node_recall: float

    def as_dict(self) -> dict:
        """Return the scores as a plain ``dict``."""
        return asdict(self)


@dataclass(frozen=True)
class SpreadScores:
    """Every measure :func:`evaluate` computes (frozen).

    Attributes
    ----------
    n_pred_nodes, n_truth_nodes, n_pred_edges, n_truth_edges
        Sizes compared (truth after :func:`reduce_to` when ``observed`` given).
    n_truth_trees
        Weakly connected components of the truth graph.
    root_accuracy
        Share of truth trees whose predicted origin is a true root. The
        predicted origin of a truth tree is the predicted root (in-degree 0 in
        ``pred``) that most of its nodes descend from (ties: smallest
        ``str``); nodes absent from ``pred`` are ignored.
    edge_precision, edge_recall, edge_f1
        Directed ``parent -> child`` edges.
    undirected_precision, undirected_recall, undirected_f1
        Edges as unordered pairs.
    orientation_accuracy
        Among truth edges whose unordered pair ``pred`` has, the share ``pred``
        orients the same way (``nan`` when there is none).
    ancestry_precision, ancestry_recall, ancestry_f1
        Pairs ``(ancestor, descendant)`` of the transitive closures.
    vo, eo, veo, node_recall
        NIST SimNO, SimLO, SimNLO and node recall (see :func:`nist_scores`).
    nist
        The full :class:`NistScores` with its counts.
    """

    n_pred_nodes: int
    n_truth_nodes: int
    n_pred_edges: int
    n_truth_edges: int
    n_truth_trees: int
    root_accuracy: float
    edge_precision: float
    edge_recall: float
    edge_f1: float
    undirected_precision: float
    undirected_recall: float
    undirected_f1: float
    orientation_accuracy: float
    ancestry_precision: float
    ancestry_recall: float
    ancestry_f1: float
    vo: float
    eo: float
    veo: float
    node_recall: float
    nist: NistScores

    def as_dict(self) -> dict:
        """Return the scores as a flat ``dict`` (NIST counts prefixed ``nist_``)."""
        out = {k: v for k, v in asdict(self).items() if k != "nist"}
        out.update({f"nist_{k}": v for k, v in self.nist.as_dict().items()})
        return out


def _ratio(num: float, den: float) -> float:
    return float("nan") if den == 0 else num / den


def nist_scores(
    ref_nodes: Iterable[Hashable],
    ref_edges: Iterable[tuple],
    sys_nodes: Iterable[Hashable],
    sys_edges: Iterable[tuple],
    *,
    undirected: bool = False,
) -> NistScores:
    """NIST VO / EO / VEO / node recall from node and edge sets.

    Parameters
    ----------
    ref_nodes, ref_edges
        Reference nodes (NIST: endpoints of ``ref_edges``) and edges
        ``(source, target)``.
    sys_nodes, sys_edges
        System nodes and edges.
    undirected
        Match a reference edge by either orientation (NIST ``-u``).

    Examples
    --------
    >>> s = nist_scores({"a", "b", "c"}, {("a", "b"), ("b", "c")}, {"a", "b", "x"}, {("a", "b"), ("b", "x")})
    >>> round(s.vo, 4), s.eo, round(s.veo, 4), round(s.node_recall, 4)
    (0.6667, 0.5, 0.6, 0.6667)
    """
    rn, sn = set(ref_nodes), set(sys_nodes)
    re_, se = set(ref_edges), set(sys_edges)
    if not undirected:
        correct_links = len(re_ & se)
    else:
        remaining = set(se)
        correct_links = 0
        for a, b in sorted(re_, key=repr):
            if (a, b) in remaining:
                remaining.discard((a, b))
                correct_links += 1
            elif (b, a) in remaining:
                remaining.discard((b, a))
                correct_links += 1
    correct_nodes = len(rn & sn)
    return NistScores(
        num_sys_nodes=len(sn),
        num_sys_links=len(se),
        num_ref_nodes=len(rn),
        num_ref_links=len(re_),
        num_correct_nodes=correct_nodes,
        num_missing_nodes=len(rn - sn),
        num_false_alarm_nodes=len(sn - rn),
        num_correct_links=correct_links,
        num_missing_links=len(re_) - correct_links,
        num_false_alarm_links=len(se) - correct_links,
        vo=_ratio(2.0 * correct_nodes, len(rn) + len(sn)),
        eo=_ratio(2.0 * correct_links, len(re_) + len(se)),
        veo=_ratio(2.0 * (correct_nodes + correct_links), len(rn) + len(sn) + len(re_) + len(se)),
        node_recall=_ratio(float(correct_nodes), len(rn)),
    )


def _prf(tp: int, n_pred: int, n_truth: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else (1.0 if n_truth == 0 else 0.0)
    r = tp / n_truth if n_truth else (1.0 if n_pred == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _closure_pairs(g: nx.DiGraph) -> set:
    return {(a, d) for a in g for d in nx.descendants(g, a)}


def _root_accuracy(pred: nx.DiGraph, truth: nx.DiGraph) -> tuple[float, int]:
    pred_roots = {n for n in pred if pred.in_degree(n) == 0}
    comps = list(nx.weakly_connected_components(truth))
    if not comps:
        return float("nan"), 0
    correct = 0
    for comp in comps:
        true_roots = {n for n in comp if truth.in_degree(n) == 0}
        votes: Counter = Counter()
        for v in comp:
            if v not in pred:
                continue
            if v in pred_roots:
                votes[v] += 1
            else:
                for r in nx.ancestors(pred, v) & pred_roots:
                    votes[r] += 1
        if votes:
            best = min(votes.items(), key=lambda kv: (-kv[1], str(kv[0])))[0]
            correct += best in true_roots
    return correct / len(comps), len(comps)


def evaluate(
    pred: nx.DiGraph,
    truth: nx.DiGraph,
    *,
    observed: Iterable[Hashable] | None = None,
    nist_nodes: str = "linked",
    undirected_nist: bool = False,
) -> SpreadScores:
    """Score ``pred`` against ``truth``; both are ``parent -> child`` DiGraphs.

    Parameters
    ----------
    pred, truth
        Predicted and true graphs with the same node identities.
    observed
        Nodes that were actually collected. The truth is first reduced to
        them with :func:`reduce_to` (a missing copy's parents are linked to its
        children), as NIST does with its world set. Default: all truth nodes.
    nist_nodes
        ``"linked"`` (NIST's rule: reference nodes are endpoints of truth
        edges) or ``"all"`` (every truth node, so single-post trees count).
    undirected_nist
        NIST undirected edge matching for EO / VEO.

    Returns
    -------
    SpreadScores

    Examples
    --------
    >>> truth = nx.DiGraph([(0, 1), (0, 2), (2, 3)])
    >>> s = evaluate(nx.DiGraph([(0, 1), (0, 2), (0, 3)]), truth)
    >>> round(s.edge_f1, 3), round(s.ancestry_f1, 3), s.root_accuracy
    (0.667, 0.857, 1.0)
    """
    pred = _check_graph(pred, "pred")
    truth = _check_graph(truth, "truth")
    if nist_nodes not in ("linked", "all"):
        raise SpreadError(f"nist_nodes must be 'linked' or 'all', got {nist_nodes!r}")
    if observed is not None:
        truth = reduce_to(truth, observed)

    pe, te = set(pred.edges), set(truth.edges)
    edges = _edge_scores(pe, te)
    pa, ta = _closure_pairs(pred), _closure_pairs(truth)
    a_p, a_r, a_f = _prf(len(pa & ta), len(pa), len(ta))
    root_acc, n_trees = _root_accuracy(pred, truth)
    ref_nodes = {n for e in te for n in e} if nist_nodes == "linked" else set(truth.nodes)
    ns = nist_scores(ref_nodes, te, set(pred.nodes), pe, undirected=undirected_nist)
    return SpreadScores(
        n_pred_nodes=pred.number_of_nodes(), n_truth_nodes=truth.number_of_nodes(), n_pred_edges=len(pe),
        n_truth_edges=len(te), n_truth_trees=n_trees, root_accuracy=root_acc, **edges,
        ancestry_precision=a_p, ancestry_recall=a_r, ancestry_f1=a_f,
        vo=ns.vo, eo=ns.eo, veo=ns.veo, node_recall=ns.node_recall, nist=ns,
    )


def _edge_scores(pe: set, te: set) -> dict:
    """Directed and undirected edge precision / recall / F1 and the orientation accuracy of the
    predicted edges ``pe`` against the true ones ``te`` (fields of :class:`SpreadScores`)."""
    d_p, d_r, d_f = _prf(len(pe & te), len(pe), len(te))

    pu = {frozenset(e) for e in pe if e[0] != e[1]}
    tu = {frozenset(e) for e in te if e[0] != e[1]}
    u_p, u_r, u_f = _prf(len(pu & tu), len(pu), len(tu))

    paired = [e for e in te if frozenset(e) in pu]
    orient = _ratio(sum(e in pe for e in paired), len(paired))
    return {"edge_precision": d_p, "edge_recall": d_r, "edge_f1": d_f, "undirected_precision": u_p,
            "undirected_recall": u_r, "undirected_f1": u_f, "orientation_accuracy": orient}
