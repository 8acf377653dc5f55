"""Maximal covering: hand-solved instances, exact never below greedy, more sites never less."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.mclp import compare, covered_weight, solve_exact, solve_greedy


def sets(*members):
    return [np.array(m, dtype=np.int64) for m in members]


def test_greedy_is_fooled_and_exact_is_not():
    # candidate 0 covers points 0, 2, 4 (weight 6); 1 covers 0, 1 (5); 2 covers 2, 3 (5)
    cover = sets([0, 1], [1], [0, 2], [2], [0])
    weights = np.array([2.0, 3.0, 2.0, 3.0, 2.0])
    # greedy: 0 covers 6 (best first), then 1 adds 3 -> 9; exact: {1, 2} covers 10
    result = compare(cover, weights, 2, 3)
    assert result.greedy.chosen == (0, 1)
    assert result.greedy.objective == 9.0
    assert result.exact.chosen == (1, 2)
    assert result.exact.objective == 10.0
    assert result.exact.status == "optimal"
    assert result.gap == pytest.approx(0.1)


def test_nothing_to_cover():
    assert solve_exact(sets([], []), np.array([1.0, 2.0]), 3, 2).objective == 0.0
    assert solve_greedy(sets([0]), np.array([0.0]), 1, 1).chosen == ()
    assert solve_exact(sets([0]), np.array([5.0]), 0, 1).chosen == ()


@pytest.mark.parametrize(
    ("cover", "weights", "k", "n"),
    [
        (sets([0]), np.array([1.0, 2.0]), 1, 1),
        (sets([3]), np.array([1.0]), 1, 2),
        (sets([0]), np.array([-1.0]), 1, 1),
        (sets([0]), np.array([np.nan]), 1, 1),
        (sets([0]), np.array([1.0]), -1, 1),
    ],
)
def test_bad_input(cover, weights, k, n):
    with pytest.raises(ValueError):
        solve_greedy(cover, weights, k, n)
    with pytest.raises(ValueError):
        solve_exact(cover, weights, k, n)


instances = st.integers(1, 8).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.lists(st.integers(0, n - 1), max_size=4), st.integers(0, 50)),
            min_size=1,
            max_size=14,
        ),
        st.integers(0, n),
    )
)


@settings(max_examples=60, deadline=None)
@given(instances)
def test_exact_never_worse_than_greedy_and_optimal_by_enumeration(instance):
    from itertools import combinations

    n, demand, k = instance
    cover = [np.array(sorted(set(c)), dtype=np.int64) for c, _ in demand]
    weights = np.array([float(w) for _, w in demand])
    result = compare(cover, weights, k, n)
    assert result.exact.objective >= result.greedy.objective - 1e-9
    assert len(result.exact.chosen) <= k and len(result.greedy.chosen) <= k
    best = max(covered_weight(cover, weights, c) for c in combinations(range(n), k))
    assert result.exact.objective == pytest.approx(best)
    assert 0.0 <= result.gap <= 1.0


@settings(max_examples=60, deadline=None)
@given(instances, st.data())
def test_adding_a_site_never_lowers_coverage(instance, data):
    n, demand, k = instance
    cover = [np.array(sorted(set(c)), dtype=np.int64) for c, _ in demand]
    weights = np.array([float(w) for _, w in demand])
    chosen = data.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    extra = data.draw(st.integers(0, n - 1))
    assert covered_weight(cover, weights, [*chosen, extra]) >= covered_weight(
        cover, weights, chosen
    )
    if k < n:
        assert (
            solve_exact(cover, weights, k + 1, n).objective
            >= solve_exact(cover, weights, k, n).objective - 1e-9
        )
        assert (
            solve_greedy(cover, weights, k + 1, n).objective
            >= solve_greedy(cover, weights, k, n).objective
        )
