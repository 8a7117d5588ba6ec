"""Stable pseudo-random numbers from data: the same inputs give the same draw (pure).

Used where a choice must look random across customers yet repeat exactly when the
same day is run again: Thompson sampling's draws and the challenger's share.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def text_codes(values: pl.Series) -> pl.Series:
    """A stable 32-bit number per text (CRC-32), the same in every process and version."""
    table = {v: zlib.crc32(v.encode()) for v in values.unique().drop_nulls().to_list()}
    return values.replace_strict(table, default=0, return_dtype=pl.UInt64)


def stable_uniform(*parts: np.ndarray) -> np.ndarray:
    """A uniform number in (0, 1) per row from integer parts (SplitMix64's finaliser)."""
    state = np.zeros(len(parts[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in parts:
            state = (state ^ part.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15) & _MASK
            state ^= state >> np.uint64(30)
            state = state * np.uint64(0xBF58476D1CE4E5B9) & _MASK
            state ^= state >> np.uint64(27)
            state = state * np.uint64(0x94D049BB133111EB) & _MASK
            state ^= state >> np.uint64(31)
    return np.clip((state >> np.uint64(11)).astype(np.float64) / 2.0**53, 1e-12, 1 - 1e-12)
