"""Gini, Theil, the best-worst gap and evenness (algorithms/equity): hand-computed values,
hostile input, and their invariants under hypothesis."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import equity


def test_gini_by_hand() -> None:
    # two areas 2 and 4, unweighted: |2-4| * 2 pairs / (2 * 2^2 * 3) = 4 / 24
    assert equity.gini([2.0, 4.0]) == pytest.approx(1 / 6)
    # weighted 10,000 and 5,000 people: 2 * 1e4 * 5e3 * 2 / (2 * 1.5e4^2 * 8/3) = 1/6
    assert equity.gini([2.0, 4.0], [10000, 5000]) == pytest.approx(1 / 6)
    # one area has everything: (n - 1) / n for equal weights
    assert equity.gini([0, 0, 0, 12]) == pytest.approx(3 / 4)
    assert equity.gini([5, 5, 5]) == 0.0


def test_theil_by_hand() -> None:
    # values 1 and 3, mean 2: (0.5 ln 0.5 + 1.5 ln 1.5) / 2
    expected = (0.5 * math.log(0.5) + 1.5 * math.log(1.5)) / 2
    assert equity.theil([1.0, 3.0]) == pytest.approx(expected)
    # one of four has everything: ln 4
    assert equity.theil([0, 0, 0, 8]) == pytest.approx(math.log(4))
    assert equity.theil([3, 3]) == 0.0


def test_gap_and_evenness_by_hand() -> None:
    assert equity.gap([0.02, 0.03, 0.025]) == pytest.approx(0.01)
    assert equity.gap([]) is None
    assert equity.evenness([1, 1, 1], 7) == pytest.approx(math.log(3) / math.log(7))
    assert equity.evenness([5], 7) == 0.0
    assert equity.evenness([2] * 7, 7) == pytest.approx(1.0)
    assert equity.evenness([], 7) is None


def test_nothing_to_compare_gives_none() -> None:
    assert equity.gini([]) is None
    assert equity.theil([]) is None
    assert equity.gini([0, 0]) is None  # nobody served anywhere: no index
    assert equity.theil([0.0]) is None


@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [
        ([1, -1], None, ">= 0"),
        ([1, 2], [1], "length"),
        ([1, float("nan")], None, "NaN"),
        ([1, 2], [1, 0], "> 0"),
        ([1, float("inf")], None, "NaN"),
    ],
)
def test_hostile_input_is_refused(values: list[float], weights: list[float] | None,
                                  message: str) -> None:  # fmt: skip
    with pytest.raises(equity.EquityInputError, match=message):
        equity.gini(values, weights)
    with pytest.raises(equity.EquityInputError):
        equity.theil(values, weights)


def test_evenness_refuses_nonsense() -> None:
    with pytest.raises(equity.EquityInputError):
        equity.evenness([1, -1], 7)
    with pytest.raises(equity.EquityInputError):
        equity.evenness([1] * 8, 7)
    with pytest.raises(equity.EquityInputError):
        equity.evenness([1], 1)


def _naive_gini(values: list[float], weights: list[float]) -> float:
    total = sum(weights)
    mean = sum(w * x for w, x in zip(weights, values, strict=True)) / total
    pairs = sum(
        wi * wj * abs(xi - xj)
        for xi, wi in zip(values, weights, strict=True)
        for xj, wj in zip(values, weights, strict=True)
    )
    return pairs / (2 * total * total * mean)


areas = st.lists(
    st.tuples(
        # no subnormals: 5e-324 halved is 0, and a city of zeros has no index
        st.floats(0, 1e4, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        st.floats(1, 1e6, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(areas)
def test_gini_matches_the_double_sum_and_stays_in_range(rows: list[tuple[float, float]]) -> None:
    values, weights = [r[0] for r in rows], [r[1] for r in rows]
    result = equity.gini(values, weights)
    if sum(w * x for x, w in rows) <= 0:
        assert result is None
        return
    assert result is not None
    assert 0.0 <= result < 1.0
    assert result == pytest.approx(_naive_gini(values, weights), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(areas, st.floats(0.01, 100), st.randoms())
def test_indices_ignore_scale_and_order(rows: list[tuple[float, float]], factor: float,
                                        rnd: object) -> None:  # fmt: skip
    values, weights = [r[0] for r in rows], [r[1] for r in rows]
    gini, theil = equity.gini(values, weights), equity.theil(values, weights)
    if gini is None:
        return
    scaled = [v * factor for v in values]
    assert equity.gini(scaled, weights) == pytest.approx(gini, abs=1e-9)
    assert equity.theil(scaled, weights) == pytest.approx(theil, abs=1e-9)
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert equity.gini([r[0] for r in shuffled], [r[1] for r in shuffled]) == pytest.approx(
        gini, abs=1e-9
    )
    assert theil is not None
    assert 0.0 <= theil <= math.log(sum(weights) / min(weights)) + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.floats(0.001, 1e4), st.integers(1, 30))
def test_equal_values_are_perfectly_equal(value: float, n: int) -> None:
    assert equity.gini([value] * n) == pytest.approx(0.0, abs=1e-12)
    assert equity.theil([value] * n) == pytest.approx(0.0, abs=1e-12)
    assert equity.gap([value] * n) == 0.0
