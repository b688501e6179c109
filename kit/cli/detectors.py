"""``dfkit detectors``: list detectors, score a case, evaluate and train on labelled folders.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser(); register(p.add_subparsers(dest="command"))
>>> p.parse_args(["detectors", "run", "--case", "c", "--detector", "ela"]).detector
['ela']
"""

from __future__ import annotations

import argparse

__all__ = ["register"]


def _list(args: argparse.Namespace) -> int:
    import pandas as pd

    from kit.detectors import list_detectors

    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(list_detectors().drop(columns=["error"] if args.brief else []).to_string(index=False))
    return 0


def _run(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.detectors import detector_names, detector_step, scores_table

    case = Case.open(args.case)
    names = args.detector or [n for n in detector_names() if n not in ("residual",)]
    results, failed = {}, 0
    for name in names:
        df = case.run(detector_step(name))
        failed += int((df["status"] == "error").sum())
        results[name] = case.results(f"detector.{name}")
    table = scores_table(results)
    print(table.pivot_table(index="sha256", columns="detector", values="score", aggfunc="first")
          .round(3).to_string())
    if failed:
        print(f"{failed} error row(s); see case.results('detector.<name>')")
    return 1 if failed else 0


def _labelled(args: argparse.Namespace):
    """The labelled table of --real and --fake, or a KitError naming a folder that is not one."""
    from pathlib import Path

    from kit.detectors.evaluate import labelled_folder
    from kit.errors import KitError

    for flag, folder in (("--real", args.real), ("--fake", args.fake)):
        if not Path(folder).is_dir():
            raise KitError(f"{flag} {folder}: no such folder", path=folder)
    items = labelled_folder(args.real, args.fake)
    for label, flag in ((0, "--real"), (1, "--fake")):
        if not (items["label"] == label).any():
            raise KitError(f"{flag} {args.real if label == 0 else args.fake}: no images in it")
    return items


def _eval(args: argparse.Namespace) -> int:
    import pandas as pd

    from kit.detectors.evaluate import evaluate_scores, score_images

    items = _labelled(args)
    names = args.detector or ["ela", "noise", "ghost", "jpeg", "copymove", "spectral", "faces"]
    scores = score_images(items, names, transforms=args.transform)
    for t in args.transform:
        s = scores[scores["transform"] == t]
        wide = pd.DataFrame({d: g.set_index("path")["score"].reindex(items["path"].astype(str)).to_numpy()
                             for d, g in s.groupby("detector")})
        wide["label"] = items["label"].to_numpy()
        print(f"[{t}] {len(items)} images ({int(items['label'].sum())} fake)")
        cols = ["detector", "n", "n_missing", "auc", "auc_lo", "auc_hi", "ap", "eer", "tpr_at_fpr1", "tpr_at_fpr5"]
        table = evaluate_scores(wide, n_boot=args.bootstrap)
        print(table[[c for c in cols if c in table.columns]].round(3).to_string(index=False))
        print(s.groupby("detector")["seconds"].mean().rename("seconds/image").round(4).to_frame().to_string())
    if args.fused:
        if "clean" not in args.transform:
            print("--fused needs the clean transform")
            return 2
        _fused(items, scores, args)
    return 0


def _fused(items, scores, args) -> int:
    from kit.detectors.evaluate import metrics
    from kit.detectors.fusion import expected_calibration_error
    from kit.detectors.stacking import cross_validated_fusion, feature_table, residual_matrices

    transforms = tuple(args.transform)
    wide = feature_table(scores)
    paths = wide[wide["transform"] == "clean"]["path"] if "clean" in transforms else items["path"].astype(str)
    res = residual_matrices(paths, transforms)
    print(f"fused: {args.folds}-fold CV; residual model, spectral LR and fusion are fit on training folds only")
    for label, cols in (("all detectors", None), ("learned only", [])):
        oof = cross_validated_fusion(wide, res, folds=args.folds, transforms=transforms, columns=cols)
        for t, df in oof.items():
            m, r = metrics(df["label"], df["fused"]), metrics(df["label"], df["residual"])
            print(f"[{t}] fused ({label}): AUC {m['auc']:.3f}, ECE "
                  f"{expected_calibration_error(df['label'], df['fused']):.3f}; residual alone AUC {r['auc']:.3f}")
    return 0


def _train(args: argparse.Namespace) -> int:
    import numpy as np

    from pathlib import Path

    from kit.detectors.residual import fit_residual
    from kit.detectors.stacking import residual_matrices
    from kit.errors import KitError

    if Path(args.out).is_dir():
        raise KitError(f"{args.out}: is a folder; --out takes the name of the model file to write", path=args.out)
    items = _labelled(args)
    transforms = ("clean", "q70", "half") if args.augment else ("clean",)
    feats = residual_matrices(items["path"], transforms)
    ok = ~np.isnan(feats["clean"]).any(axis=1)
    X = np.vstack([feats[t][ok] for t in transforms])
    y = np.concatenate([items["label"].to_numpy()[ok]] * len(transforms))
    model = fit_residual(X, y, C=args.C, source=f"real={args.real} fake={args.fake}; licence: {args.licence}")
    model.save(args.out)
    print(f"trained on {int(ok.sum())} images ({int((~ok).sum())} unreadable skipped) x {len(transforms)} "
          f"transforms -> {args.out} (detector version 1-{model.digest})")
    return 0


def _resolve(case, ids: list[str]) -> list[str]:
    """Post ids or SHA-256 (a prefix of 8+ hex digits) -> the files' SHA-256; KitError naming one that is neither."""
    from kit.errors import KitError

    table = case.posts()
    posts = dict(zip(table["post_id"].astype(str), table["media_sha256"]))
    shas = list(case.media()["sha256"])
    out = []
    for ident in ids:
        hits = [posts[ident]] if ident in posts else \
            [s for s in shas if len(ident) >= 8 and s.startswith(ident.lower())]
        if len(hits) != 1:
            raise KitError(f"{ident!r}: {'ambiguous' if hits else 'no such'} post id or file SHA-256 in the case")
        out.append(hits[0])
    return out


def _label(args: argparse.Namespace) -> int:
    from kit.case import Case

    case = Case.open(args.case)
    try:
        for label, ids in (("fake", args.fake), ("real", args.real), (None, args.clear)):
            if ids:
                case.label(_resolve(case, ids), label, args.note)
        counts = case.labels()["label"].value_counts()
        print(f"labels in the case: {counts.get(1, 0)} fake, {counts.get(0, 0)} real")
    finally:
        case.close()
    return 0


def _fuse(args: argparse.Namespace) -> int:
    from kit.case import Case

    case = Case.open(args.case)
    try:
        stored = case.fit_fusion(detectors=args.detector, method=args.method)
    finally:
        case.close()
    cv, cols = stored["cross_validation"], stored["fusion"]["columns"]
    print(f"fusion of {', '.join(cols)} fitted on {len(stored['training'])} labelled files and stored in the case; "
          f"{cv['folds']}-fold cross-validated AUC {cv['auc']:.3f}, calibration error {cv['ece']:.3f}")
    return 0


def register(subparsers) -> None:
    """Add ``dfkit detectors {list,run,eval,train,label,fuse}``."""
    p = subparsers.add_parser("detectors", help="manipulation/synthesis detectors",
                              description="List detectors, score a case, evaluate on labelled folders.")
    sub = p.add_subparsers(dest="detectors_command", metavar="ACTION")
    ls = sub.add_parser("list", help="list registered detectors (built-in and plug-ins)")
    ls.add_argument("--brief", action="store_true", help="hide the error column")
    ls.set_defaults(func=_list)
    run = sub.add_parser("run", help="score a case's media (only what is new)")
    run.add_argument("--case", required=True, help="case folder")
    run.add_argument("--detector", action="append", help="detector name (repeatable; default: all)")
    run.set_defaults(func=_run)
    ev = sub.add_parser("eval", help="AUC/AP/EER/TPR@FPR per detector on labelled folders")
    ev.add_argument("--real", required=True, help="folder of real images")
    ev.add_argument("--fake", required=True, help="folder of fake/manipulated images")
    ev.add_argument("--detector", action="append", help="detector name (repeatable)")
    ev.add_argument("--transform", nargs="+", default=["clean"], choices=["clean", "q70", "half"],
                    help="repost transforms to score under (default: clean)")
    ev.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for CIs (0: none)")
    ev.add_argument("--fused", action="store_true", help="also report the cross-validated fused score")
    ev.add_argument("--folds", type=int, default=5, help="folds for the fused score")
    ev.set_defaults(func=_eval)
    tr = sub.add_parser("train", help="learn the residual detector's parameters from labelled folders")
    tr.add_argument("--real", required=True, help="folder of real images")
    tr.add_argument("--fake", required=True, help="folder of fake images")
    tr.add_argument("--out", required=True, help="where to write the model (.npz, ~50 KB)")
    tr.add_argument("--C", type=float, default=0.01, help="inverse L2 strength of the logistic regression")
    tr.add_argument("--no-augment", dest="augment", action="store_false",
                    help="do not add JPEG q70 / half-size copies of the training images")
    tr.add_argument("--licence", default="unstated", help="licence of the training images, kept in the model")
    tr.set_defaults(func=_train)
    lb = sub.add_parser("label", help="label files of a case fake or real (for the fusion); by post id or SHA-256")
    lb.add_argument("--case", required=True, help="case folder")
    lb.add_argument("--fake", nargs="+", default=[], metavar="ID", help="post ids or SHA-256 prefixes")
    lb.add_argument("--real", nargs="+", default=[], metavar="ID", help="post ids or SHA-256 prefixes")
    lb.add_argument("--clear", nargs="+", default=[], metavar="ID", help="withdraw these labels")
    lb.add_argument("--note", default=None, help="why (kept with each label)")
    lb.set_defaults(func=_label)
    fu = sub.add_parser("fuse", help="fit the fusion of detector scores on the case's labels and store it")
    fu.add_argument("--case", required=True, help="case folder")
    fu.add_argument("--detector", action="append", help="detector to fuse (repeatable; default: all scored)")
    fu.add_argument("--method", default="logistic", choices=("logistic", "isotonic"),
                    help="logistic (Platt) or logistic followed by isotonic calibration")
    fu.set_defaults(func=_fuse)
