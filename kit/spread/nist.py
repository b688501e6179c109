"""Read NIST MediScore provenance files and score them with :mod:`kit.spread.evaluate`.

The NIST Media Forensics Challenge (MFC) provenance tasks ship a pipe-separated
index of probes, a reference file naming each probe's journal (a JSON node-link
graph of every manipulation step), a node file mapping journal node ids to world
files, a world index (the files a system could see), and system outputs (JSON
node-link graphs whose nodes name world files). This module turns those into
networkx graphs and scores them exactly as MediScore's
``ProvenanceGraphBuildingScorer.py`` and ``ProvenanceFilteringScorer.py`` do:

* journal edges ``Donor`` into a node that also has an ``AntiForensic*`` input
  are dropped (NIST's ``antiforensic_donor_filter``);
* the journal is reduced to the probe's world set plus the probe
  (:func:`kit.spread.evaluate.reduce_to`), optionally to the paths through the
  probe (``direct``), and relabelled to world file names;
* system nodes and edges are keyed by their ``file`` field;
* filtering: system nodes are ranked by ``(nodeConfidenceScore, file)``
  descending and node recall is taken over the top ``k``; probes whose index
  status is ``IsOptOut`` are not scored.

Graph attributes: journal nodes carry ``nodetype`` and ``file``; journal edges
carry ``op``; system nodes carry ``fileid``, ``id`` and ``confidence``; system
edges carry ``confidence``.

Examples
--------
>>> g = read_system_output({"directed": True, "nodes": [{"file": "a.jpg", "nodeConfidenceScore": 1},
...     {"file": "b.jpg", "nodeConfidenceScore": 0.5}], "links": [{"source": 0, "target": 1}]})
>>> list(g.edges), g.nodes["b.jpg"]["confidence"]
([('a.jpg', 'b.jpg')], 0.5)
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd

from kit.spread.errors import NistFormatError
from kit.spread.evaluate import direct_paths, evaluate, reduce_to

__all__ = [
    "aggregate",
    "read_journal",
    "read_system_output",
    "score_filtering",
    "score_graph_building",
]

_TRIAL_COLUMNS = {
    "num_sys_nodes": "NumSysNodes",
    "num_sys_links": "NumSysLinks",
    "num_ref_nodes": "NumRefNodes",
    "num_ref_links": "NumRefLinks",
    "num_correct_nodes": "NumCorrectNodes",
    "num_missing_nodes": "NumMissingNodes",
    "num_false_alarm_nodes": "NumFalseAlarmNodes",
    "num_correct_links": "NumCorrectLinks",
    "num_missing_links": "NumMissingLinks",
    "num_false_alarm_links": "NumFalseAlarmLinks",
    "veo": "SimNLO",
    "vo": "SimNO",
    "eo": "SimLO",
    "node_recall": "NodeRecall",
}


def _load_json(src: object) -> dict:
    if isinstance(src, dict):
        return src
    try:
        with open(src, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise NistFormatError(f"{src}: cannot read JSON graph: {exc}", path=src) from exc


def _load_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep="|", dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise NistFormatError(f"{path}: cannot read NIST index: {exc}", path=path) from exc


def read_journal(src: object) -> nx.DiGraph:
    """Read a MediScore journal (path or parsed dict) as a DiGraph keyed by node id.

    Donor edges into a node with an ``AntiForensic*`` input are left out and
    listed in ``graph.graph["rejected_edges"]``.
    """
    data = _load_json(src)
    try:
        nodes = data["nodes"]
        ids = [n["id"] for n in nodes]
        links = data.get("links", [])
        g = nx.DiGraph()
        for n in nodes:
            g.add_node(n["id"], nodetype=n.get("nodetype"), file=n.get("file"))
        anti_targets = {l["target"] for l in links if str(l.get("op", ""))[:12] == "AntiForensic"}
        rejected = []
        for l in links:
            s, t = ids[l["source"]], ids[l["target"]]
            if l.get("op") == "Donor" and l["target"] in anti_targets:
                rejected.append((s, t))
                continue
            g.add_edge(s, t, op=l.get("op"))
    except (KeyError, IndexError, TypeError) as exc:
        raise NistFormatError(f"{src}: not a MediScore journal: {exc!r}", path=str(src)) from exc
    g.graph["rejected_edges"] = rejected
    return g


def read_system_output(src: object) -> nx.DiGraph:
    """Read a MediScore system output (path or parsed dict), nodes keyed by ``file``."""
    data = _load_json(src)
    try:
        nodes = data["nodes"]
        g = nx.DiGraph()
        for n in nodes:
            g.add_node(n["file"], fileid=n.get("fileid"), id=n.get("id"),
                       confidence=n.get("nodeConfidenceScore"))
        for l in data.get("links", []):
            g.add_edge(nodes[l["source"]]["file"], nodes[l["target"]]["file"],
                       confidence=l.get("relationshipConfidenceScore"))
    except (KeyError, IndexError, TypeError) as exc:
        raise NistFormatError(f"{src}: not a MediScore system output: {exc!r}", path=str(src)) from exc
    return g


def _trials(suite: Path, case: str, system_index: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    index = _load_csv(suite / f"{case}-provenancegraphbuilding-index.csv")
    ref = _load_csv(suite / f"{case}-provenance-ref.csv")
    nodes = _load_csv(suite / f"{case}-provenance-node.csv")
    world = _load_csv(suite / f"{case}-provenancegraphbuilding-world.csv")
    sysidx = _load_csv(suite / system_index)
    if "ProvenanceProbeStatus" in sysidx:
        sysidx = sysidx[sysidx["ProvenanceProbeStatus"] != "IsOptOut"]
    trials = index.merge(ref, on="ProvenanceProbeFileID", suffixes=("", "_ref"))
    trials = trials.merge(sysidx, on="ProvenanceProbeFileID")
    world_nodes = nodes.merge(world, on="WorldFileID", how="inner", suffixes=("", "_world"))
    return trials, nodes, world_nodes


def _reference(suite: Path, trial, nodes: pd.DataFrame, world_nodes: pd.DataFrame,
               journals: dict) -> tuple[nx.DiGraph, str, str, dict]:
    jfile = trial.JournalFileName
    if jfile not in journals:
        journals[jfile] = read_journal(suite / jfile)
    journal = journals[jfile]
    probe = trial.ProvenanceProbeFileID
    probe_rows = nodes[nodes.WorldFileID == probe]
    if probe_rows.empty:
        raise NistFormatError(f"probe {probe} is not in the node file")
    probe_node = probe_rows.iloc[0]["JournalNodeID"]
    mine = world_nodes[world_nodes.ProvenanceProbeFileID == probe]
    keep = set(mine["JournalNodeID"]) | {probe_node}
    wfn = dict(zip(world_nodes["JournalNodeID"], world_nodes["WorldFileName"]))
    wfn[probe_node] = trial.ProvenanceProbeFileName
    return journal, probe_node, keep, wfn


def score_graph_building(suite_dir: object, case: str, system_index: str, *,
                         direct: bool = False, undirected: bool = False) -> pd.DataFrame:
    """Score every trial of ``system_index`` like ``ProvenanceGraphBuildingScorer.py``.

    Parameters
    ----------
    suite_dir
        Folder holding ``{case}-provenance-*.csv`` files, journals and outputs.
    case
        File prefix, e.g. ``"test_case_2"``.
    system_index
        The system output index file name inside ``suite_dir``.
    direct, undirected
        NIST's ``-d`` and ``-u`` options.

    Returns
    -------
    pandas.DataFrame
        One row per trial: ``ProvenanceProbeFileID``, ``ProvenanceOutputFileName``,
        ``has_cycle`` and NIST's columns ``NumSysNodes`` ... ``NodeRecall``.
        The NIST aggregate is the column mean.
    """
    suite = Path(suite_dir)
    trials, nodes, world_nodes = _trials(suite, case, system_index)
    journals: dict = {}
    rows = []
    for trial in trials.itertuples(index=False):
        journal, probe_node, keep, wfn = _reference(suite, trial, nodes, world_nodes, journals)
        ref = reduce_to(journal, keep)
        if direct:
            ref = direct_paths(ref, probe_node)
        ref = nx.relabel_nodes(ref, {n: wfn[n] for n in ref}, copy=True)
        sys_graph = read_system_output(suite / trial.ProvenanceOutputFileName)
        scores = evaluate(sys_graph, ref, nist_nodes="linked", undirected_nist=undirected).nist
        row = {"ProvenanceProbeFileID": trial.ProvenanceProbeFileID,
               "ProvenanceOutputFileName": trial.ProvenanceOutputFileName,
               "has_cycle": not nx.is_directed_acyclic_graph(sys_graph)}
        row.update({_TRIAL_COLUMNS[k]: v for k, v in scores.as_dict().items()})
        rows.append(row)
    return pd.DataFrame(rows)


def score_filtering(suite_dir: object, case: str, system_index: str, *,
                    ks: tuple[int, ...] = (50, 100, 200, 300),
                    by_node_type: bool = False) -> pd.DataFrame:
    """Node recall at rank ``k`` like ``ProvenanceFilteringScorer.py``.

    Returns one row per trial (``NodeType == "All"``) and, with
    ``by_node_type``, one more per journal node type present among the
    reference nodes (the probe counts only in ``All``). Columns:
    ``ProvenanceProbeFileID``, ``ProvenanceOutputFileName``, ``NodeType``,
    ``NumSysNodes``, ``NumRefNodes`` and, for each k,
    ``NumCorrectNodesAt{k}``, ``NumMissingNodesAt{k}``,
    ``NumFalseAlarmNodesAt{k}``, ``NodeRecallAt{k}``.
    """
    suite = Path(suite_dir)
    trials, nodes, world_nodes = _trials(suite, case, system_index)
    journals: dict = {}
    rows = []
    for trial in trials.itertuples(index=False):
        journal, probe_node, keep, wfn = _reference(suite, trial, nodes, world_nodes, journals)
        types = {wfn[n]: ("probe" if n == probe_node else journal.nodes[n].get("nodetype"))
                 for n in keep}
        sys_graph = read_system_output(suite / trial.ProvenanceOutputFileName)
        ranked = sorted(((d.get("confidence"), f) for f, d in sys_graph.nodes(data=True)), reverse=True)
        groups = {"All": set(types)}
        if by_node_type:
            for t in sorted({t for t in types.values() if t not in (None, "probe")}):
                groups[t] = {f for f, tt in types.items() if tt == t}
        for name, ref_nodes in groups.items():
            row = {"ProvenanceProbeFileID": trial.ProvenanceProbeFileID,
                   "ProvenanceOutputFileName": trial.ProvenanceOutputFileName,
                   "NodeType": name, "NumSysNodes": len(ranked), "NumRefNodes": len(ref_nodes)}
            for k in ks:
                top = {f for _, f in ranked[:k]}
                hit = len(top & ref_nodes)
                row[f"NumCorrectNodesAt{k}"] = hit
                row[f"NumMissingNodesAt{k}"] = len(ref_nodes - top)
                row[f"NumFalseAlarmNodesAt{k}"] = len(top - ref_nodes)
                row[f"NodeRecallAt{k}"] = hit / len(ref_nodes) if ref_nodes else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def aggregate(trials: pd.DataFrame, *, by: str | None = None, round_trials: bool = False) -> pd.DataFrame:
    """NIST's aggregate scores: the mean of each score column over trials.

    MediScore's graph-building scorer averages the trial floats
    (``round_trials=False``); its filtering scorer averages the trial values as
    printed with 12 significant digits (``round_trials=True``), which is what
    makes the mean of 18/19 and 1.0 read 0.9736842105265 in its checkfiles.
    Score columns are those starting with ``Sim`` or ``NodeRecall``; the
    graph-building ones get NIST's ``Mean`` prefix when ``by`` is None.

    Examples
    --------
    >>> df = pd.DataFrame({"NodeRecallAt200": [18 / 19, 1.0]})
    >>> float(aggregate(df, round_trials=True)["NodeRecallAt200"].iloc[0])
    0.9736842105265
    """
    cols = [c for c in trials.columns if c.startswith(("Sim", "NodeRecall"))]
    values = trials[cols].astype(float)
    if round_trials:
        values = values.map(lambda v: float(f"{v:.12g}"))
    if by is not None:
        values[by] = trials[by]
        return values.groupby(by).mean()
    names = {c: f"Mean{c}" for c in cols if c.startswith("Sim") or c == "NodeRecall"}
    return values.mean().to_frame().T.rename(columns=names)
