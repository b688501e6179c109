"""ipywidgets apps for the notebooks; each composes kit calls and :mod:`kit.viz` figures only.

Apps are imported from their modules (``from kit.widgets.spread import SpreadExplorer``) so that
importing one does not pull the others' dependencies.

- :mod:`kit.widgets.safe`: :class:`SafeSession`, :class:`SafeThumbnail` (blurred until revealed).
- :mod:`kit.widgets.overview`: :class:`CaseOverview`.
- :mod:`kit.widgets.intake`: :class:`IntakeApp`.
- :mod:`kit.widgets.reposts`: :class:`RepostReview`.
- :mod:`kit.widgets.detectors`: :class:`DetectorLab`.
- :mod:`kit.widgets.spread`: :class:`SpreadExplorer`.
"""

__all__ = ["safe", "overview", "intake", "reposts", "detectors", "spread"]
