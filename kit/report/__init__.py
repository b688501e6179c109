"""Shareable cases: bundles with verification (reports and hash lists join here as they land)."""

from kit.report.bundle import BundleCheck, BundleError, export_bundle, import_bundle, verify_bundle

__all__ = ["BundleCheck", "BundleError", "export_bundle", "import_bundle", "verify_bundle"]
