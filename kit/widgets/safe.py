"""Safe viewing: thumbnails blurred (optionally greyscaled) until the analyst reveals them.

:class:`SafeSession` holds the session-wide choice (reveal all, greyscale);
its default comes from the case setting ``blur_media`` (True unless turned
off). :class:`SafeThumbnail` shows one item: blurred by default, a "Reveal"
toggle per item, following the session when it changes.

Examples
--------
>>> s = SafeSession(blur=True)
>>> t = SafeThumbnail(session=s)
>>> t.value, s.value
(False, {'reveal_all': False, 'grey': False})
>>> s.reveal_all.value = True
>>> t.value
True
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from kit import viz
from kit.widgets.common import note

__all__ = ["SafeSession", "SafeThumbnail"]


class SafeSession(widgets.HBox):
    """Session-wide safe-viewing switches: ``reveal_all`` and ``grey`` (``.value`` is a dict)."""

    def __init__(self, *, blur: bool = True, grey: bool = False) -> None:
        self.reveal_all = widgets.ToggleButton(value=not blur, description="Reveal all media",
                                               icon="eye", tooltip="Show every thumbnail unblurred")
        self.grey = widgets.Checkbox(value=grey, description="greyscale", indent=False)
        self._thumbs: weakref.WeakSet[SafeThumbnail] = weakref.WeakSet()  # galleries come and go
        super().__init__([self.reveal_all, self.grey])
        self.add_class("dfk-safe-session")
        self.reveal_all.observe(self._changed, "value")
        self.grey.observe(self._changed, "value")

    @classmethod
    def from_case(cls, case: Any, *, grey: bool = False) -> SafeSession:
        """A session whose default follows the case setting ``blur_media``."""
        return cls(blur=bool(case.settings().get("blur_media", True)), grey=grey)

    @property
    def value(self) -> dict:
        return {"reveal_all": bool(self.reveal_all.value), "grey": bool(self.grey.value)}

    def register(self, thumb: SafeThumbnail) -> None:
        """Make ``thumb`` follow this session's switches."""
        self._thumbs.add(thumb)

    def _changed(self, _change: Any = None) -> None:
        for t in self._thumbs:
            t.reveal.value = bool(self.reveal_all.value)
            t.render()


class SafeThumbnail(widgets.VBox):
    """One media thumbnail, blurred until revealed; ``.value`` is True when revealed.

    Parameters
    ----------
    path
        The media file (image or video; a video shows its first frame).
    kind
        ``"image"`` / ``"video"`` (sniffed when None).
    session
        A :class:`SafeSession` to follow (default: blurred, in colour).
    size
        Longer side in pixels.
    render
        ``render(path, size=, blur=, grey=, kind=) -> PNG bytes``
        (default :func:`kit.viz.thumbnail_png`).
    """

    def __init__(self, path: str | Path | None = None, *, kind: str | None = None,
                 session: SafeSession | None = None, size: int = 220,
                 render: Callable[..., bytes] = viz.thumbnail_png) -> None:
        self.session = session
        self.size = size
        self._render = render
        self.path: Path | None = None
        self.kind = kind
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width=f"{size}px"))
        self.image.add_class("dfk-thumb-image")
        self.reveal = widgets.ToggleButton(value=bool(session and session.reveal_all.value),
                                           description="Reveal", icon="eye",
                                           tooltip="Show this item unblurred (only here, only now)",
                                           layout=widgets.Layout(width="auto"))
        self.reveal.add_class("dfk-reveal")
        self.state = widgets.HTML()
        self.state.add_class("dfk-thumb-state")
        super().__init__([self.image, widgets.HBox([self.reveal, self.state])])
        self.add_class("dfk-thumb")
        self.reveal.observe(lambda _c: self.render(), "value")
        if session is not None:
            session.register(self)
        if path is not None:
            self.show(path, kind=kind)
        else:
            self.render()

    @property
    def value(self) -> bool:
        return bool(self.reveal.value)

    @property
    def blurred(self) -> bool:
        """True while the thumbnail on screen is blurred."""
        return not self.reveal.value

    def show(self, path: str | Path | None, *, kind: str | None = None) -> None:
        """Show another file; a new item starts blurred again unless the session reveals all."""
        self.path = Path(path) if path is not None else None
        self.kind = kind
        self.reveal.value = bool(self.session and self.session.reveal_all.value)
        self.render()

    def render(self) -> None:
        """Redraw the thumbnail in its current state."""
        self.image.layout.display = "none" if self.path is None else None
        if self.path is None:
            self.image.value = b""
            self.state.value = note("no media")
            return
        grey = bool(self.session and self.session.grey.value)
        try:
            self.image.value = self._render(self.path, size=self.size, blur=self.blurred, grey=grey,
                                            kind=self.kind)
            self.state.value = note("blurred" if self.blurred else "revealed")
        except Exception as exc:  # noqa: BLE001 - a broken file must not break the app
            self.image.value = b""
            self.image.layout.display = "none"
            self.state.value = note(f"cannot show this file: {exc}", cls="warn")
