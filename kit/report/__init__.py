"""Shareable cases: the parameterised report, bundles with verification, hash lists.

``kit.report.sections`` (the report's sections, built from ``markup``,
``findings`` and ``appendix``) imports IPython and is imported only by the
report notebook.
"""

from kit.report.bundle import BundleCheck, BundleError, export_bundle, import_bundle, verify_bundle
from kit.report.hashlist import HashListError, HashListResult, export_hashlist, parse_hma
from kit.report.notebook import ReportError, ReportResult, build_report, find_leaks

__all__ = ["BundleCheck", "BundleError", "export_bundle", "import_bundle", "verify_bundle",
           "HashListError", "HashListResult", "export_hashlist", "parse_hma",
           "ReportError", "ReportResult", "build_report", "find_leaks"]
