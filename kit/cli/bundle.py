"""``dfkit bundle export|verify|import|key``."""

from __future__ import annotations

import argparse

__all__ = ["register"]

_TRUST = "a colleague's public key (.pub) the bundle must be signed with (repeatable)"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the bundle subcommands."""
    p = sub.add_parser("bundle", help="export, verify or import a case bundle (zip)",
                       description="Case bundles: a zip with the case database, the custody log, "
                                   "optionally the evidence, a SHA-256 for every member and optionally "
                                   "the analyst's signature.")
    bsub = p.add_subparsers(dest="bundle_command", metavar="ACTION")
    p_exp = bsub.add_parser("export", help="write a case to a zip",
                            description="Write the case (and with --with-evidence the originals) "
                                        "to a zip; the export is logged in the custody chain.")
    p_exp.add_argument("--case", required=True, help="case folder")
    p_exp.add_argument("--out", required=True, help="zip file to write")
    p_exp.add_argument("--with-evidence", action="store_true", help="include the evidence files")
    p_exp.add_argument("--notebooks", action="store_true",
                       help="run the case notebooks 00-04 on the case first and include them with their outputs "
                            "(readable offline, without a kernel: .ipynb and .html)")
    p_exp.add_argument("--sign", action="store_true",
                       help="sign the custody head and the sums with the analyst's key (created on first use)")
    p_exp.add_argument("--key-dir", default=None, help="key folder (default $DFKIT_KEY_DIR or ~/.config/dfkit/keys)")
    p_exp.set_defaults(func=_export)
    p_ver = bsub.add_parser("verify", help="re-check every member of a bundle",
                            description="Re-hash every member, the evidence, the custody chain and the "
                                        "database rows it vouches for; check the signature; name each "
                                        "mismatch. Exit status 1 when anything is wrong, 2 when the "
                                        "bundle is refused or unreadable.")
    p_ver.add_argument("bundle", help="zip file")
    p_ver.add_argument("--trust", action="append", default=[], metavar="KEY.pub", help=_TRUST)
    p_ver.set_defaults(func=_verify)
    p_imp = bsub.add_parser("import", help="unpack a verified bundle into a new case folder",
                            description="Writes only the members a bundle may hold, and only after they "
                                        "verify; refuses absolute paths, '..', links, unknown members and "
                                        "oversized archives; never executes or unpickles anything.")
    p_imp.add_argument("bundle", help="zip file")
    p_imp.add_argument("--to", required=True, help="new case folder")
    p_imp.add_argument("--trust", action="append", default=[], metavar="KEY.pub", help=_TRUST)
    p_imp.set_defaults(func=_import)
    p_key = bsub.add_parser("key", help="create (once) and show an analyst's signing key",
                            description="Create an Ed25519 key pair for the analyst outside every case "
                                        "(if there is none) and print the public key file to give to "
                                        "colleagues.")
    p_key.add_argument("--analyst", required=True, help="analyst name (as in the case)")
    p_key.add_argument("--key-dir", default=None, help="key folder (default $DFKIT_KEY_DIR or ~/.config/dfkit/keys)")
    p_key.set_defaults(func=_key)


def _export(args: argparse.Namespace) -> int:
    from kit.case import Case
    from kit.report.bundle import export_bundle

    case = Case.open(args.case)
    if args.notebooks:
        from kit.report.notebooks import export_notebooks

        for path in export_notebooks(case):
            print(f"wrote {path.relative_to(case.path).as_posix()}")
    out = export_bundle(case, args.out, with_evidence=args.with_evidence, sign=args.sign, key_dir=args.key_dir)
    details = case.custody()["details"].iloc[-1]
    print(f"wrote {out} ({out.stat().st_size} bytes)"
          + (f", signed with key {details['signed_by']}" if details.get("signed_by") else ", unsigned"))
    for name in details.get("skipped_exports") or []:
        print(f"left out {name}: not a file a bundle may hold")
    return 0


def _trusted(paths: list[str]) -> tuple:
    from kit.signing import read_public_key

    return tuple(read_public_key(p) for p in paths)


def _verify(args: argparse.Namespace) -> int:
    from kit.report.bundle import verify_bundle

    check = verify_bundle(args.bundle, trusted=_trusted(args.trust))
    print(f"checked {check.n_members} members of {check.path.name}")
    print(check.authenticity)
    if check.ok:
        print("intact")
        return 0
    print(check.problems.to_string(index=False))
    return 1


def _import(args: argparse.Namespace) -> int:
    from kit.report.bundle import import_bundle

    case = import_bundle(args.bundle, args.to, trusted=_trusted(args.trust))
    details = case.custody()["details"].iloc[-1]
    print(f"imported case {case.meta().get('case_id')} into {case.path}")
    print(details.get("authenticity", ""))
    return 0


def _key(args: argparse.Namespace) -> int:
    from kit.signing import ensure_key, key_paths

    key, created = ensure_key(args.analyst, key_dir=args.key_dir)
    print(f"{'created' if created else 'found'} the key of {args.analyst}: id {key.key_id}")
    print(f"public key for colleagues: {key_paths(args.analyst, args.key_dir)[1]}")
    return 0
