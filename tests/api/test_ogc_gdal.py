"""GDAL's OAPIF driver (Debian's gdal-bin) reads /ogc from a real server.

A uvicorn subprocess serves a temporary SQLite registry holding the Chongqing demo
stations (5,606); ``ogrinfo`` lists the layer and ``ogr2ogr`` copies it to a
GeoPackage page by page (GDAL asks for 10 at a time), which must hold every station
with the registry's ids, names, attributes and coordinates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.model import Station
from tests.servers import chongqing_registry, free_port, wait_ready

pytestmark = pytest.mark.gdal

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261122
UVICORN = (sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app")


def gdal_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: scripts/test installs Debian's gdal-bin in CI")
        pytest.skip(f"{name} is not installed (apt-get install gdal-bin)")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Station]]]:
    """The OGC landing page URL of a live server, and every station it serves."""
    gdal_tool("ogrinfo")
    tmp = tmp_path_factory.mktemp("ogc_gdal")
    url = f"sqlite:///{tmp}/registry.db"
    stations = chongqing_registry(url, SEED, by="test_ogc_gdal")
    port = free_port()
    env = os.environ | {"STATIONFINDER_DATABASE_URL": url, "STATIONFINDER_DEMO": "0"}
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [*UVICORN, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz", proc)
        yield f"{base}/ogc", stations
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    assert "ERROR" not in result.stderr, result.stderr
    return result.stdout


def test_ogrinfo_lists_the_layer(server: tuple[str, list[Station]]) -> None:
    landing, stations = server
    out = run(gdal_tool("ogrinfo"), "-ro", "-so", f"OAPIF:{landing}", "stations")
    assert f"Feature Count: {len(stations)}" in out
    assert "Geometry: Point" in out
    assert 'ID["EPSG",4326]' in out
    # Typed from the collection's JSON Schema, not guessed from the first ten stations.
    for field in (
        "id: Integer",
        "name: String",
        "amenities: String",
        "car_parking_spaces: Integer",
        "motorcycle_parking_spaces: Integer",
        "ev_charging_piles: Integer",
        "created_at: DateTime",
    ):
        assert field in out, field
    assert out.count("\nid: ") == 1


def test_ogr2ogr_copies_every_station_to_a_geopackage(
    server: tuple[str, list[Station]], tmp_path: Path
) -> None:
    import pyogrio

    landing, stations = server
    out = tmp_path / "stations.gpkg"
    run(gdal_tool("ogr2ogr"), "-f", "GPKG", str(out), f"OAPIF:{landing}", "stations")
    df = pyogrio.read_dataframe(out, layer="stations")
    assert len(df) == len(stations)
    assert sorted(df["id"]) == [s.id for s in stations]
    by_id = {s.id: s for s in stations}
    assert df.crs.to_epsg() == 4326
    # A random sample, and every station with an EV pile or motorcycle spaces (the
    # sparse columns that GDAL would have typed as text without the schema).
    sparse = df["ev_charging_piles"].notna() | df["motorcycle_parking_spaces"].notna()
    assert 0 < sparse.sum() < len(df)
    chosen = df.index.isin(df.sample(n=300, random_state=1).index) | sparse
    for _, row in df[chosen].iterrows():
        s = by_id[int(row["id"])]
        assert row["name"] == s.name
        assert row["external_id"] == s.external_id
        assert row["status"] == s.status.value
        assert row["amenities"] == ",".join(s.amenities)
        for count in ("car_parking_spaces", "motorcycle_parking_spaces", "ev_charging_piles"):
            want = getattr(s, count)
            assert (row[count] if row[count] == row[count] else None) == want, count
        assert abs(row.geometry.x - s.lon) <= 1e-7
        assert abs(row.geometry.y - s.lat) <= 1e-7
