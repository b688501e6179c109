"""The whole job on one case: every analysis step the kit has, in order.

:func:`analysis_steps` lists the Steps of the capability modules;
:func:`run_all` applies them to a case; :func:`run_demo` builds the demo
incident (:mod:`kit.demo`) and does the whole job on it (what ``make demo`` and
``dfkit demo`` run).
"""

from __future__ import annotations

import importlib
import os
import shutil
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.steps import Step

if TYPE_CHECKING:
    from kit.case import Case

__all__ = ["STEP_PROVIDERS", "analysis_steps", "run_all", "run_demo", "remove_tree"]

# (module, attribute): a Step, a tuple of Steps, or a function returning them, in run order.
STEP_PROVIDERS: list[tuple[str, str]] = [
    ("kit.media", "PROBE_STEP"),
    ("kit.metadata", "STEP"),
    ("kit.hashing", "STEPS"),
    ("kit.detectors", "case_steps"),
]


def analysis_steps() -> list[Step]:
    """Every Step provided by the modules in :data:`STEP_PROVIDERS`."""
    steps: list[Step] = []
    for module, attr in STEP_PROVIDERS:
        value = getattr(importlib.import_module(module), attr)
        if callable(value) and not isinstance(value, Step):
            value = value()
        steps.extend(value if isinstance(value, (list, tuple)) else [value])
    return steps


def run_all(case: Case, *, progress: bool = False, echo: bool = True) -> dict[str, Any]:
    """Run every analysis step on ``case`` (only new work is done); return counts per step."""
    summary: dict[str, Any] = {}
    for step in analysis_steps():
        t0 = time.perf_counter()
        df = case.run(step, progress=progress)
        n_err = int((df["status"] == "error").sum())
        summary[step.name] = {"items": len(df), "errors": n_err,
                              "seconds": round(time.perf_counter() - t0, 2)}
        if echo:
            print(f"  step {step.name} v{step.version}: {len(df)} items, {n_err} errors "
                  f"({summary[step.name]['seconds']} s)")
    return summary


def remove_tree(path: Path) -> None:
    """Delete a folder, read-only evidence files included."""

    def _writable(func: Any, p: str, _exc: Any) -> None:
        os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        func(p)

    if path.exists():
        shutil.rmtree(path, onerror=_writable)


def run_demo(out: Path, *, seed: int = 7, fresh: bool = False) -> int:
    """Generate the demo incident under ``out`` and run the whole job on it."""
    from kit.case import Case
    from kit.demo import generate
    from kit.demo.score import print_against_truth

    out = Path(out)
    if fresh:
        remove_tree(out)
    t0 = time.perf_counter()
    incident = out / "incident"
    generate(incident, seed=seed)
    print(f"demo incident generated in {time.perf_counter() - t0:.1f} s: {incident}")
    case_dir = out / "case"
    case = (Case.open(case_dir) if (case_dir / "case.sqlite").exists()
            else Case.create(case_dir, title="Demo incident: launch-pad photo", analyst="demo"))
    t1 = time.perf_counter()
    # the incident as analysts export it: twarc2 (X), Telegram Desktop, a manifest of the rest
    for report in case.ingest_collection(incident / "collection"):
        print(f"ingested {report.source} ({report.format}): {report.n_rows} records, "
              f"{report.n_new_posts} new posts, {report.n_new_media} new media files, "
              f"{report.n_existing} already in the case, {report.n_errors} bad rows")
        errors = report.issues[report.issues["severity"] == "error"]
        if not errors.empty:
            print(errors[["line", "post_id", "field", "reason"]].to_string(index=False))
    print(f"intake took {time.perf_counter() - t1:.1f} s (every warning: case.intake_report())")
    print("analysis steps:")
    run_all(case)
    from kit.metadata import summarise_findings

    print("\nmetadata findings:")
    print(summarise_findings(case.findings()))
    t2 = time.perf_counter()
    res = case.match()
    variants = case.variants()
    posts = case.posts().merge(variants, left_on="media_sha256", right_on="id")
    sizes = posts.groupby("cluster").agg(files=("id", "nunique"), posts=("post_id", "size"))
    print(f"\nmatching: {int((res.pairs['decision'] == 'match').sum())} matching pairs, "
          f"{len(sizes)} variant clusters in {time.perf_counter() - t2:.1f} s; largest:")
    print(sizes.sort_values("posts", ascending=False).head(5).to_string())
    _best_copy_scores(case, sizes.sort_values("posts", ascending=False).head(5).index)
    t3 = time.perf_counter()
    from kit.casework.spread import trace_case

    spread, _ = trace_case(case)
    print(f"\nspread graph: {spread.graph.number_of_nodes()} posts, {spread.graph.number_of_edges()} edges "
          f"in {time.perf_counter() - t3:.1f} s; likely origin(s):")
    cols = ["node", "size", "platform", "account", "posted_at", "evidence"]
    print(spread.origin[[c for c in cols if c in spread.origin]].head(3).to_string(index=False))
    print_against_truth(case, spread.graph, incident / "truth.json")
    _share(case, out)
    check = case.verify()
    print(f"custody: {check.n_custody} log entries, {check.n_media} evidence files, "
          f"{'intact' if check.ok else 'PROBLEMS FOUND'}")
    print(f"\ncase folder: {case.path}\nincident:    {incident.resolve()}")
    print(f"reports:     {(out / 'report.html').resolve()} (blurred), "
          f"{(out / 'report-redacted.html').resolve()} (redacted)")
    print("open the case in JupyterLab:  .venv/bin/jupyter lab notebooks/  "
          f"(set the notebooks' case_path parameter to {case.path})")
    return 0 if check.ok else 1


def _best_copy_scores(case: Case, clusters: Any) -> None:
    """Print detector scores on each big cluster's best copy (most pixels, least recompressed)."""
    from kit.detectors import best_copy_scores, copy_quality

    variants = case.variants()
    best = best_copy_scores(case.scores(), copy_quality(case.media()),
                            dict(zip(variants["id"], variants["cluster"])))
    best = best[best["cluster"].isin(list(clusters))]
    table = best.pivot_table(index=["cluster", "sha256"], columns="detector", values="score", aggfunc="first")
    table.index = [f"cluster {c}, best copy {s[:10]}" for c, s in table.index]
    print("\ndetector scores on each cluster's best copy (1 = manipulated/synthetic; "
          "detectors with no opinion are left out):")
    print(table.round(2).to_string() if len(table) else "  no scores")


def _share(case: Case, out: Path) -> None:
    """The shareable outputs: hash list, reports (blurred and redacted), bundle."""
    from kit.report import build_report, export_bundle, export_hashlist

    t0 = time.perf_counter()
    hl = export_hashlist(case, out / "hashes-hma.txt", fmt="hma")
    print(f"hash list:   {hl.path} ({hl.n_signals} signals for {hl.n_files} files)")
    for redact in (False, True):
        name = "report-redacted.html" if redact else "report.html"
        r = build_report(case, out / name, redact=redact)
        print(f"report:      {r.html} ({r.bytes / 1e6:.1f} MB in {r.seconds:.1f} s)")
    b = export_bundle(case, out / "case-bundle.zip")
    print(f"bundle:      {b} ({b.stat().st_size / 1e6:.1f} MB, evidence not included; "
          f"dfkit bundle export --with-evidence adds it)")
    print(f"sharing took {time.perf_counter() - t0:.1f} s")
