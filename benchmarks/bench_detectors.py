"""Detector accuracy and speed on ../shared/data/detectors (faces-dev, gan-examples).

Prints AUC tables per detector and fused (cross-validated, never fit on the
test fold) for clean images, after JPEG q70 and after resizing to half size
(512 -> 256 px), the calibration error of the fused score, the transfer to
gan-examples, and the time per image per detector.

    .venv/bin/python benchmarks/bench_detectors.py [--folds 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kit.detectors.evaluate import evaluate_scores, labelled_folder, metrics, score_images
from kit.detectors.fusion import expected_calibration_error
from kit.detectors.residual import fit_residual
from kit.detectors.stacking import cross_validated_fusion, feature_table, residual_matrices

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "detectors"
DETECTORS = ["ela", "noise", "ghost", "jpeg", "copymove", "spectral", "faces"]
TRANS = ("clean", "q70", "half")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cache", type=Path, help="pickle file to reuse scores/features between runs")
    args = ap.parse_args()
    items = labelled_folder(SHARED / "faces-dev" / "real", SHARED / "faces-dev" / "fake")
    t0 = time.perf_counter()
    if args.cache and args.cache.exists():
        scores, res, res_time = pd.read_pickle(args.cache)
    else:
        scores = score_images(items, DETECTORS, transforms=TRANS)
        t1 = time.perf_counter()
        res = residual_matrices(items["path"], TRANS)
        res_time = (time.perf_counter() - t1) / (len(items) * len(TRANS))
        if args.cache:
            pd.to_pickle((scores, res, res_time), args.cache)
    timing = scores[scores["transform"] == "clean"].groupby("detector")["seconds"].mean()
    wide = feature_table(scores)
    oof = cross_validated_fusion(wide, res, folds=args.folds, transforms=TRANS)
    learned = cross_validated_fusion(wide, res, folds=args.folds, transforms=TRANS, columns=[])
    table = {}
    for t in TRANS:
        w = wide[wide["transform"] == t].set_index("path").loc[items["path"].astype(str)].reset_index()
        for c in DETECTORS + ["ela.energy", "ela.energy_q90"]:
            table.setdefault(c, {})[t] = evaluate_scores(w[[c, "label"]], n_boot=0)["auc"].iloc[0]
        for c in ("spectral_lr", "residual", "fused"):
            table.setdefault(c if c != "fused" else "fused (all)", {})[t] = metrics(oof[t]["label"], oof[t][c])["auc"]
        table.setdefault("fused (learned only)", {})[t] = metrics(learned[t]["label"], learned[t]["fused"])["auc"]
    df = pd.DataFrame(table).T
    print(f"faces-dev: {len(items)} images, {args.folds}-fold CV; AUC (higher = fake scores higher)")
    print(df.round(3).to_string())
    for name, o in (("fused (all)", oof), ("fused (learned only)", learned)):
        print(f"\n{name}, clean, bootstrap 95% CI:")
        print(evaluate_scores(o["clean"][["fused", "label"]], n_boot=500).round(3).to_string(index=False))
        print(" ".join(f"ECE {t}: {expected_calibration_error(o[t]['label'], o[t]['fused']):.3f}" for t in TRANS))
    print("\nseconds per image (512 px, clean):")
    print(pd.concat([timing, pd.Series({"residual features": res_time})]).round(4).to_string())
    print(f"total {time.perf_counter() - t0:.0f} s")

    gan = SHARED / "gan-examples"
    gitems = pd.DataFrame([{"path": p, "label": int(p.name.startswith("fake"))} for p in sorted(gan.glob("*.png"))])
    gscores = score_images(gitems, DETECTORS)
    gw = feature_table(gscores).set_index("path").loc[gitems["path"].astype(str)].reset_index()
    model = fit_residual(np.vstack([res[t] for t in TRANS]), np.concatenate([items["label"]] * 3), C=0.01)
    gw["residual (trained on faces-dev)"] = model.predict(residual_matrices(gitems["path"], ("clean",))["clean"])
    print(f"\ngan-examples transfer ({len(gitems)} images, 6 generators); AUC:")
    print(evaluate_scores(gw[[*DETECTORS, "ela.energy", "ela.energy_q90", "residual (trained on faces-dev)", "label"]],
                          n_boot=0)[["detector", "n", "auc"]].round(3).to_string(index=False))


if __name__ == "__main__":
    main()
