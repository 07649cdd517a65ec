"""Lazy greedy for maximal covering, with an upper bound on the optimum it can prove.

Covered weight f(A) (A a set of sites) is monotone submodular: a site's marginal gain
δ_j(A) = f(A ∪ {j}) − f(A) only shrinks as A grows. Hence:

- *Lazy evaluation* (Minoux 1978): a gain computed earlier is an upper bound of the gain
  now. Candidates sit in a heap keyed by their last computed gain; the top one is
  recomputed, and taken when its fresh gain is still the largest key. The result is
  exactly the plain greedy's (ties go to the smallest index), for a fraction of the
  evaluations.
- *Online bound* (Minoux; Leskovec et al. 2007): for any set A and any set S* of N
  sites, f(S*) <= f(A) + Σ_{j ∈ S*} δ_j(A) <= f(A) + (sum of the N largest δ_j(A)). It
  is evaluated at A = ∅, after 1, 2, 4, 8, ... picks and at the end (each is one sparse
  product), and the smallest is kept.
- *The (1 − 1/e) guarantee* (Nemhauser, Wolsey and Fisher 1978): greedy's N picks cover
  at least (1 − 1/e) of the optimum, so OPT <= f(greedy) / (1 − 1/e). Usually far looser
  than the online bound; kept as the bound of last resort.

When greedy stops early because no candidate adds anything, everything any candidate
covers is covered: that is the optimum, and the bound says so.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = ["GreedyRun", "lazy_greedy", "online_bound"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_E_BOUND = 1.0 / (1.0 - 1.0 / math.e)


@dataclass(frozen=True)
class GreedyRun:
    """Sites picked greedily (column indices, in pick order) and what each added.

    Attributes
    ----------
    order : ndarray of int64
        Columns in the order they were picked; every gain > 0.
    gains : ndarray of float64
        Weight each pick newly covered.
    covered : ndarray of bool
        Rows covered at the end (including those covered at the start).
    bound : float
        Upper bound on the weight N sites can newly cover (N = the count asked for),
        or ``inf`` when not computed.
    """

    order: IntArray
    gains: FloatArray
    covered: BoolArray
    bound: float

    @property
    def value(self) -> float:
        """Weight newly covered by the picks."""
        return float(self.gains.sum())


def _top_sum(gains: FloatArray, count: int) -> float:
    if count >= len(gains):
        return float(gains.sum())
    return float(np.partition(gains, len(gains) - count)[len(gains) - count :].sum())


def online_bound(
    by_site: sparse.csr_array, weight: FloatArray, covered: BoolArray, value: float, count: int
) -> float:
    """f(A) + the sum of the `count` largest marginal gains w.r.t. A (an upper bound on OPT).

    Parameters
    ----------
    by_site : scipy.sparse.csr_array, shape (n_sites, n_demand)
        The transposed coverage matrix (rows: sites).
    weight : ndarray
        Demand weights.
    covered : ndarray of bool
        Demand covered by A.
    value : float
        f(A): weight newly covered by A.
    count : int
        Number of sites N.

    Returns
    -------
    float
    """
    gains = np.asarray(by_site @ np.where(covered, 0.0, weight), dtype=np.float64)
    return value + _top_sum(gains, count)


def lazy_greedy(
    matrix: sparse.csr_array,
    weight: FloatArray,
    count: int,
    *,
    columns: IntArray | None = None,
    covered: BoolArray | None = None,
    with_bound: bool = True,
) -> GreedyRun:
    """Pick up to `count` columns greedily by marginal covered weight.

    Parameters
    ----------
    matrix : scipy.sparse.csr_array, shape (n_demand, n_sites)
        Coverage (non-zero: covered).
    weight : ndarray of float64
        Demand weights (>= 0).
    count : int
        Most columns to pick; fewer when no column adds weight.
    columns : ndarray of int64, optional
        Pick only among these columns (default: all). Ranking a given solution is
        greedy among its own sites.
    covered : ndarray of bool, optional
        Rows covered before the first pick (default: none); not counted in the gains.
    with_bound : bool
        Compute :attr:`GreedyRun.bound` (for the whole matrix and `count` sites from
        scratch: meaningful only without `columns` and `covered`).

    Returns
    -------
    GreedyRun
    """
    csc = sparse.csc_array(matrix)
    indptr, indices = csc.indptr, csc.indices
    done = np.zeros(matrix.shape[0], np.bool_) if covered is None else covered.copy()
    cols = np.arange(matrix.shape[1], dtype=np.int64) if columns is None else columns
    start = np.asarray(csc.T @ np.where(done, 0.0, weight), dtype=np.float64)
    heap = [(-float(start[j]), int(j)) for j in cols if start[j] > 0]
    heapq.heapify(heap)
    fresh = dict.fromkeys((j for _, j in heap), 0)
    order: list[int] = []
    gains: list[float] = []
    by_site = csc.T.tocsr() if with_bound else None
    bound = math.inf
    checkpoints = {0, count}
    checkpoints.update(2**k for k in range(count.bit_length()))
    while len(order) < count and heap:
        if by_site is not None and len(order) in checkpoints:
            value = math.fsum(gains)
            bound = min(bound, online_bound(by_site, weight, done, value, count))
        neg, j = heapq.heappop(heap)
        if fresh[j] == len(order):
            order.append(j)
            gains.append(-neg)
            done[indices[indptr[j] : indptr[j + 1]]] = True
            continue
        rows = indices[indptr[j] : indptr[j + 1]]
        gain = float(weight[rows][~done[rows]].sum())
        if gain > 0:
            fresh[j] = len(order)
            heapq.heappush(heap, (-gain, j))
    value = math.fsum(gains)
    if by_site is not None:
        if len(order) < count:
            bound = value  # nothing left to gain: all that can be covered is
        else:
            bound = min(bound, online_bound(by_site, weight, done, value, count))
            bound = min(bound, value * _E_BOUND)
        bound = max(bound, value)
    return GreedyRun(
        np.asarray(order, dtype=np.int64), np.asarray(gains, dtype=np.float64), done, bound
    )
