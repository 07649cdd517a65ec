"""Geodesic distances on the WGS84 ellipsoid and Earth-centred coordinates.

Distances come from pyproj's ``Geod`` (Karney's algorithm, accurate to nanometres).
Earth-centred, Earth-fixed (ECEF) coordinates of points on the ellipsoid surface give
the straight-line chord between two points, which is never longer than the geodesic
between them: the spatial index searches by chord and re-ranks by geodesic, and that
inequality is what makes its answers exact.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)

GEOD = Geod(ellps="WGS84")


def ecef(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
    """ECEF coordinates of points on the WGS84 ellipsoid surface (height 0).

    Parameters
    ----------
    lon, lat : array_like
        Degrees, WGS84.

    Returns
    -------
    ndarray, shape (..., 3)
        X, Y, Z in metres.
    """
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    sin_phi = np.sin(phi)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sin_phi * sin_phi)
    cos_phi = np.cos(phi)
    return np.stack(
        [n * cos_phi * np.cos(lam), n * cos_phi * np.sin(lam), n * (1.0 - WGS84_E2) * sin_phi],
        axis=-1,
    )


def ecef_point(lon: float, lat: float) -> tuple[float, float, float]:
    """:func:`ecef` of one point, in floats: the same formula step by step in ``math``
    (a nearest search's query point; numpy costs ~9 us on one point, this ~1). Equal
    to :func:`ecef` to the bit on every point tests/geo/test_geodesy.py tries, and
    within 1e-6 m wherever a platform's ``sin`` and numpy's differ: far below the 1 mm
    margin the index's exactness argument keeps (``geo.index``)."""
    lam = math.radians(lon)
    phi = math.radians(lat)
    sin_phi = math.sin(phi)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * sin_phi * sin_phi)
    cos_phi = math.cos(phi)
    return n * cos_phi * math.cos(lam), n * cos_phi * math.sin(lam), n * (1.0 - WGS84_E2) * sin_phi


def distance_bearing(
    lon: float, lat: float, lons: ArrayLike, lats: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Geodesic distance and initial bearing from one point to many.

    Parameters
    ----------
    lon, lat : float
        Origin, degrees WGS84.
    lons, lats : array_like
        Destinations, degrees WGS84.

    Returns
    -------
    distance_m : ndarray
        Metres along the WGS84 ellipsoid.
    bearing_deg : ndarray
        Initial azimuth at the origin, degrees clockwise from north in [0, 360).
    """
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    az, _, dist = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    bearing = np.mod(np.asarray(az, dtype=np.float64), 360.0)
    bearing[bearing >= 360.0] = 0.0  # a tiny negative azimuth rounds up to 360
    return np.asarray(dist, dtype=np.float64), bearing
