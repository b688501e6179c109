"""``dfkit bundle export|verify|import``."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the bundle subcommands."""
    p = sub.add_parser("bundle", help="export, verify or import a case bundle (zip)",
                       description="Case bundles: a zip with the case database, the custody log, "
                                   "optionally the evidence, and a SHA-256 for every member.")
    bsub = p.add_subparsers(dest="bundle_command", metavar="ACTION")
    p_exp = bsub.add_parser("export", help="write a case to a zip",
                            description="Write the case (and with --with-evidence the originals) "
                                        "to a zip; the export is logged in the custody chain.")
    p_exp.add_argument("--case", required=True, help="case folder")
    p_exp.add_argument("--out", required=True, help="zip file to write")
    p_exp.add_argument("--with-evidence", action="store_true", help="include the evidence files")
    p_exp.set_defaults(func=_export)
    p_ver = bsub.add_parser("verify", help="re-check every member of a bundle",
                            description="Re-hash every member, the evidence, and the custody chain; "
                                        "name each mismatch. Exit status 1 when anything is wrong.")
    p_ver.add_argument("bundle", help="zip file")
    p_ver.set_defaults(func=_verify)
    p_imp = bsub.add_parser("import", help="unpack a verified bundle into a new case folder",
                            description="Refuses absolute paths, '..', links, duplicate names and "
                                        "oversized archives; never executes or unpickles anything.")
    p_imp.add_argument("bundle", help="zip file")
    p_imp.add_argument("--to", required=True, help="new case folder")
    p_imp.set_defaults(func=_import)


def _export(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.report.bundle import export_bundle

    out = export_bundle(Case.open(args.case), args.out, with_evidence=args.with_evidence)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from kit.report.bundle import verify_bundle

    check = verify_bundle(args.bundle)
    print(f"checked {check.n_members} members of {check.path.name}")
    if check.ok:
        print("intact")
        return 0
    print(check.problems.to_string(index=False))
    return 1


def _import(args: argparse.Namespace) -> int:
    from kit.report.bundle import import_bundle

    case = import_bundle(args.bundle, args.to)
    print(f"imported case {case.meta().get('case_id')} into {case.path}")
    return 0
