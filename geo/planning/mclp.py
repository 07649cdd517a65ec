"""Choose N new sites that cover the most demand weight (maximal covering location).

Demand already within reach of an existing open station counts as covered and is
never counted again; the new sites compete for the rest. The problem is first reduced
(:mod:`geo.planning.reduce`), then solved:

- *greedy* (:mod:`geo.planning.greedy`): lazy greedy, with a proven upper bound on the
  optimum, so the answer says how far from the best it can at most be. Greedy's own
  bounds are loose (often 20-30 % above the optimum where greedy is within 1 %), so the
  bound is also the LP relaxation's optimum (HiGHS, same time limit; skipped if it is
  not reached): typically a few tenths of a percent above;
- *exact*: the MILP of Church and ReVelle (1974), sparse, solved by HiGHS through
  :func:`scipy.optimize.milp`::

      maximise    Σ_i w_i y_i
      subject to  y_i − Σ_{j covers i} x_j <= 0      for every demand point i
                  Σ_j x_j = N
                  x_j ∈ {0, 1},  0 <= y_i <= 1

  y_i needs no integrality: for binary x, each y_i is at its upper bound min(1, ...)
  at an optimum, which is 0 or 1. Equality on the count is the same optimum as <= N
  (weights are >= 0) and the MILP runs only with more than N candidates left. HiGHS is
  run with ``mip_rel_gap=0``: its default (1e-4) would call a solution 0.01 % short
  "optimal". The greedy run always comes first: when its bound already equals its value
  the MILP is skipped, and if HiGHS stops at the time limit, the better of its incumbent
  and greedy is returned with the smaller of the two bounds (scipy's ``milp`` takes no
  starting solution, so greedy cannot warm-start HiGHS).
- *auto*: exact when the reduced problem has at most :data:`AUTO_EXACT_MAX_PAIRS`
  (demand, candidate) pairs, else greedy.

The chosen sites come in rank order: first the one adding most weight on its own (given
existing coverage), then each next the one adding most given those before it, among the
chosen. A site that would add nothing is never returned: when fewer than N sites cover
everything candidates can reach, fewer are returned (:attr:`SitePlan.shortfall`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import InvalidParameter
from geo.planning.greedy import GreedyRun, lazy_greedy
from geo.planning.reduce import Reduced, reduce_problem

__all__ = [
    "AUTO_EXACT_MAX_PAIRS",
    "DEFAULT_TIME_LIMIT_S",
    "METHODS",
    "SitePlan",
    "solve_sites",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Method = Literal["exact", "greedy"]

# "auto" solves exactly up to this many (demand, candidate) pairs after reduction.
# Measured (bench/bench_plan.py, 2 shared cores, radius 1,500 m, clustered demand):
# 5,000 x 500 reduce to ~6,000 pairs, HiGHS proves the optimum in 0.07 s; 20,000 x 2,000
# to ~27,000 pairs, 1.7 s; 50,000 x 5,000 to ~80,000 pairs, 9 s (greedy with its LP
# bound: 3.3 s, 2.3 % short). MILP time grows faster than the pairs, and larger reduced
# problems were not measured: beyond this, greedy; the time limit guards "exact".
AUTO_EXACT_MAX_PAIRS: Final = 100_000
DEFAULT_TIME_LIMIT_S: Final = 60.0
METHODS: Final = {
    "auto": "auto",
    "exact": "exact",
    "greedy": "greedy",
    "自动": "auto",
    "精确": "exact",
    "贪心": "greedy",
}
_TIE: Final = 1e-12  # relative: bounds and values are sums of the same floats


@dataclass(frozen=True)
class SitePlan:
    """The sites to open, in rank order, and what they cover.

    Attributes
    ----------
    sites : tuple of int
        Indices into the candidate arrays, rank 1 first.
    gains : tuple of float
        Weight each site newly covers when sites are added in rank order.
    curve : tuple of float
        Covered weight (existing included) after 1, 2, ... sites in rank order.
    covered_weight : float
        Weight covered by existing stations and the chosen sites.
    existing_covered_weight : float
        Weight covered by existing stations alone.
    total_weight : float
        Weight of all demand.
    reachable_weight : float
        Weight covered if every candidate were opened (existing included): no number of
        sites covers more.
    bound_weight : float
        Proven upper bound on the covered weight of any `requested` sites.
    requested : int
        Number of sites asked for.
    optimal : bool
        Whether no choice of `requested` sites covers more (proven).
    gap : float
        ``(bound - new) / bound`` where new is the weight the chosen sites newly cover
        and bound the bound on it: 0.0 when optimal.
    method : {"exact", "greedy"}
        How the sites were found.
    reduced_demand, reduced_candidates, reduced_pairs : int
        Size of the problem after reduction: merged demand points, candidates kept, and
        (demand, candidate) pairs between them.
    """

    sites: tuple[int, ...]
    gains: tuple[float, ...]
    curve: tuple[float, ...]
    covered_weight: float
    existing_covered_weight: float
    total_weight: float
    reachable_weight: float
    bound_weight: float
    requested: int
    optimal: bool
    gap: float
    method: Method
    reduced_demand: int
    reduced_candidates: int
    reduced_pairs: int

    @property
    def shortfall(self) -> int:
        """Sites asked for but not returned: > 0 only when the returned ones already cover
        everything the candidates can reach (another site would add nothing)."""
        return self.requested - len(self.sites)


def _bad(name: str, value: object, rule: str, rule_zh: str) -> InvalidParameter:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return InvalidParameter(
        f"{name}={shown} is invalid: {rule}",
        f"参数 {name}={shown} 无效：{rule_zh}",
        details=[{"parameter": name, "value": shown}],
    )


def _check_count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or int(count) < 1:
        raise _bad(
            "count", count, "a whole number of sites, at least 1", "站点数须为不小于 1 的整数"
        )
    return int(count)


def _check_method(method: object) -> str:
    key = method.strip().casefold() if isinstance(method, str) else None
    if key not in METHODS:
        raise _bad(
            "method",
            method,
            "one of auto, exact, greedy (自动, 精确, 贪心)",
            "须为 auto、exact、greedy 之一（或 自动、精确、贪心）",
        )
    return METHODS[key]


def _check_time(time_limit_s: object) -> float:
    t = float(time_limit_s) if isinstance(time_limit_s, numbers.Real) else math.nan
    if isinstance(time_limit_s, bool) or not (math.isfinite(t) and t > 0):
        raise _bad("time_limit_s", time_limit_s, "seconds, more than 0", "须为大于 0 的秒数")
    return t


def _check_arrays(
    cover: object, weights: npt.ArrayLike, existing_covered: npt.ArrayLike | None
) -> tuple[sparse.csr_array, FloatArray, BoolArray]:
    matrix = sparse.csr_array(cover) if sparse.issparse(cover) else None
    if matrix is None:
        dense = np.asarray(cover)
        if dense.ndim != 2:
            raise _bad(
                "cover",
                dense.shape,
                "a 2-D matrix (demand x candidates)",
                "须为二维矩阵（需求点 × 候选点）",
            )
        matrix = sparse.csr_array(dense.astype(np.bool_))
    n = matrix.shape[0]
    w = np.asarray(weights, dtype=np.float64) if _numeric(weights) else np.full(n, np.nan)
    if w.shape != (n,) or not bool(np.all(np.isfinite(w) & (w >= 0))):
        raise _bad(
            "weights",
            w.shape if w.shape != (n,) else "negative or not finite",
            f"one finite weight >= 0 per demand point ({n})",
            f"每个需求点（共 {n} 个）一个有限且不小于 0 的权重",
        )
    if existing_covered is None:
        existing = np.zeros(n, dtype=np.bool_)
    else:
        existing = np.asarray(existing_covered)
        if existing.shape != (n,) or existing.dtype != np.bool_:
            raise _bad(
                "existing_covered",
                (existing.shape, str(existing.dtype)),
                f"one boolean per demand point ({n})",
                f"每个需求点（共 {n} 个）一个布尔值",
            )
    return matrix, w, existing


def _numeric(values: npt.ArrayLike) -> bool:
    return np.asarray(values).dtype.kind in "biuf"


def _solve_milp(
    red: Reduced, count: int, time_limit_s: float, *, relax: bool = False
) -> tuple[IntArray | None, float, bool]:
    """Chosen columns (None if HiGHS found none), an upper bound, and whether optimal.

    With `relax`, the LP relaxation: its optimum (status 0) is the upper bound.
    """
    n_d, n_c = red.matrix.shape
    objective = np.concatenate([np.zeros(n_c), -red.weight])
    link = sparse.hstack([-red.matrix, sparse.eye_array(n_d)], format="csr")
    pick = sparse.csr_array(np.concatenate([np.ones(n_c), np.zeros(n_d)])[None, :])
    constraints = [
        LinearConstraint(link, -np.inf, 0.0),
        LinearConstraint(pick, count, count),
    ]
    integrality = np.concatenate([np.zeros(n_c) if relax else np.ones(n_c), np.zeros(n_d)])
    res = milp(
        objective,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit_s, "mip_rel_gap": 0.0, "disp": False},
    )
    if relax:
        return None, -float(res.fun) if res.status == 0 else math.inf, False
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and math.isfinite(dual) else math.inf
    if res.x is None:
        return None, bound, False
    chosen = np.flatnonzero(res.x[:n_c] > 0.5).astype(np.int64)
    return chosen, bound, res.status == 0


def _rank(red: Reduced, chosen: IntArray, count: int) -> GreedyRun:
    """Order chosen columns by marginal gain, dropping any that adds nothing, and top up
    greedily from all candidates while fewer than `count` remain and some still add."""
    ranked = lazy_greedy(red.matrix, red.weight, count, columns=chosen, with_bound=False)
    while len(ranked.order) < count:
        more = lazy_greedy(
            red.matrix,
            red.weight,
            count - len(ranked.order),
            covered=ranked.covered,
            with_bound=False,
        )
        if not len(more.order):
            break
        # Re-rank the union: a site added now may add more than a later-ranked one.
        union = np.concatenate([ranked.order, more.order])
        ranked = lazy_greedy(red.matrix, red.weight, count, columns=union, with_bound=False)
    return ranked


def _exact(
    red: Reduced, count: int, time_limit_s: float, greedy: GreedyRun
) -> tuple[GreedyRun, float, bool]:
    n_c = red.matrix.shape[1]
    if n_c <= count:  # every candidate fits: opening them all is optimal
        run = _rank(red, np.arange(n_c, dtype=np.int64), count)
        return run, run.value, True
    chosen, bound, optimal = _solve_milp(red, count, time_limit_s)
    if chosen is None:
        return greedy, min(bound, greedy.bound), False
    run = _rank(red, chosen, count)
    if optimal:
        return run, run.value, True
    best = run if run.value >= greedy.value else greedy
    return best, min(bound, greedy.bound), False


def solve_sites(
    cover: object,
    weights: npt.ArrayLike,
    existing_covered: npt.ArrayLike | None,
    count: int,
    *,
    method: str = "auto",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> SitePlan:
    """Choose up to `count` candidate sites covering the most demand weight.

    Parameters
    ----------
    cover : scipy sparse matrix or array_like of bool, shape (n_demand, n_candidates)
        ``[i, j]`` true when candidate j covers demand point i
        (:func:`geo.planning.cover.coverage_matrix`).
    weights : array_like of float, shape (n_demand,)
        Demand weights, finite and >= 0 (orders, riders, km²).
    existing_covered : array_like of bool, shape (n_demand,), or None
        Demand already covered by existing open stations
        (:func:`geo.planning.cover.covered_by`); None: none is.
    count : int
        Number of new sites, >= 1.
    method : {"auto", "exact", "greedy"}
        Also 自动, 精确, 贪心. See the module's text.
    time_limit_s : float
        Seconds HiGHS may run (exact); the answer then says how far from optimal it is.

    Returns
    -------
    SitePlan

    Raises
    ------
    InvalidParameter
        For a count that is not a whole number >= 1, an unknown method, a time limit
        that is not a positive number, or arrays of the wrong shape, or weights negative
        or not finite (code ``invalid_parameter``; English and Chinese messages).
    """
    n = _check_count(count)
    how = _check_method(method)
    limit = _check_time(time_limit_s)
    matrix, w, existing = _check_arrays(cover, weights, existing_covered)
    red = reduce_problem(matrix, w, existing)
    greedy = lazy_greedy(red.matrix, red.weight, n)
    proven = greedy.bound - greedy.value <= _TIE * max(greedy.bound, 1.0)
    if how == "auto":
        how = "exact" if red.matrix.nnz <= AUTO_EXACT_MAX_PAIRS else "greedy"
    if proven:  # greedy's pick order is its sites' rank order (same ties)
        run, bound, optimal = greedy, greedy.value, True
    elif how == "exact":
        run, bound, optimal = _exact(red, n, limit, greedy)
    else:
        bound = greedy.bound
        if red.matrix.shape[1] > n:  # the LP relaxation: far tighter than greedy's own
            bound = min(bound, _solve_milp(red, n, limit, relax=True)[1])
        run, optimal = greedy, bound - greedy.value <= _TIE * max(bound, 1.0)
    new = run.value
    bound = max(bound, new)
    gap = 0.0 if optimal or bound <= 0 else max(0.0, (bound - new) / bound)
    curve = red.existing_weight + np.cumsum(run.gains)
    return SitePlan(
        sites=tuple(int(s) for s in red.sites[run.order]),
        gains=tuple(float(g) for g in run.gains),
        curve=tuple(float(c) for c in curve),
        covered_weight=red.existing_weight + new,
        existing_covered_weight=red.existing_weight,
        total_weight=red.total_weight,
        reachable_weight=red.reachable_weight,
        bound_weight=red.existing_weight + bound,
        requested=n,
        optimal=optimal,
        gap=gap,
        method="exact" if how == "exact" else "greedy",
        reduced_demand=red.matrix.shape[0],
        reduced_candidates=red.matrix.shape[1],
        reduced_pairs=red.matrix.nnz,
    )
