"""One answer to "is this value missing?" for values that come out of DataFrames and exports.

A missing value is None, NaN, NaT or ``pd.NA``; a list, dict, array or any
other value that pandas cannot test one by one is present.

Examples
--------
>>> import numpy as np, pandas as pd
>>> [is_missing(v) for v in (None, float("nan"), pd.NaT, pd.NA, 0, "", [], np.array([np.nan]))]
[True, True, True, True, False, False, False, False]
>>> present(float("nan")) is None, present(3)
(True, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_missing", "present"]


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None, NaN, NaT or ``pd.NA`` (containers and arrays are never missing)."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, dict, set, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # other containers: pd.isna gives one answer an element
        return False


def present(value: Any) -> Any:
    """``value``, or None where it is missing."""
    return None if is_missing(value) else value
