"""A province's coverage as an overview map: time to compute, size of the HTML, time to
show it in Chromium.

Usage::

    .venv/bin/python bench/bench_overview.py                          # 浙江省, 150,000 stations
    .venv/bin/python bench/bench_overview.py --area 河南省 --stations 50000 --no-browser
    .venv/bin/python bench/bench_overview.py --markdown /tmp/bench-overview.md

Stations: ``--stations`` open stations in the province, seeded: 70% around the
district's label points (Gaussian, ~4 km), weighted by nothing but chance, 30% uniform
over the province's bbox, each kept only inside the province; every fourth offers EV
charging. Loaded into a fresh SQLite registry (not timed).

- *compute*: ``build_coverage`` (overview chosen by size: figures per district for radii
  500, 1000 and 2000 m, coarse outlines, no covered area drawn), first call (outlines
  loaded, cold) and best of ``--repeat`` (warm).
- *render*: ``render_coverage_html`` (offline, assets inlined); the HTML's size.
- *first render*: the page opened from a file in headless Debian chromium (Playwright,
  every request refused), from navigation start until every district of the choropleth
  is on the map and two frames are painted.
- *detail (peer)*: the same question forced to a detail map (``overview=False``): what
  a province cost before overviews, in the same run.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.coverage import build_coverage, resolve_area
from geo.model import StationData
from geo.registry import open_registry
from maps.coverage_map import render_coverage_html

RADII = "500,1000,2000"
SEED = 20261206
READY = """n => {
    const box = sfMap.sfOverlays.find(o => o.sfName.includes("覆盖率"));
    const layer = box && box.getLayers()[0];
    return !!layer && layer.getLayers().length === n;
}"""


def stations(area_name: str, n: int) -> list[StationData]:
    area = resolve_area(area_name)
    outline = shapely.union_all(area.districts.geometry.to_numpy())
    shapely.prepare(outline)
    centres = np.array([
        (p.x, p.y) for p in area.districts.geometry.representative_point()
    ])  # fmt: skip
    x0, y0, x1, y1 = area.bounds
    rng = np.random.default_rng(SEED)
    out: list[StationData] = []
    while len(out) < n:
        m = 4 * (n - len(out)) + 100
        near = rng.random(m) < 0.7
        pick = centres[rng.integers(len(centres), size=m)]
        lon = np.where(near, pick[:, 0] + rng.normal(0, 0.04, m), rng.uniform(x0, x1, m))
        lat = np.where(near, pick[:, 1] + rng.normal(0, 0.035, m), rng.uniform(y0, y1, m))
        keep = shapely.contains_xy(outline, lon, lat)
        for x, y in zip(lon[keep], lat[keep], strict=True):
            if len(out) == n:
                break
            i = len(out)
            amenities = ["drinking_water", "ev_charging"] if i % 4 == 0 else ["drinking_water"]
            out.append(StationData.model_validate({
                "name": f"驿站{i}", "lon": float(x), "lat": float(y), "amenities": amenities,
            }))  # fmt: skip
    return out


def first_render_s(path: Path, districts: int, chromium: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                   else r.abort())  # fmt: skip
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function(READY, arg=districts, timeout=120_000, polling=50)
        ms: float = page.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
            "() => r(performance.now()))))"
        )
        browser.close()
    return ms / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--area", default="浙江省")
    ap.add_argument("--stations", type=int, default=150_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-detail", action="store_true", help="skip the detail map (slow)")
    ap.add_argument("--markdown", type=Path)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-overview-"))
    rows = []
    try:
        registry = open_registry(f"sqlite:///{tmp / 'b.db'}")
        made = stations(args.area, args.stations)
        for start in range(0, len(made), 20_000):
            registry.create_many(items=made[start : start + 20_000])
        modes = [("overview", None)] + ([] if args.no_detail else [("detail", False)])
        for name, overview in modes:
            times = []
            for _ in range(1 + args.repeat):
                t0 = time.perf_counter()
                result = build_coverage(registry, city=args.area, radius_m=RADII,
                                        overview=overview)  # fmt: skip
                times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            page = render_coverage_html(result)
            render = time.perf_counter() - t0
            path = tmp / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            size = path.stat().st_size / 1e6
            chromium = shutil.which("chromium")
            shown = None
            if not args.no_browser and chromium and result.overview:
                shown = first_render_s(path, len(result.districts), chromium)
            rows.append((name, times[0], min(times[1:]), render, size, shown))
            print(f"{name}: compute cold {times[0]:.2f} s warm {min(times[1:]):.2f} s, "
                  f"render {render:.2f} s, {size:.2f} MB, shown "
                  f"{'—' if shown is None else f'{shown:.2f} s'}", flush=True)  # fmt: skip
        districts = len(result.districts)
        registry.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [
        f"{args.area} ({districts} districts), {args.stations:,} open stations, radii "
        f"{RADII} m ({platform.machine()}, Python {platform.python_version()})",
        "",
        "| map | compute cold s | compute warm s | HTML s | HTML MB | first render s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, cold, warm, render, size, shown in rows:
        cell = "—" if shown is None else f"{shown:.2f}"
        lines.append(f"| {name} | {cold:.2f} | {warm:.2f} | {render:.2f} | {size:.2f} | {cell} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
