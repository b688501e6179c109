"""The sections of the case report, each one call from kit/report/case_report.ipynb.

Every section returns an ``IPython.display.HTML`` object that carries its own
styling and, for figures, its own JavaScript, so the exported HTML opens
offline. A section whose analysis has not been run says so plainly.
Nothing here prints a local path: the report is meant to be sent. Every text
from the case (post ids, accounts, captions, titles, notes, tags) reaches HTML
through :mod:`kit.safetext`, escaped. Nothing reads the clock and every
figure's id comes from its content: the same case gives the same report.

The report's pieces live in :mod:`kit.report.markup`, the grouped findings in
:mod:`kit.report.findings`, the appendix (every per-file row, every post,
intake, custody) in :mod:`kit.report.appendix`; their sections are named here
too, so the notebook needs one import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import HTML

from kit.case import Case
from kit.casework.fusion import case_fusion, fused_scores
from kit.casework.matching import has_match_run
from kit.report.appendix import appendix, custody_digest, evidence_table, intake, summary_body
from kit.report.findings import findings
from kit.report.markup import (STYLE, figure, fold, not_computed, picture, plotly_library, table_block, table_html,
                               tally, when, wrap)
from kit.safetext import html_text

__all__ = ["open_case", "summary", "findings", "source_comparison", "variants", "detectors", "spread",
           "decisions", "appendix", "evidence_table", "intake", "custody_digest",
           "plotly_library", "figure", "not_computed", "table_html", "STYLE"]


def open_case(case_path: str) -> Case:
    """Open the case the report is about."""
    return Case.open(case_path)


def summary(case: Case) -> HTML:
    """What, when first seen, where, how far it spread (from the posts), as a section of its own (the appendix
    opens with it: the first screen answers the same questions)."""
    return wrap("Summary", summary_body(case))


def decisions(case: Case) -> HTML:
    """The analyst's decisions and notes (who, when, what)."""
    d = case.decisions()
    if d.empty:
        return wrap("Analyst decisions", '<p class="muted">No decisions recorded.</p>')
    d = d.assign(at=pd.to_datetime(d["at"], utc=True, format="ISO8601").map(when))
    cols = ["at", "analyst", "kind", "subject", "value", "note"]
    return wrap("Analyst decisions", table_block(d[cols], "decisions"))


def source_comparison(case: Case, *, blur: bool = True, redact: bool = False) -> HTML:
    """Each composite found with its source photo in the case: the sentence, the repost edits, and
    the source / suspect (region outlined) / difference triptych, blurred under safe viewing."""
    if not has_match_run(case):
        return not_computed("Compared with the source", "matching")
    comp = case.composites()
    if comp.empty:
        return wrap("Compared with the source", "<p>No picture in the case was found to be a composite of "
                     "another one in it. (The matcher compares two pictures that align but differ by a solid "
                     "region; an analyst can add candidate sources found elsewhere to the case.)</p>")
    media = case.media().set_index("sha256")
    parts = []
    for r in comp.itertuples(index=False):
        edits = ", ".join(r.edits) if r.edits else "none besides the replaced region"
        head = (f"<p><b>{html_text(r.summary)}</b> (box {html_text(r.changed_box)} in the suspect's "
                f"{html_text(r.size)} pixels). Repost edits seen: {html_text(edits)}.</p>")
        if redact:
            parts.append(head + "<p class=\"muted\">pictures redacted</p>")
            continue
        from kit.viz import comparison_images, data_uri

        try:
            imgs = comparison_images(media.loc[r.source, "path"], media.loc[r.suspect, "path"], blur=False)
        except Exception as exc:  # noqa: BLE001 - a file that cannot be read is said, the report goes on
            parts.append(head + f'<p class="muted">no pictures ({html_text(type(exc).__name__)})</p>')
            continue
        labels = (f"source: {r.source_label}", f"suspect: {r.suspect_label}, replaced region outlined",
                  "difference after alignment")
        cells = "".join(f'<figure style="display:inline-block;margin:4px">{picture(data_uri(im), t, blur=blur)}'
                        f"<figcaption>{html_text(t)}</figcaption></figure>" for im, t in zip(imgs, labels))
        parts.append(head + f"<div>{cells}</div>")
    note = ("<p>How we know: the two pictures were aligned (keypoints, RANSAC; crops, scale, mirrors and "
            "recompression do not matter), their tones matched, and the region is where the suspect shows "
            "other picture content that stands out from its surroundings while the source's scene runs on "
            f"through it. Pictures are {'blurred: click one to reveal it' if blur else 'not blurred'}.</p>")
    return wrap("Compared with the source", note + "".join(parts))


