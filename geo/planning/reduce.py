"""Shrink a covering problem to the part that decides the answer, without changing it.

Every step below keeps the best value reachable with any number of sites, and maps each
solution of the small problem to one of the full problem with the same value:

1. *Demand that cannot change*: points already covered by an existing station (a new
   site adds nothing there, so nothing is counted twice), points of weight 0, and points
   no candidate covers, are set aside; their weight is reported, not optimised.
2. *Identical demand*: points covered by exactly the same candidates are one point
   whose weight is their sum (every solution covers all of them or none).
3. *Useless and dominated candidates*: a candidate that covers no remaining demand is
   dropped; of candidates covering the same set, the one with the smallest index stays;
   a candidate whose set is a strict subset of another's is dropped. That is safe when
   at most N sites are chosen (which never lowers the optimum: weights are >= 0): in a
   solution using a dominated site, put its dominator in its place, or, if the
   dominator is already chosen, leave the site out; the covered set does not shrink.
   Strict inclusion is a partial order on the distinct sets, so every dominated set lies
   under a maximal one, which stays.
4. Step 2 again, since dropping candidates can make more demand identical.

Dominance is found from the candidate-by-candidate overlap counts (``CᵀC``); its cost is
the sum over demand points of (candidates covering it)², so it is skipped above
:data:`MAX_DOMINANCE_WORK` (the solvers are exact without it, just slower).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = ["MAX_DOMINANCE_WORK", "Reduced", "reduce_problem"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# ~1 s of sparse products on this machine (2 shared cores): 50,000 demand points that
# each see ~30 candidates are 45 million.
MAX_DOMINANCE_WORK: Final = 100_000_000


@dataclass(frozen=True)
class Reduced:
    """The covering problem that is left to solve.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array of float64, shape (n_demand, n_sites)
        1.0 where a (merged) demand point is covered by a kept candidate.
    weight : ndarray of float64
        Weight of each merged demand point (> 0).
    sites : ndarray of int64
        Original index of each kept candidate, increasing.
    existing_weight : float
        Weight already covered by existing stations.
    total_weight : float
        Weight of all demand.
    dominance_checked : bool
        Whether dominated candidates were looked for (step 3).
    """

    matrix: sparse.csr_array
    weight: FloatArray
    sites: IntArray
    existing_weight: float
    total_weight: float
    dominance_checked: bool

    @property
    def reachable_weight(self) -> float:
        """Weight covered when every candidate is open, existing coverage included."""
        return self.existing_weight + float(self.weight.sum())


def _merge_rows(
    matrix: sparse.csr_array, weight: FloatArray
) -> tuple[sparse.csr_array, FloatArray]:
    """Rows with the same column set become one row carrying the sum of their weights."""
    matrix.sort_indices()
    indptr, indices = matrix.indptr, matrix.indices
    groups: dict[bytes, int] = {}
    group = np.empty(matrix.shape[0], dtype=np.int64)
    first: list[int] = []
    for row in range(matrix.shape[0]):
        key = indices[indptr[row] : indptr[row + 1]].tobytes()
        g = groups.setdefault(key, len(groups))
        if g == len(first):
            first.append(row)
        group[row] = g
    merged = np.bincount(group, weights=weight, minlength=len(first)).astype(np.float64)
    return matrix[np.asarray(first, dtype=np.int64)], merged


def _distinct_columns(matrix: sparse.csc_array) -> IntArray:
    """Indices of the first column of each distinct non-empty column set."""
    matrix.sort_indices()
    indptr, indices = matrix.indptr, matrix.indices
    seen: set[bytes] = set()
    keep: list[int] = []
    for col in range(matrix.shape[1]):
        if indptr[col] == indptr[col + 1]:
            continue
        key = indices[indptr[col] : indptr[col + 1]].tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(col)
    return np.asarray(keep, dtype=np.int64)


def _undominated(matrix: sparse.csr_array) -> IntArray:
    """Columns whose set is not a strict subset of another's (columns are distinct)."""
    size = np.diff(matrix.tocsc().indptr)
    overlap = (matrix.T @ matrix).tocoo()  # [j, k]: demand points j and k both cover
    inside = (overlap.data == size[overlap.row]) & (overlap.row != overlap.col)
    dominated = np.zeros(matrix.shape[1], dtype=np.bool_)
    dominated[overlap.row[inside]] = True
    return np.flatnonzero(~dominated).astype(np.int64)


def reduce_problem(cover: sparse.csr_array, weight: FloatArray, existing: BoolArray) -> Reduced:
    """Apply the reductions of this module to a validated problem.

    Parameters
    ----------
    cover : scipy.sparse.csr_array of bool, shape (n_demand, n_candidates)
        Coverage of demand points (rows) by candidate sites (columns).
    weight : ndarray of float64, shape (n_demand,)
        Finite, non-negative demand weights.
    existing : ndarray of bool, shape (n_demand,)
        Demand already covered by existing stations.

    Returns
    -------
    Reduced
    """
    total = float(weight.sum())
    existing_weight = float(weight[existing].sum())
    matrix = sparse.csr_array(cover, dtype=np.float64)
    matrix.sum_duplicates()
    row_nnz = np.diff(matrix.indptr)
    live = ~existing & (weight > 0) & (row_nnz > 0)
    matrix, w = _merge_rows(matrix[np.flatnonzero(live)], weight[live])
    sites = _distinct_columns(matrix.tocsc())
    matrix = matrix[:, sites]
    deg = np.diff(matrix.indptr).astype(np.int64)
    checked = int((deg * deg).sum()) <= MAX_DOMINANCE_WORK
    if checked and matrix.shape[1] > 1:
        keep = _undominated(matrix)
        if len(keep) < matrix.shape[1]:
            sites = sites[keep]
            matrix, w = _merge_rows(matrix[:, keep].tocsr(), w)
    matrix = sparse.csr_array(matrix)
    matrix.sort_indices()
    return Reduced(matrix, w, sites, existing_weight, total, checked)
