"""Safe viewing: thumbnails are blurred until revealed, per item or per session; the case setting wins."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from _demo import sha_of, small_case
from kit.widgets.safe import SafeSession, SafeThumbnail


def _detail(png: bytes) -> float:
    """High-frequency energy of a PNG: large for a sharp picture, small for a blurred one."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float32)
    return float(np.abs(np.diff(a, axis=1)).mean())


@pytest.fixture
def case(tmp_path: Path):
    return small_case(tmp_path)


def test_blurred_by_default_and_revealed_per_item(case) -> None:
    t = SafeThumbnail(case.evidence_path(sha_of(case, "p4")), size=120)
    assert t.value is False and t.blurred and "blurred" in t.state.value
    blurred = t.image.value
    t.reveal.value = True  # the analyst presses "Reveal"
    assert t.value is True and "revealed" in t.state.value
    assert _detail(t.image.value) > 5 * _detail(blurred)


def test_new_item_starts_blurred_again(case) -> None:
    t = SafeThumbnail(case.evidence_path(sha_of(case, "p1")))
    t.reveal.value = True
    t.show(case.evidence_path(sha_of(case, "p4")))
    assert t.blurred


@pytest.mark.parametrize(("blur_setting", "revealed"), [pytest.param(True, False, id="setting-on"),
                                                        pytest.param(False, True, id="setting-off")])
def test_case_setting_decides_the_default(case, blur_setting: bool, revealed: bool) -> None:
    case.set_setting("blur_media", blur_setting)
    session = SafeSession.from_case(case)
    t = SafeThumbnail(case.evidence_path(sha_of(case, "p4")), session=session)
    assert t.value is revealed


def test_session_reveal_all_and_grey(case) -> None:
    session = SafeSession()
    thumbs = [SafeThumbnail(case.evidence_path(sha_of(case, p)), session=session) for p in ("p1", "p4")]
    assert not any(t.value for t in thumbs)
    session.reveal_all.value = True
    assert all(t.value for t in thumbs)
    session.grey.value = True
    assert Image.open(io.BytesIO(thumbs[0].image.value)).mode == "L"
    session.reveal_all.value = False
    assert all(t.blurred for t in thumbs)


def test_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    t = SafeThumbnail(bad)
    assert "cannot show this file" in t.state.value and t.image.value == b""