def _media_sizes(case: Case) -> dict[str, int]:
    sizes = {}
    for row in case.results("hash.image").itertuples():
        if row.status == "ok" and row.payload:
            sizes[row.sha256] = int(row.payload.get("width", 0)) * int(row.payload.get("height", 0))
    return sizes


def _thumb(path: str, kind: str, sha: str, *, blur: bool, redact: bool) -> str:
    if redact:
        return (f'<div style="width:120px;height:90px;background:#ddd;display:flex;align-items:center;'
                f'justify-content:center;font-size:11px">redacted<br>{html_text(sha[:12])}</div>')
    from kit.viz import data_uri, thumbnail

    try:
        uri = data_uri(thumbnail(path, size=160, blur=False, kind=kind))
    except Exception as exc:  # noqa: BLE001 - a bad file shows as such, the report goes on
        return f'<span class="muted">no thumbnail ({html_text(type(exc).__name__)})</span>'
    return picture(uri, f"thumbnail of {sha[:12]}", blur=blur)


def variants(case: Case, *, blur: bool = True, redact: bool = False, top: int = 12) -> HTML:
    """Variant clusters with a representative (the largest copy), its posts, platforms and first sighting."""
    if not has_match_run(case):
        return not_computed("Variant clusters", "matching")
    media = case.media().set_index("sha256")
    posts = case.posts().merge(case.variants(), left_on="media_sha256", right_on="id")
    sizes = _media_sizes(case)
    rows = []
    for cluster, group in posts.groupby("cluster"):
        files = list(dict.fromkeys(group["media_sha256"]))
        rep = max(files, key=lambda s: sizes.get(s, 0))
        first = group.dropna(subset=["posted_at"]).sort_values("posted_at").head(1)
        rows.append({
            "cluster": int(cluster), "files": len(files), "posts": len(group),
            "platforms": ", ".join(sorted(group["platform"].dropna().unique())),
            "first seen": when(first["posted_at"].iloc[0]) if len(first) else "unknown",
            "first post": first["post_id"].iloc[0] if len(first) else "",
            "representative": _thumb(media.loc[rep, "path"], media.loc[rep, "kind"], rep,
                                     blur=blur, redact=redact) + f"<br><code>{html_text(rep[:16])}</code>",
        })
    df = pd.DataFrame(rows).sort_values("posts", ascending=False)
    singles = int((df["files"] == 1).sum())
    shown = df[df["files"] > 1].head(top)
    body = (f"<p>{len(df)} clusters: {len(df) - singles} with several files, {singles} single files. "
            f"The representative is the largest copy (most pixels) in the cluster; "
            f"{'thumbnails are redacted' if redact else 'thumbnails are blurred (click one to reveal it)' if blur else 'thumbnails are shown unblurred'}.</p>")
    cols = ["cluster", "files", "posts", "platforms", "first seen", "first post", "representative"]
    body += table_block(shown[cols], "clusters", raw=("representative",))  # the thumbnail is the kit's own markup
    return wrap("Variant clusters", body)


