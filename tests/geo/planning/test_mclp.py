"""Site choice: exact equals brute force; greedy below exact, exact below greedy's bound."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from geo.errors import InvalidParameter
from geo.planning.mclp import SitePlan, solve_sites


def union_weight(cover, w, existing, sites):
    hit = cover[:, list(sites)].any(axis=1) if sites else np.zeros(len(w), bool)
    return float(w[hit & ~existing].sum())


def brute_best(cover, w, existing, count):
    n_c = cover.shape[1]
    k = min(count, n_c)
    return max(union_weight(cover, w, existing, s) for s in itertools.combinations(range(n_c), k))


def check_invariants(plan: SitePlan, cover, w, existing):
    tol = 1e-9 * max(1.0, float(w.sum()))
    assert len(set(plan.sites)) == len(plan.sites) <= plan.requested
    assert all(g > 0 for g in plan.gains)
    assert math.isclose(plan.existing_covered_weight, float(w[existing].sum()), abs_tol=tol)
    assert math.isclose(plan.total_weight, float(w.sum()), abs_tol=tol)
    # gains re-measured in rank order, existing coverage never counted again
    covered = existing.copy()
    for site, gain, level in zip(plan.sites, plan.gains, plan.curve, strict=True):
        col = cover[:, site]
        assert math.isclose(gain, float(w[col & ~covered].sum()), abs_tol=tol)
        covered |= col
        assert math.isclose(level, float(w[covered].sum()), abs_tol=tol)
    assert math.isclose(plan.covered_weight, float(w[covered].sum()), abs_tol=tol)
    assert math.isclose(
        sum(plan.gains), plan.covered_weight - plan.existing_covered_weight, abs_tol=tol
    )
    assert all(b >= a - tol for a, b in itertools.pairwise(plan.curve))  # never decreases
    assert all(b <= a + tol for a, b in itertools.pairwise(plan.gains))  # rank order
    # rank order: each site adds the most among the chosen ones not yet ranked
    covered = existing.copy()
    for k, site in enumerate(plan.sites):
        best = max(float(w[cover[:, j] & ~covered].sum()) for j in plan.sites[k:])
        assert math.isclose(plan.gains[k], best, abs_tol=tol)
        covered |= cover[:, site]
    assert plan.covered_weight <= plan.bound_weight + tol
    assert plan.covered_weight <= plan.reachable_weight + tol
    assert 0.0 <= plan.gap <= 1.0
    if plan.optimal:
        assert plan.gap == 0.0
    if plan.shortfall:  # fewer sites only when nothing more can be covered
        assert math.isclose(plan.covered_weight, plan.reachable_weight, abs_tol=tol)


@st.composite
def problems(draw):
    n_d = draw(st.integers(1, 12))
    n_c = draw(st.integers(1, 7))
    cells = st.lists(st.booleans(), min_size=n_c, max_size=n_c)
    cover = np.array(draw(st.lists(cells, min_size=n_d, max_size=n_d)), dtype=bool)
    w = np.array(draw(st.lists(st.integers(0, 9), min_size=n_d, max_size=n_d)), dtype=float)
    existing = np.array(draw(st.lists(st.booleans(), min_size=n_d, max_size=n_d)), dtype=bool)
    count = draw(st.integers(1, n_c + 1))
    return cover, w, existing, count


@settings(max_examples=200)
@given(problems())
def test_exact_equals_brute_force_and_greedy_is_bounded(problem):
    cover, w, existing, count = problem
    best = brute_best(cover, w, existing, count) + float(w[existing].sum())
    exact = solve_sites(sparse.csr_array(cover), w, existing, count, method="exact")
    greedy = solve_sites(cover, w, existing, count, method="greedy")
    check_invariants(exact, cover, w, existing)
    check_invariants(greedy, cover, w, existing)
    assert exact.optimal
    assert exact.gap == 0.0
    assert math.isclose(exact.covered_weight, best, abs_tol=1e-9)
    assert greedy.covered_weight <= exact.covered_weight + 1e-9
    assert exact.covered_weight <= greedy.bound_weight + 1e-9
    if greedy.optimal:
        assert math.isclose(greedy.covered_weight, best, abs_tol=1e-9)


def random_problem(seed, n_d=60, n_c=15, radius=2.0):
    rng = np.random.default_rng(seed)
    d = rng.random((n_d, 2)) * 10
    c = rng.random((n_c, 2)) * 10
    cost = np.hypot(*(d[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, n_d).astype(float)
    return cost, w, radius


@pytest.mark.filterwarnings("ignore:.*PuLP 4:DeprecationWarning")
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("count", [1, 3, 5])
def test_same_objective_as_spopt(seed, count):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    cost, w, radius = random_problem(seed)
    model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=count)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = float(pulp.value(model.problem.objective))
    cover = cost <= radius
    plan = solve_sites(cover, w, None, count, method="exact")
    check_invariants(plan, cover, w, np.zeros(len(w), bool))
    assert plan.optimal
    assert math.isclose(plan.covered_weight, theirs, rel_tol=1e-9)
    greedy = solve_sites(cover, w, None, count, method="greedy")
    assert greedy.covered_weight <= theirs + 1e-9 <= greedy.bound_weight + 2e-9


@pytest.mark.parametrize("seed", range(4))
def test_larger_exact_and_greedy_agree_with_their_bounds(seed):
    cost, w, radius = random_problem(seed, n_d=2000, n_c=200, radius=0.8)
    cover = cost <= radius
    existing = np.random.default_rng(seed).random(len(w)) < 0.2
    exact = solve_sites(cover, w, existing, 12, method="exact")
    greedy = solve_sites(cover, w, existing, 12, method="greedy")
    auto = solve_sites(cover, w, existing, 12)
    for plan in (exact, greedy, auto):
        check_invariants(plan, cover, w, existing)
    assert exact.optimal
    assert exact.method == "exact"
    assert auto.optimal
    assert math.isclose(auto.covered_weight, exact.covered_weight)
    assert greedy.covered_weight <= exact.covered_weight <= greedy.bound_weight + 1e-9


def test_fewer_sites_when_more_would_add_nothing():
    cover = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=bool)
    w = np.array([1.0, 2.0, 5.0, 7.0])
    for method in ("exact", "greedy", "auto"):
        plan = solve_sites(cover, w, None, 3, method=method)
        assert plan.sites == (1, 0)
        assert plan.gains == (5.0, 3.0)
        assert plan.shortfall == 1
        assert plan.optimal
        assert plan.covered_weight == plan.reachable_weight == 8.0
        assert plan.total_weight == 15.0


def test_existing_coverage_is_not_counted_again():
    cover = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
    w = np.array([10.0, 1.0, 3.0])
    existing = np.array([True, False, False])
    plan = solve_sites(cover, w, existing, 1, method="exact")
    # site 0 covers 11 in all but only 1 new; site 1 covers 3 new
    assert plan.sites == (1,)
    assert plan.gains == (3.0,)
    assert plan.existing_covered_weight == 10.0
    assert plan.covered_weight == 13.0
    assert plan.curve == (13.0,)


def test_nothing_to_cover():
    plan = solve_sites(np.zeros((3, 2), bool), np.ones(3), None, 2)
    assert plan.sites == ()
    assert plan.shortfall == 2
    assert plan.optimal
    assert plan.gap == 0.0
    assert plan.covered_weight == 0.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"count": 0}, "count"),
        ({"count": -2}, "count"),
        ({"count": 2.5}, "count"),  # not a whole number
        ({"count": 2.0}, "count"),  # a float, even a whole one: say 2
        ({"count": True}, "count"),  # a bool is not a number of sites
        ({"count": "3"}, "count"),
        ({"count": 1, "method": "fast"}, "method"),
        ({"count": 1, "time_limit_s": 0}, "time_limit_s"),
        ({"count": 1, "time_limit_s": float("inf")}, "time_limit_s"),
    ],
)
def test_bad_parameters(kwargs, name):
    cover = np.ones((2, 2), bool)
    with pytest.raises(InvalidParameter) as exc:
        solve_sites(cover, np.ones(2), None, **kwargs)
    assert exc.value.code == "invalid_parameter"
    assert exc.value.details[0]["parameter"] == name
    assert name in exc.value.message
    assert "无效" in exc.value.message_zh


@pytest.mark.parametrize(
    ("weights", "existing"),
    [
        ([1.0, -1.0], None),  # negative weight
        ([1.0, np.nan], None),
        ([1.0], None),  # one weight short
        ([1.0, 1.0], [True]),
        ([1.0, 1.0], [1, 0]),  # not booleans
    ],
)
def test_bad_arrays(weights, existing):
    with pytest.raises(InvalidParameter):
        solve_sites(np.ones((2, 2), bool), weights, existing, 1)


def test_chinese_method_names():
    cover = np.eye(3, dtype=bool)
    assert solve_sites(cover, [1, 2, 3], None, 1, method="贪心").method == "greedy"
    assert solve_sites(cover, [1, 2, 3], None, 1, method=" 精确 ").method == "exact"
