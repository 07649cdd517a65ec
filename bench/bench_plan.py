"""Planning sites (maximal covering location): ours, exact and greedy, against spopt.

Usage::

    .venv/bin/python bench/bench_plan.py           # 5,000 x 500, 20,000 x 2,000, 50,000 x 5,000
    .venv/bin/python bench/bench_plan.py --sizes 5000x500x30 --repeat 5
    .venv/bin/python bench/bench_plan.py --markdown /tmp/bench-plan.md

Instances (seeded): a square of ``--km`` km a side centred on Beijing (39.9° N), demand
points in 30 clusters (weights 1 + round(lognormal)), candidate sites uniform over the
square, existing open stations uniform (one per 10 candidates), radius ``--radius-m``;
``DxCxN`` is D demand points, C candidates, N sites to choose.

- *ours*: :func:`geo.planning.cover.coverage_matrix` and :func:`~geo.planning.cover.covered_by`
  (geodesic, exact) then :func:`geo.planning.mclp.solve_sites`, method exact and greedy;
  time is both (best of ``--repeat`` up to 10,000 demand points, one run above).
- *spopt*: ``spopt.locate.MCLP.from_cost_matrix`` and ``solve(PULP_CBC_CMD)`` (PuLP,
  CBC), given the dense geodesic distance matrix (computed by us, not timed) with the
  weight of demand already covered by existing stations set to 0 (spopt has no notion of
  existing coverage), so its objective is our newly covered weight. Run only up to
  ``--spopt-max`` demand points: at 50,000 x 5,000 the dense matrix alone is 2 GB and
  PuLP builds one Python object per variable and coefficient.

Figures are wall-clock times on a shared machine: compare rows of one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.geodesy import GEOD
from geo.planning.cover import coverage_matrix, covered_by
from geo.planning.mclp import solve_sites

CENTRE = (116.40, 39.90)


def instance(n_d: int, n_c: int, km: float, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    half = np.array([km / 2 / (111.32 * np.cos(np.radians(CENTRE[1]))), km / 2 / 110.95])
    centres = rng.uniform(-half, half, (30, 2))
    k = rng.integers(0, 30, n_d)
    demand = CENTRE + centres[k] + rng.normal(0, half / 6, (n_d, 2))
    sites = CENTRE + rng.uniform(-half, half, (n_c, 2))
    stations = CENTRE + rng.uniform(-half, half, (max(n_c // 10, 1), 2))
    weight = rng.lognormal(1, 1, n_d).round(0) + 1
    return {"demand": demand, "sites": sites, "stations": stations, "weight": weight}


def ours(inst: dict[str, Any], radius: float, count: int, method: str, limit: float) -> Any:
    d, s, e = inst["demand"], inst["sites"], inst["stations"]
    t0 = time.perf_counter()
    cover = coverage_matrix(d[:, 0], d[:, 1], s[:, 0], s[:, 1], radius)
    existing = covered_by(d[:, 0], d[:, 1], e[:, 0], e[:, 1], radius)
    t1 = time.perf_counter()
    plan = solve_sites(cover, inst["weight"], existing, count, method=method, time_limit_s=limit)
    t2 = time.perf_counter()
    return plan, t1 - t0, t2 - t1, cover.nnz


def spopt_run(inst: dict[str, Any], radius: float, count: int) -> tuple[float, float]:
    import pulp
    from spopt.locate import MCLP

    d, s, e = inst["demand"], inst["sites"], inst["stations"]
    n_d, n_c = len(d), len(s)
    _, _, dist = GEOD.inv(
        np.repeat(s[None, :, 0], n_d, 0).ravel(), np.repeat(s[None, :, 1], n_d, 0).ravel(),
        np.repeat(d[:, 0], n_c), np.repeat(d[:, 1], n_c),
    )  # fmt: skip
    cost = np.asarray(dist).reshape(n_d, n_c)
    existing = covered_by(d[:, 0], d[:, 1], e[:, 0], e[:, 1], radius)
    w = np.where(existing, 0.0, inst["weight"])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.3's notes on PuLP 4
        model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=count)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    elapsed = time.perf_counter() - t0
    return elapsed, float(pulp.value(model.problem.objective))


def best_of(n: int, fn: Any) -> Any:
    runs = [fn() for _ in range(n)]
    return min(runs, key=lambda r: r[1] + r[2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="5000x500x30,20000x2000x100,50000x5000x200")
    ap.add_argument("--radius-m", type=float, default=1500.0)
    ap.add_argument("--km", default="25,50,70", help="side of the square, per size")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--time-limit-s", type=float, default=60.0)
    ap.add_argument("--spopt-max", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    kms = [float(k) for k in args.km.split(",")]
    kms += [kms[-1]] * (len(sizes) - len(kms))
    lines = [
        f"Radius {args.radius_m:,.0f} m, HiGHS time limit {args.time_limit_s:g} s; time = "
        "coverage (geodesic pairs + existing) + solve, seconds.",
        "",
        "| demand x candidates, N (square) | solver | time s | of which solve | "
        "reduced demand x cand. (pairs in / after) | new weight covered | optimal | gap "
        "| time vs ours exact |",
        "|---|---|---:|---:|---|---:|---|---:|---:|",
    ]
    for (n_d, n_c, count), km in zip(sizes, kms, strict=True):
        inst = instance(n_d, n_c, km, args.seed)
        reps = args.repeat if n_d <= 10_000 else 1
        label = f"{n_d:,} x {n_c:,}, N={count} ({km:g} km)"
        exact_t = None
        for method in ("exact", "greedy"):
            plan, t_cover, t_solve, nnz = best_of(
                reps,
                lambda i=inst, c=count, m=method: ours(i, args.radius_m, c, m, args.time_limit_s),
            )
            total = t_cover + t_solve
            exact_t = total if method == "exact" else exact_t
            new = plan.covered_weight - plan.existing_covered_weight
            bound = plan.bound_weight - plan.existing_covered_weight
            print(f"{label} {method}: {total:.2f} s, {new:,.0f} <= {bound:,.0f}", file=sys.stderr)
            lines.append(
                f"| {label} | ours {method} | {total:.2f} | {t_solve:.2f} | "
                f"{plan.reduced_demand:,} x {plan.reduced_candidates:,} ({nnz:,} / "
                f"{plan.reduced_pairs:,}) | {new:,.0f} | {'yes' if plan.optimal else 'no'} | "
                f"{plan.gap:.2%} | {total / exact_t:.2f}x |"
            )
        if n_d <= args.spopt_max:
            t, objective = spopt_run(inst, args.radius_m, count)
            lines.append(
                f"| {label} | spopt MCLP (PuLP + CBC) | {t:.2f} | | dense {n_d:,} x {n_c:,} | "
                f"{objective:,.0f} | yes | | {t / exact_t:.2f}x |"
            )
        else:
            lines.append(
                f"| {label} | spopt MCLP | skipped | | dense {n_d * n_c:,} cells | | | | |"
            )
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    lines += [
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load} (1/5/15 min, at the end); "
        f"command: `bench/bench_plan.py {' '.join(sys.argv[1:])}`",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