DETECTOR_CAVEATS = (
    "Scores are evidence, not verdicts: 1 means the detector's cue for manipulation or synthesis is "
    "strong, 0 that it is absent, and a blank that the detector has no opinion (no face, no marker).",
    "Raw scores are not probabilities. A calibrated probability needs a fusion fitted on a labelled "
    "set like this incident's media (dfkit detectors eval --fused); none is stored with this case.",
    "Forensic traces fade with every re-encode, so scores are read on each cluster's best copy "
    "(most pixels, least recompressed), not on the latest repost.",
    "Measured on public benchmarks, the splice detectors are near chance on fully synthetic faces, and "
    "learned detectors do not transfer well to generators they were not trained on.",
)


def detector_caveats(fitted: tuple | None) -> tuple[str, ...]:
    """:data:`DETECTOR_CAVEATS`, the second one saying what the case's stored fusion is, when it has one."""
    if fitted is None:
        return DETECTOR_CAVEATS
    stored = fitted[1]
    cv, n = stored.get("cross_validation") or {}, stored.get("training") or []
    fake = sum(1 for t in n if t.get("label") == 1)
    line = (f"The probability column is a fusion of {', '.join(fitted[0].columns)} fitted on {len(n)} files of "
            f"this case labelled by the analyst ({fake} fake, {len(n) - fake} real; {stored.get('analyst')}, "
            f"{str(stored.get('fitted_at'))[:16]}); cross-validated AUC {cv.get('auc')}, calibration error "
            f"{cv.get('ece')}. It holds for media like the labelled ones; the raw scores beside it are not "
            "probabilities.")
    return (DETECTOR_CAVEATS[0], line, *DETECTOR_CAVEATS[2:])


def _best_heatmaps(case: Case, best: pd.DataFrame, *, blur: bool, redact: bool, top: int = 6) -> str:
    """For up to ``top`` clusters whose best copy has no source comparison, highest score first: the most
    confident detector's heat map overlaid on it (the highest score among the detectors that drew a map)."""
    from kit.detectors import decode_heatmap
    from kit.viz import data_uri
    from kit.viz.comparison import heatmap_overlay_image

    compared = set(case.composites()["suspect"]) if has_match_run(case) else set()
    media = case.media().set_index("sha256")
    payloads: dict = {}  # detector -> sha256 -> stored payload, each detector's results read once
    parts, done = [], set()
    for r in best[~best["sha256"].isin(compared)].sort_values("score", ascending=False).itertuples(index=False):
        if len(parts) >= top:
            break
        if r.cluster in done or r.score is None or not np.isfinite(r.score):
            continue
        if r.detector not in payloads:
            res = case.results(f"detector.{r.detector}")
            payloads[r.detector] = dict(zip(res["sha256"], res["payload"]))
        pay = payloads[r.detector].get(r.sha256)
        compact = pay.get("heatmap") if isinstance(pay, dict) else None
        if compact is None:
            continue
        done.add(r.cluster)
        text = f"cluster {r.cluster}: {r.sha256[:12]}, {r.detector} {r.score:.2f}"
        if redact:
            parts.append(f"<p>{html_text(text)} (picture redacted)</p>")
            continue
        try:
            img = heatmap_overlay_image(media.loc[r.sha256, "path"], decode_heatmap(compact), blur=False)
        except Exception as exc:  # noqa: BLE001 - a file that cannot be read is said, the report goes on
            parts.append(f"<p>{html_text(text)} (no picture: {html_text(type(exc).__name__)})</p>")
            continue
        parts.append(f'<figure style="display:inline-block;margin:4px">{picture(data_uri(img), text, blur=blur)}'
                     f"<figcaption>{html_text(text)}</figcaption></figure>")
    if not parts:
        return ""
    return ("<h3>Heat maps on the best copies without a source to compare with</h3>"
            + fold(f"{len(parts)} cluster(s): the most confident detector's map over the best copy (bright: "
                   "where its cue is strong; a cue, not a verdict)", "".join(parts)))


