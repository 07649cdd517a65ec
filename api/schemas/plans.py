"""The answer of ``POST /v1/plans/sites`` (``geo.planning.sites.SitesResult.as_dict``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import Count, Strict

__all__ = ["SITES_GEOJSON", "SitePlanAnswer"]


class PlanArea(Strict):
    """The area planned / 规划范围."""

    name: str
    name_en: str
    adcode: str | None


class SkippedRow(Strict):
    """A candidate row not used, and why / 未使用的候选行."""

    row: int
    code: str
    message: str
    message_zh: str


class PlanCandidates(Strict):
    """Where the candidate sites came from / 候选站址."""

    source: Literal["file", "stations", "grid"]
    count: Count
    datum: str
    datum_source: str
    skipped: list[SkippedRow]
    skipped_count: Count


class PlannedSite(Strict):
    """One chosen site / 建议站址."""

    rank: int = Field(ge=1, description="1 = the largest gain; sites added in this order")
    name: str
    lon: float = Field(description="WGS84")
    lat: float = Field(description="WGS84")
    adcode: str | None
    gain_weight: float = Field(description="Demand newly covered when added in rank order")
    row: int | None = Field(default=None, description="Its row in the candidates file")


class DistrictBeforeAfter(Strict):
    """A district's demand covered before and after the sites / 各区县规划前后."""

    adcode: str | None
    name: str
    name_en: str
    total_weight: float
    covered_before: float
    covered_after: float


class SitePlanAnswer(Strict):
    """Where to build next / 选址结果."""

    area: PlanArea
    amenities: list[str]
    radius_m: float
    count: int = Field(description="Sites asked for")
    candidates: PlanCandidates
    demand: Literal["file", "uniform"] = Field(description="uniform: weights are km²")
    demand_outside: Count = Field(description="Demand points of the file outside the area")
    sites: list[PlannedSite]
    covered_weight: float = Field(description="By existing stations and the sites together")
    existing_covered_weight: float
    total_weight: float
    curve: list[float] = Field(description="Covered weight after 1..N sites, in rank order")
    optimal: bool = Field(description="Proven optimal")
    gap: float = Field(ge=0, le=1, description="Proven relative optimality gap")
    method: Literal["exact", "greedy"]
    shortfall: Count = Field(description="Sites asked for but not needed")
    districts: list[DistrictBeforeAfter]


# ``format=geojson``: the sites as points, their other fields as properties.
SITES_GEOJSON: dict[str, Any] = {
    "type": "object",
    "title": "SitePlanFeatures",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": {
                        "type": "object",
                        "description": "A WGS84 lon/lat Point",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {"type": "array", "items": {"type": "number"}},
                        },
                    },
                    "properties": {
                        "type": "object",
                        "properties": {
                            "rank": {"type": "integer"},
                            "name": {"type": "string"},
                            "adcode": {"type": ["string", "null"]},
                            "gain_weight": {"type": "number"},
                            "row": {"type": "integer"},
                        },
                    },
                },
            },
        },
    },
}
