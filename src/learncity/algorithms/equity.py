"""Inequality across areas: Gini and Theil indices (population-weighted), the gap between
the best- and worst-served area, and the evenness of a mix. Pure, no Django.

Gini:  G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ),   W = Σ w_i,  μ = Σ w_i x_i / W
Theil: T = Σ_i (w_i / W) (x_i / μ) ln(x_i / μ),      with 0 · ln 0 = 0
Both are 0 when every area has the same value; G < 1; T ≤ ln(W / min w) (for equal weights
ln n). Values must be ≥ 0 (rates, counts per capita); weights > 0 (population). With no
area, or a mean of 0 (nobody served anywhere), there is no index: None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


class EquityInputError(ValueError):
    """Values or weights that an index cannot take; the message is Korean then English."""


def _arrays(
    values: Sequence[float], weights: Sequence[float] | None
) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if x.ndim != 1 or w.shape != x.shape:
        raise EquityInputError(
            f"값과 가중치의 개수가 다릅니다 ({x.size} / {w.size}) / values and weights differ "
            f"in length ({x.size} vs {w.size})"
        )
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(w)):
        raise EquityInputError("값이나 가중치에 NaN/무한대가 있습니다 / NaN or infinite input")
    if np.any(x < 0):
        raise EquityInputError("값은 0 이상이어야 합니다 / values must be >= 0")
    if np.any(w <= 0):
        raise EquityInputError("가중치는 0보다 커야 합니다 / weights must be > 0")
    return x, w


def weighted_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float | None:
    x, w = _arrays(values, weights)
    if x.size == 0:
        return None
    return float(np.sum(w * x) / np.sum(w))


def gini(values: Sequence[float], weights: Sequence[float] | None = None) -> float | None:
    x, w = _arrays(values, weights)
    if x.size == 0:
        return None
    total = float(np.sum(w))
    mean = float(np.sum(w * x)) / total
    if mean <= 0:
        return None
    # sorted form of the double sum: O(n log n) instead of O(n²)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum_w = np.cumsum(ws) - ws  # weight strictly below each
    cum_wx = np.cumsum(ws * xs) - ws * xs
    # Σ_i Σ_{j<i} w_i w_j (x_i − x_j), doubled for |x_i − x_j| over all ordered pairs
    pair_sum = float(np.sum(ws * (xs * cum_w - cum_wx)))
    result = (2.0 * pair_sum) / (2.0 * total * total * mean)
    return max(0.0, min(result, 1.0))


def theil(values: Sequence[float], weights: Sequence[float] | None = None) -> float | None:
    x, w = _arrays(values, weights)
    if x.size == 0:
        return None
    total = float(np.sum(w))
    mean = float(np.sum(w * x)) / total
    if mean <= 0:
        return None
    ratio = x / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
    return max(0.0, float(np.sum(w * terms) / total))


def gap(values: Sequence[float]) -> float | None:
    """Best minus worst; None without values."""
    x, _ = _arrays(values, None)
    if x.size == 0:
        return None
    return float(np.max(x) - np.min(x))


def evenness(counts: Sequence[int], categories: int) -> float | None:
    """Normalised Shannon entropy of counts over `categories` kinds: 0 when everything is of
    one kind, 1 when evenly spread over all of them; None without anything counted."""
    if categories < 2:
        raise EquityInputError("종류가 2개 이상이어야 합니다 / needs at least 2 categories")
    if any(c < 0 for c in counts):
        raise EquityInputError("개수는 0 이상이어야 합니다 / counts must be >= 0")
    if len(counts) > categories:
        raise EquityInputError("종류 수보다 많은 개수가 있습니다 / more counts than categories")
    total = sum(counts)
    if total == 0:
        return None
    entropy = -sum((c / total) * math.log(c / total) for c in counts if c > 0)
    return max(0.0, min(1.0, entropy / math.log(categories)))