def detectors(case: Case, *, blur: bool = True, redact: bool = False) -> HTML:
    """Detector scores on every cluster's best copy, its most confident heat map where no source was
    found, all scores as a figure, and the caveats."""
    from kit.detectors import best_copy_scores, copy_quality

    scores = case.scores()
    if scores.empty:
        return not_computed("Detector scores", "the detector steps")
    variants = case.variants()
    best = best_copy_scores(scores, copy_quality(case.media()),
                            dict(zip(variants["id"], variants["cluster"])))
    sizes = variants.groupby("cluster")["size"].first()
    best = best[best["cluster"].map(sizes).fillna(1) > 1]
    table = best.pivot_table(index=["cluster", "sha256"], columns="detector", values="score",
                             aggfunc="first").round(2).reset_index()
    fitted = case_fusion(case)
    if fitted is not None:
        table.insert(2, "probability", table["sha256"].map(fused_scores(case)["probability"]).round(2))
    table["sha256"] = table["sha256"].str[:16]
    caveats = "".join(f"<li>{html_text(c)}</li>" for c in detector_caveats(fitted))
    body = (f"<p>{scores['detector'].nunique()} detectors on {scores['sha256'].nunique()} files; "
            f"{int(scores['error'].notna().sum())} errors.</p><h3>Best copy of each variant cluster</h3>"
            + table_block(table, "clusters") + _best_heatmaps(case, best, blur=blur, redact=redact)
            + f"<h3>Caveats</h3><ul>{caveats}</ul>"
            + '<p class="muted">Every file\'s scores, as a figure: <a href="#every-detector-score">appendix</a>.</p>')
    return wrap("Detector scores", body)


def spread(case: Case) -> HTML:
    """The exported spread graph (``dfkit trace``): likely origins, the graph, timeline, metrics."""
    from kit.casework.spread import load_exported_graph
    from kit.spread import metrics, origins_table
    from kit.spread.metrics import TREE_COLUMNS
    from kit.viz import spread_figure, timeline_figure

    G = load_exported_graph(case)
    if G is None:
        return not_computed("How it spread", "spread tracing (dfkit trace)")
    m = metrics(G)
    origins = origins_table(G, m)
    cols = [c for c in ("node", "size", "platform", "account", "posted_at", "evidence", "why_root")
            if c in origins]
    kinds = tally(pd.Series([k for _, _, k in G.edges(data="kind")], dtype=object))
    trees = m.trees[m.trees["size"] > 1]
    tcols = [c for c in TREE_COLUMNS if c in trees]  # as the explorer and dfkit trace show them
    rcols = [c for c in ("root", "platform", "posts", "first_seen", "first_post", "hop") if c in m.reach]
    body = (f"<p>{G.number_of_nodes()} posts, {G.number_of_edges()} edges "
            f"({kinds}). Explicit edges come from the "
            "platforms' repost links, inferred ones from the media themselves, analyst edges from "
            "decisions in the case; every edge carries its evidence in the exported graph "
            "(exports/spread.graphml).</p><h3>Likely origin(s)</h3>"
            + fold(f"{min(5, len(origins))} likely origin(s), the largest cascade's first: "
                   + (html_text(origins["node"].iloc[0]) if len(origins) else "none"), table_html(origins[cols].head(5)))
            + "<h3>Cascades</h3>" + table_block(trees[tcols].head(10), "largest cascades", fold_over=0)
            + "<h3>Reach per platform (hop 1 = where it started)</h3>"
            + table_block(m.reach[m.reach["size"] > 1][rcols].head(20), "rows: platform and hop", fold_over=0))
    posts = case.posts()
    graph = spread_figure(G, title="Spread graph (time along x)")
    graph.update_layout(height=min(graph.layout.height or 420, 420))  # zoom in the page: the report stays short
    figs = figure(graph).data + \
        figure(timeline_figure(posts.dropna(subset=["posted_at"]))).data
    return HTML(wrap("How it spread", body).data + figs)
