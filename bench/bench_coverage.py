"""Coverage-map benchmark: ours against a naive folium map, same stations, same run.

Usage::

    .venv/bin/python bench/bench_coverage.py                       # Beijing, 10,000 stations
    .venv/bin/python bench/bench_coverage.py --stations 5000 --no-browser
    .venv/bin/python bench/bench_coverage.py --markdown /tmp/bench-coverage.md

Stations: the seeded Beijing demo registry (9,000, ``geo.demo``) plus copies of random
ones moved by up to ~600 m until there are ``--stations``, all open, loaded into a fresh
SQLite registry in a temporary folder (not timed).

- *ours*: ``geo.coverage.build_coverage`` (list the open stations near Beijing from the
  store, compute per-district figures and the map geometries for radii 500, 1000 and
  2000 m in the equal-area CRS) then ``maps.coverage_map.render_coverage_html`` (offline:
  Leaflet and its plugins inlined). Build time is both, wall clock: *cold* the first
  build in the process (outlines read, caches empty), *warm* the best of the others.
- *peer*: the map one writes first with folium: ``folium.Map`` with one ``folium.Marker``
  (popup with the station's name) and one ``folium.Circle`` of the largest radius per
  station, rendered to HTML. It computes no figure at all; it is here for the size and
  the speed of the page.
- *first render*: each page opened from a file in headless Debian chromium (Playwright,
  ``executable_path``), every request answered locally (the peer's CDN links of Leaflet
  are answered with the vendored files, its other CDN assets with empty files), and
  timed from navigation start (``performance.now()`` in the page, polled every 50 ms)
  until every station is on the map (all in ours' cluster group and its cluster icons
  drawn; all the peer's marker icons in the DOM) and two animation frames have been
  painted.

- *without the HTML*: ``build_coverage``; *figures only*: with ``drawing=False``, what
  ``coverage stats`` on the command line costs; and over HTTP, the first and a repeated
  ``GET /v1/coverage/stats`` (figures only), then ``/v1/maps/coverage`` of the same
  question (it computes the drawings); each repeat is answered from the API's cache.

Figures are wall-clock times on a shared machine: compare the two rows of one run, not
runs of different days.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.coverage import build_coverage
from geo.demo import generate_demo
from geo.model import PLACE_FIELDS, Status
from geo.registry import Registry, open_registry
from maps.assets import ASSETS, read_asset
from maps.coverage_map import render_coverage_html

RADII = "500,1000,2000"
SEED = 20261122


def stations(n: int) -> list[Any]:
    base = [
        s.model_copy(update={"status": Status.OPEN})
        for s in generate_demo(seed=SEED, cities=("beijing",))
    ]
    rng = np.random.default_rng(SEED)
    out = list(base[:n])
    while len(out) < n:
        s = base[int(rng.integers(len(base)))]
        dlon, dlat = rng.uniform(-0.007, 0.007, 2)
        out.append(
            s.model_copy(
                update={
                    "lon": s.lon + float(dlon),
                    "lat": s.lat + float(dlat),
                    "name": f"{s.name}（{len(out)}）",
                    "external_id": None,
                    # moved: the registry derives the district from the new position
                    **dict.fromkeys(PLACE_FIELDS),
                }
            )
        )
    return out


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds of the first run (cold: outlines, caches) and of the best, and a value."""
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return times[0], min(times[1:] or times), value


def ours(registry: Registry) -> str:
    result = build_coverage(registry, city="beijing", radius_m=RADII)
    return render_coverage_html(result)


def naive(registry: Registry) -> str:
    import folium

    page = registry.list_stations(
        bbox=(115.0, 39.0, 118.0, 41.5), statuses=frozenset({Status.OPEN}), limit=10**9
    )
    fmap = folium.Map(location=[40.2, 116.4], zoom_start=9, tiles=None)
    radius = max(float(r) for r in RADII.split(","))
    for s in page.items:
        # A tooltip, not a popup: folium's popups need jQuery, which this run cannot load.
        folium.Marker([s.lat, s.lon], tooltip=s.name).add_to(fmap)
        folium.Circle([s.lat, s.lon], radius=radius, weight=1, fill=True).add_to(fmap)
    html: str = fmap.get_root().render()
    return html


# When is a page rendered: every station is on the map and its first icons are drawn.
OURS_READY = """n => {
    const box = sfMap.sfOverlays.find(o => o.sfName.startsWith("驿站"));
    const group = box && box.getLayers()[0];
    return group && group.getLayers().length === n && !!document.querySelector(".marker-cluster");
}"""
PEER_READY = "n => document.querySelectorAll('.leaflet-marker-icon').length === n"


