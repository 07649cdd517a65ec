"""Where to open the next stations: maximal covering location for planners.

- :mod:`geo.planning.cover`: which demand points each site covers (geodesic, exact);
- :mod:`geo.planning.candidates`: candidate sites and uniform demand laid out on a grid;
- :mod:`geo.planning.mclp`: choose N sites covering the most demand weight, exactly
  (HiGHS MILP) or greedily with a proven bound.

Nothing here reads files or knows of HTTP, the CLI or maps.
"""

from __future__ import annotations

from geo.planning.candidates import candidate_grid, grid_crs, uniform_demand
from geo.planning.cover import CoverPairs, cover_pairs, coverage_matrix, covered_by
from geo.planning.mclp import SitePlan, solve_sites

__all__ = [
    "CoverPairs",
    "SitePlan",
    "candidate_grid",
    "cover_pairs",
    "coverage_matrix",
    "covered_by",
    "grid_crs",
    "solve_sites",
    "uniform_demand",
]
