"""Maximal covering location: choose K sites that cover the most demand weight.

Demand point i (a neighbourhood or a grid cell) has weight w_i >= 0 (e.g. residents not yet
covered, seniors weighted up) and a cover set N_i: the candidate sites within T minutes of it.
Choose at most K candidates to maximise the weight of demand with at least one chosen site in
its cover set (Church & ReVelle 1974):

    max  sum_i w_i y_i
    s.t. y_i <= sum_{j in N_i} x_j     for every demand point i
         sum_j x_j <= K
         x_j in {0, 1},  0 <= y_i <= 1

``solve_exact`` passes this MILP to HiGHS (highspy) and reports its status, its bound and the
relative MIP gap it proved; ``solve_greedy`` adds the site with the largest gain K times (ties to
the lowest index), which is within 1 - 1/e of the optimum. ``compare`` runs both and reports
the gap between them. Demand with an empty cover set or zero weight cannot gain and is left out
of the model (it changes neither objective).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Solution:
    method: str  # "exact" or "greedy"
    chosen: tuple[int, ...]  # candidate indices, ascending
    objective: float  # covered weight
    seconds: float
    status: str  # "optimal", "time limit", "heuristic"
    bound: float | None = None  # the solver's proven upper bound (exact only)
    mip_gap: float | None = None  # (bound - objective) / objective as the solver proved it


@dataclass(frozen=True)
class Comparison:
    exact: Solution
    greedy: Solution

    @property
    def gap(self) -> float:
        """How much worse greedy is than the exact solution, relative to it (0 = as good)."""
        if self.exact.objective <= 0:
            return 0.0
        return max(0.0, (self.exact.objective - self.greedy.objective) / self.exact.objective)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send what C code writes to standard output to /dev/null meanwhile (JSON stays clean)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real file descriptor (captured output)
        yield
        return
    try:
        with Path(os.devnull).open("wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _check(
    cover_sets: Sequence[np.ndarray], weights: np.ndarray, k: int, n_candidates: int
) -> None:
    if k < 0:
        raise ValueError("K must be >= 0")
    if len(cover_sets) != len(weights):
        raise ValueError("one cover set per demand weight is needed")
    w = np.asarray(weights, dtype=float)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("demand weights must be finite numbers >= 0")
    for cover in cover_sets:
        if len(cover) and (int(np.min(cover)) < 0 or int(np.max(cover)) >= n_candidates):
            raise ValueError("a cover set refers to a candidate that does not exist")


def covered_weight(
    cover_sets: Sequence[np.ndarray], weights: np.ndarray, chosen: Sequence[int]
) -> float:
    """Weight of demand with at least one chosen site in its cover set."""
    picked = {int(c) for c in chosen}
    return float(
        sum(
            float(w)
            for cover, w in zip(cover_sets, weights, strict=True)
            if any(int(j) in picked for j in cover)
        )
    )


def _by_candidate(
    cover_sets: Sequence[np.ndarray], weights: np.ndarray, n_candidates: int
) -> list[list[int]]:
    reaches: list[list[int]] = [[] for _ in range(n_candidates)]
    for i, cover in enumerate(cover_sets):
        if weights[i] > 0:
            for j in cover:
                reaches[int(j)].append(i)
    return reaches


def solve_greedy(
    cover_sets: Sequence[np.ndarray], weights: np.ndarray, k: int, n_candidates: int
) -> Solution:
    """Add the candidate with the largest newly covered weight, K times."""
    started = time.perf_counter()
    w = np.asarray(weights, dtype=float)
    _check(cover_sets, w, k, n_candidates)
    reaches = _by_candidate(cover_sets, w, n_candidates)
    covered = np.zeros(len(w), dtype=bool)
    chosen: list[int] = []
    total = 0.0
    for _ in range(min(k, n_candidates)):
        best_gain, best_j = 0.0, -1
        for j in range(n_candidates):
            if j in chosen or not reaches[j]:
                continue
            idx = np.asarray(reaches[j], dtype=np.int64)
            gain = float(w[idx][~covered[idx]].sum())
            if gain > best_gain:
                best_gain, best_j = gain, j
        if best_j < 0:
            break
        chosen.append(best_j)
        covered[np.asarray(reaches[best_j], dtype=np.int64)] = True
        total += best_gain
    return Solution(
        method="greedy",
        chosen=tuple(sorted(chosen)),
        objective=float(w[covered].sum()) if chosen else 0.0,
        seconds=time.perf_counter() - started,
        status="heuristic",
    )


def solve_exact(
    cover_sets: Sequence[np.ndarray],
    weights: np.ndarray,
    k: int,
    n_candidates: int,
    *,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 0.0,
) -> Solution:
    """The MILP above, solved by HiGHS; status "optimal" when it proved the optimum."""
    import highspy

    started = time.perf_counter()
    w = np.asarray(weights, dtype=float)
    _check(cover_sets, w, k, n_candidates)
    demand = [i for i, cover in enumerate(cover_sets) if w[i] > 0 and len(cover)]
    n_x, n_y = n_candidates, len(demand)
    if n_x == 0 or k == 0 or n_y == 0:
        return Solution("exact", (), 0.0, time.perf_counter() - started, "optimal", 0.0, 0.0)

    lp = highspy.HighsLp()
    lp.num_col_ = n_x + n_y
    lp.num_row_ = n_y + 1
    lp.col_cost_ = np.concatenate([np.zeros(n_x), w[demand]])
    lp.col_lower_ = np.zeros(n_x + n_y)
    lp.col_upper_ = np.ones(n_x + n_y)
    lp.sense_ = highspy.ObjSense.kMaximize
    starts = [0]
    index: list[int] = []
    value: list[float] = []
    for row, i in enumerate(demand):
        cover = sorted({int(j) for j in cover_sets[i]})
        index.extend([n_x + row, *cover])
        value.extend([1.0] + [-1.0] * len(cover))
        starts.append(len(index))
    index.extend(range(n_x))
    value.extend([1.0] * n_x)
    starts.append(len(index))
    lp.row_lower_ = np.full(n_y + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(n_y), [float(k)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    lp.a_matrix_.num_col_ = n_x + n_y
    lp.a_matrix_.num_row_ = n_y + 1
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_x + [
        highspy.HighsVarType.kContinuous
    ] * n_y

    with _quiet_stdout():  # HiGHS prints its banner to file descriptor 1 when created
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    values = np.asarray(highs.getSolution().col_value[:n_x])
    chosen = tuple(int(j) for j in np.flatnonzero(values > 0.5))
    objective = covered_weight(cover_sets, w, chosen)
    info = highs.getInfo()
    bound = float(info.mip_dual_bound)
    if status == highspy.HighsModelStatus.kOptimal:
        label = "optimal"
    elif status == highspy.HighsModelStatus.kTimeLimit:
        label = "time limit"
    else:
        label = highs.modelStatusToString(status)
    mip_gap = (
        max(0.0, (bound - objective) / objective) if objective > 0 and math.isfinite(bound) else 0.0
    )
    return Solution(
        method="exact",
        chosen=chosen,
        objective=objective,
        seconds=time.perf_counter() - started,
        status=label,
        bound=bound,
        mip_gap=mip_gap,
    )


def compare(
    cover_sets: Sequence[np.ndarray],
    weights: np.ndarray,
    k: int,
    n_candidates: int,
    *,
    time_limit_s: float = 30.0,
) -> Comparison:
    return Comparison(
        exact=solve_exact(cover_sets, weights, k, n_candidates, time_limit_s=time_limit_s),
        greedy=solve_greedy(cover_sets, weights, k, n_candidates),
    )