def first_render_ms(path: Path, ready: str, n: int, chromium: str) -> float:
    from playwright.sync_api import Route, sync_playwright

    local = {a.file.rsplit("/", 1)[-1]: a for a in ASSETS}
    icon = (
        Path(__file__).resolve().parents[1] / "maps/static/vendor/leaflet/images/marker-icon.png"
    ).read_bytes()

    def answer(route: Route) -> None:
        url = route.request.url
        name = url.rsplit("/", 1)[-1]
        if url.startswith("file://"):
            route.continue_()
        elif name in local and "leaflet@" in url:  # the peer's Leaflet, from our files
            kind = "text/css" if name.endswith(".css") else "application/javascript"
            route.fulfill(status=200, content_type=kind, body=read_asset(local[name]))
        elif url.endswith(".png"):
            route.fulfill(status=200, content_type="image/png", body=icon)
        else:
            kind = "text/css" if ".css" in url else "application/javascript"
            route.fulfill(status=200, content_type=kind, body="")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", answer)
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function(ready, arg=n, timeout=120_000, polling=50)
        ms: float = page.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
            "() => r(performance.now()))))"
        )
        browser.close()
    return ms


def api_times(database_url: str) -> dict[str, tuple[float, float]]:
    """Seconds of the first and of a repeated request, per path, over the API."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(database_url=database_url, demo=False))
    out = {}
    with TestClient(app) as client:
        for path in (f"/v1/coverage/stats?city=beijing&radius_m={RADII}",
                     f"/v1/maps/coverage?city=beijing&radius_m={RADII}"):  # fmt: skip
            times = []
            for _ in range(2):
                t0 = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.text[:200]
            out[path] = (times[0], times[1])
            print(f"{path}: first {times[0]:.2f} s, repeated {times[1]:.3f} s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stations", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=4, help="builds: the first cold, best warm")
    ap.add_argument("--no-browser", action="store_true", help="skip the first-render timing")
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-coverage-"))
    try:
        registry = open_registry(f"sqlite:///{tmp / 'b.db'}")
        registry.create_many(items=stations(args.stations))
        rows = []
        for name, fn, ready in (
            ("ours (stationfinder)", ours, OURS_READY),
            ("naive folium (Marker + Circle per station)", naive, PEER_READY),
        ):
            cold, seconds, html = best_of(args.repeat, lambda fn=fn: fn(registry))
            path = tmp / f"{len(rows)}.html"
            path.write_text(html, encoding="utf-8")
            size_mb = path.stat().st_size / 1e6
            chromium = shutil.which("chromium")
            render = None
            if not args.no_browser and chromium:
                render = first_render_ms(path, ready, args.stations, chromium) / 1000
            rows.append((name, cold, seconds, size_mb, render))
            print(f"{name}: build cold {cold:.2f} s, warm {seconds:.2f} s, {size_mb:.2f} MB, "
                  "first render "
                  f"{'—' if render is None else f'{render:.2f} s'}", flush=True)  # fmt: skip
        _, built_s, _ = best_of(
            args.repeat, lambda: build_coverage(registry, city="beijing", radius_m=RADII)
        )
        _, stats_s, _ = best_of(
            args.repeat,
            lambda: build_coverage(registry, city="beijing", radius_m=RADII, drawing=False),
        )
        registry.close()
        api = api_times(f"sqlite:///{tmp / 'b.db'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [
        f"Beijing, {args.stations:,} open stations, radii {RADII} m "
        f"({platform.machine()}, Python {platform.python_version()}; cold: the first build in the "
        f"process, warm: the best of the next {args.repeat - 1})",
        "",
        "| map | build cold s | build warm s | HTML MB | first render s (headless chromium) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, cold, seconds, size_mb, render in rows:
        shown = "—" if render is None else f"{render:.2f}"
        lines.append(f"| {name} | {cold:.2f} | {seconds:.2f} | {size_mb:.2f} | {shown} |")
    lines += [
        "",
        f"Without the HTML (`build_coverage`, best of {args.repeat}): {built_s:.2f} s; figures "
        f"only, as `coverage stats` asks (`drawing=False`): {stats_s:.2f} s. Over HTTP "
        "(TestClient, one worker; the stats compute figures only, the map asked next "
        "computes the drawings; each repeat is answered from the cache kept per registry "
        "version):",
        "",
        "| request | first s | repeated s |",
        "|---|---:|---:|",
    ]
    for name, (first, again) in api.items():
        lines.append(f"| `{name}` | {first:.2f} | {again:.3f} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
