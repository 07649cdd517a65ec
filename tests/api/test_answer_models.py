"""Every JSON answer has a model in /openapi.json, and real answers validate against it
(issue 15). The models forbid unknown keys and do not coerce, so a field that is missing,
added or of another type fails here (api/schemas/)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from api.fast_query import PlainQueryRoute
from api.schemas.admin import (
    AuditAction,
    AuditPage,
    CoverageStats,
    ImportJobDocument,
    ImportReport,
    Liveness,
    Readiness,
)
from api.schemas.common import (
    DatumName,
    ProblemKindCode,
    ReportKindCode,
    StationDocument,
    StatusName,
)
from api.schemas.ogc import (
    Collection,
    Collections,
    Conformance,
    FeatureSchema,
    LandingPage,
    OgcApiDocument,
    OgcItem,
    OgcItems,
)
from api.schemas.ogc_tiles import TileMatrixSet, TileMatrixSets, Tileset, Tilesets
from api.schemas.page import PageAlongRoute, PageNearest
from api.schemas.reports import (
    ReportAccepted,
    ReportKindList,
    ReportList,
    ReportsByDistrict,
    ReportState,
    VerdictAnswer,
)
from api.schemas.stations import (
    AlongRouteAnswer,
    AmenityList,
    NearestAnswer,
    StationExport,
    StationList,
    StationWritten,
)
from geo.audit import Action
from geo.datums import Datum
from geo.model import Status
from geo.reports.kinds import REPORT_KINDS
from geo.reports.listing import STATES
from tests.api.test_import_jobs import until_done
from tests.api.test_imports import BAD_CSV, GOOD_CSV, upload
from tests.conftest import AUTH, feature, post_station

JSON_TYPES = ("application/json", "application/geo+json", "application/schema+json")
# Dongcheng, Beijing (WGS84): inside the district the coverage figures are asked about.
WHERE = [(116.4100, 39.9150), (116.4150, 39.9180), (116.4200, 39.9120)]
ROUTE = "116.4050,39.9150;116.4250,39.9150"


def valid(model: type[BaseModel], body: Any) -> Any:
    """``body`` validated by ``model`` (a failure names every field that differs)."""
    return model.model_validate(body)


# -- the document ------------------------------------------------------------------------


def json_answers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """(where, schema) of every 2xx JSON answer the document declares."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    if media_type.split(";")[0].strip() in JSON_TYPES:
                        yield (
                            f"{method.upper()} {path} {status} {media_type}",
                            content.get("schema"),
                        )


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    prefix = "#/components/schemas/"
    assert ref.startswith(prefix), ref
    found: dict[str, Any] = spec["components"]["schemas"][ref.removeprefix(prefix)]
    return found


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_json_answer_has_a_schema(client: TestClient) -> None:
    """No 2xx JSON answer is ``{}``, a bare ``object`` or a dict of anything: each is a
    ``$ref`` to a component (or an inline schema) with properties."""
    spec = client.get("/openapi.json").json()
    answers = dict(json_answers(spec))
    assert len(answers) >= 24, sorted(answers)  # as many as in issue 15, at least
    bare = []
    for where, schema in answers.items():
        if not schema or "properties" not in resolve(spec, schema):
            bare.append(f"{where}: {json.dumps(schema)[:100]}")
    assert bare == [], "\n".join(bare)


def test_every_ref_resolves(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    names = set(spec["components"]["schemas"])
    missing = {r for r in refs(spec) if r.removeprefix("#/components/schemas/") not in names}
    assert missing == set()


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/ogc/collections/stations/items", "application/geo+json"),
        ("/ogc/collections/stations/items/{featureId}", "application/geo+json"),
        ("/ogc/collections/stations/schema", "application/schema+json"),
        ("/v1/maps/coverage", "text/html"),
    ],
)
def test_answers_declare_their_real_media_type(
    client: TestClient, path: str, media_type: str
) -> None:
    """Only the media type the route answers with (not also application/json)."""
    spec = client.get("/openapi.json").json()
    assert list(spec["paths"][path]["get"]["responses"]["200"]["content"]) == [media_type]


def test_downloads_declare_each_format(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    export = spec["paths"]["/v1/stations/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {
        "application/geo+json",
        "application/geopackage+sqlite3",
        "text/csv; charset=utf-8; header=present",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for path in ("/v1/coverage/stats", "/v1/reports/by-district"):
        stats = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(stats) == {
            "application/json",
            "text/csv; charset=utf-8",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }


def enum_of(annotated: Any) -> list[str]:
    """The ``enum`` an ``Annotated[str, Field(json_schema_extra=...)]`` documents."""
    (field,) = annotated.__metadata__
    found: list[str] = field.json_schema_extra["enum"]
    return found


def test_enumerations_match_the_domain() -> None:
    """The literal datum, status, audit action, report kind and report state names of
    the models are the domain's."""
    assert set(DatumName.__args__) == {d.value for d in Datum}
    assert set(StatusName.__args__) == {s.value for s in Status}
    assert set(AuditAction.__args__) == {a.value for a in Action}
    assert enum_of(ReportKindCode) == [k.code for k in REPORT_KINDS]
    assert enum_of(ProblemKindCode) == [k.code for k in REPORT_KINDS if k.is_problem]
    assert set(ReportState.__args__) == set(STATES) - {"any"}


def test_models_refuse_a_missing_extra_or_mistyped_field(client: TestClient) -> None:
    """The models are strict enough to catch an answer that changed."""
    body = post_station(client, feature(*WHERE[0], name="严格"))
    body["datum"] = "wgs84"
    valid(StationDocument, body)
    for broken in (
        {k: v for k, v in body.items() if k != "geometry"},  # missing
        body | {"extra": 1},  # unknown key
        body | {"properties": body["properties"] | {"car_parking_spaces": "3"}},  # mistyped
        body | {"properties": body["properties"] | {"distance_m": 1.0}},  # not on this answer
        body | {"properties": {k: v for k, v in body["properties"].items() if k != "reports"}},
        body | {"properties": body["properties"] | {"reports": [{"kind": "all_good"}]}},
    ):
        with pytest.raises(ValidationError):
            valid(StationDocument, broken)


# -- real answers ------------------------------------------------------------------------


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    """Three stations in Dongcheng: one with everything, one with little, one closed."""
    post_station(
        client,
        feature(
            *WHERE[0], name="东城驿站", external_id="DC-1", address="东城区某路1号",
            amenities=["drinking_water", "microwave"], car_parking_spaces=3,
            ev_charging_piles=1, opening_hours="24小时", phone="010-1234",
        ),
    )  # fmt: skip
    post_station(client, feature(*WHERE[1], name="小驿站", opening_hours="08:00-20:00"))
    post_station(client, feature(*WHERE[2], name="暂停", status="temporarily_closed"))
    # Couriers' reports: every answer below has a station with a flag and one verified.
    report(client, 1, kind="parking_full", note="门口停满了", lon=116.41, lat=39.915)
    report(client, 1, kind="microwave_broken")
    report(client, 2, kind="all_good")
    return client


def report(client: TestClient, station_id: int, **body: Any) -> dict[str, Any]:
    """A courier's report, accepted; the answer."""
    response = client.post(f"/v1/stations/{station_id}/reports", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def get_json(client: TestClient, url: str, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_health(client: TestClient) -> None:
    valid(Liveness, get_json(client, "/healthz"))
    valid(Readiness, get_json(client, "/readyz"))


def test_writes(client: TestClient) -> None:
    created = client.post("/v1/stations", json=feature(*WHERE[0], crs="gcj02"), headers=AUTH)
    assert created.status_code == 201, created.text
    written = valid(StationWritten, created.json())
    assert written.input_crs == "gcj02"
    url = f"/v1/stations/{written.id}"
    replaced = client.put(url, json=feature(*WHERE[1], name="换"), headers=AUTH)
    assert valid(StationWritten, replaced.json()).input_crs == "wgs84"
    patched = client.patch(url, json={"properties": {"phone": "110"}}, headers=AUTH)
    assert valid(StationWritten, patched.json()).input_crs is None
    # Near the Hong Kong border, in GCJ-02: written with a hint.
    hk = client.post("/v1/stations", json=feature(114.1, 22.54, crs="gcj02"), headers=AUTH)
    valid(StationWritten, hk.json())
    # A station with couriers' reports, written: its flags in the answer.
    report(client, written.id, kind="no_water")
    patched = client.patch(url, json={"properties": {"phone": "120"}}, headers=AUTH)
    assert valid(StationWritten, patched.json()).properties.reports[0].kind == "no_water"


@pytest.mark.parametrize("out_crs", ["wgs84", "bd09"])
def test_reads(seeded: TestClient, out_crs: str) -> None:
    page = valid(StationList, get_json(seeded, f"/v1/stations?limit=1&offset=1&out_crs={out_crs}"))
    assert [link.rel for link in page.links] == ["self", "next", "prev"]
    one = page.features[0]
    assert one.properties.last_verified_at is not None  # 小驿站: all_good
    assert valid(StationDocument, get_json(seeded, f"/v1/stations/{one.id}?out_crs={out_crs}"))
    every = valid(StationList, get_json(seeded, f"/v1/stations?out_crs={out_crs}"))
    assert [r.kind for r in every.features[0].properties.reports] == [
        "parking_full", "microwave_broken"
    ]  # fmt: skip
    flagged = valid(StationDocument, get_json(seeded, f"/v1/stations/1?out_crs={out_crs}"))
    assert flagged.properties.reports
    valid(AmenityList, get_json(seeded, "/v1/amenities"))


@pytest.mark.parametrize("fast", [True, False], ids=["orjson-path", "validated-path"])
@pytest.mark.parametrize(
    "query",
    [
        "lon=116.41&lat=39.915&k=3",  # hours_state with times
        "lon=116.41&lat=39.915&open_at=any&status=any&max_distance_m=5000",  # nulls
        "lon=116.41&lat=39.915&amenities=微波炉&crs=gcj02&out_crs=gcj02",
        "lon=39.47&lat=75.99",  # no station near; a swapped_coordinates hint
        "lon=116.41&lat=39.915&exclude_reported=parking_full,closed_now&open_at=any",
    ],
)
def test_nearest(
    seeded: TestClient, monkeypatch: pytest.MonkeyPatch, fast: bool, query: str
) -> None:
    monkeypatch.setattr(PlainQueryRoute, "fast", fast)
    answer = valid(NearestAnswer, get_json(seeded, f"/v1/stations/nearest?{query}"))
    if "exclude_reported" in query:
        assert answer.query.exclude_reported == ["closed_now", "parking_full"]
        assert 1 not in [f.id for f in answer.features]
    elif answer.features:
        assert any(f.properties.reports for f in answer.features)


def test_nearest_hint_is_modelled(seeded: TestClient) -> None:
    answer = valid(NearestAnswer, get_json(seeded, "/v1/stations/nearest?lon=39.47&lat=75.99"))
    assert answer.hint is not None


def test_along_route(seeded: TestClient) -> None:
    params = {"route": ROUTE, "width_m": 1000, "limit": 1, "offset": 1, "open_at": "any"}
    answer = valid(AlongRouteAnswer, get_json(seeded, "/v1/stations/along-route", params=params))
    assert answer.query.position is None
    assert answer.features
    params_all = params | {"offset": 0, "limit": 5, "status": "any"}
    every = valid(AlongRouteAnswer, get_json(seeded, "/v1/stations/along-route", params=params_all))
    assert any(f.properties.reports for f in every.features)
    params_all |= {"exclude_reported": "microwave_broken"}
    left = valid(AlongRouteAnswer, get_json(seeded, "/v1/stations/along-route", params=params_all))
    assert left.query.exclude_reported == ["microwave_broken"]
    assert 1 not in [f.id for f in left.features]
    params |= {"position": "116.4100,39.9150", "status": "any", "crs": "wgs84", "offset": 0}
    ahead = valid(AlongRouteAnswer, get_json(seeded, "/v1/stations/along-route", params=params))
    assert ahead.query.position is not None
    body = {
        "type": "LineString",
        "coordinates": [[116.4050, 39.9150], [116.4250, 39.9150]],
        "position": [116.41, 39.915],
    }
    posted = seeded.post(
        "/v1/stations/along-route?width_m=1000&limit=2&offset=1&exclude_reported=no_water",
        json=body,
    )
    assert posted.status_code == 200, posted.text
    answer = valid(AlongRouteAnswer, posted.json())
    assert answer.query.route_format == "geojson"
    assert {link.method for link in answer.links} == {"POST"}


def test_audit(seeded: TestClient) -> None:
    page = valid(AuditPage, get_json(seeded, "/v1/audit?limit=2", headers=AUTH))
    assert [link.rel for link in page.links] == ["self", "next"]


def test_reports(seeded: TestClient) -> None:
    """The report kinds, a report sent (with and without a position), the moderators'
    listing, a verdict of each kind and their audit entries."""
    kinds = valid(ReportKindList, get_json(seeded, "/v1/report-kinds"))
    assert [k.code for k in kinds.kinds] == [k.code for k in REPORT_KINDS]
    sent = valid(ReportAccepted, report(seeded, 2, kind="closed_now"))
    assert sent.report.lon is None
    assert sent.report.status == "open"
    assert [f.kind for f in sent.station.reports] == ["closed_now"]
    assert sent.station.last_verified_at is not None
    far = valid(ReportAccepted, report(seeded, 2, kind="no_water", lon=116.5, lat=40.0))
    assert far.report.far
    listing = valid(ReportList, get_json(seeded, "/v1/reports?status=any", headers=AUTH))
    assert listing.numberReturned == 5
    assert {r.adcode for r in listing.reports} == {"110101"}
    page = valid(ReportList, get_json(seeded, "/v1/reports?limit=2", headers=AUTH))
    assert page.next_before_id is not None
    url = f"/v1/reports/{sent.report.id}/confirm"
    confirmed = seeded.post(url, json={"note": "电话确认"}, headers=AUTH)
    assert confirmed.status_code == 200, confirmed.text
    assert valid(VerdictAnswer, confirmed.json()).changed == {"status": "temporarily_closed"}
    broken = seeded.post("/v1/reports/2/confirm", headers=AUTH)  # microwave_broken
    assert "microwave" not in valid(VerdictAnswer, broken.json()).changed["amenities"]
    dismissed = seeded.post("/v1/reports/1/dismiss", headers=AUTH)
    assert dismissed.status_code == 200, dismissed.text
    assert valid(VerdictAnswer, dismissed.json()).station.reports == []
    done = valid(ReportList, get_json(seeded, "/v1/reports?status=any", headers=AUTH))
    assert {r.status for r in done.reports} >= {"confirmed", "dismissed"}
    audit = valid(AuditPage, get_json(seeded, "/v1/audit?limit=5", headers=AUTH))
    assert {"report_confirm", "report_dismiss"} <= {e.action for e in audit.entries}


@pytest.mark.parametrize("area", [None, "东城区", "110105"])  # with reports, and none
def test_reports_by_district(seeded: TestClient, area: str | None) -> None:
    params = {} if area is None else {"area": area}
    table = valid(ReportsByDistrict, get_json(seeded, "/v1/reports/by-district", params=params))
    assert [k.code for k in table.kinds] == [k.code for k in REPORT_KINDS if k.is_problem]
    assert table.total.reports == (0 if area == "110105" else 2)


def test_imports(client: TestClient) -> None:
    response = upload(client, "s.csv", GOOD_CSV, crs="wgs84")
    assert response.status_code == 200, response.text
    report = valid(ImportReport, response.json())
    assert report.rows > 0
    again = upload(client, "s.csv", BAD_CSV, wait=False)  # a rejected row, no datum
    assert again.status_code == 202, again.text
    valid(ImportJobDocument, again.json())
    done = until_done(client, again.json()["id"])
    assert valid(ImportJobDocument, done).report is not None


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
def test_export_geojson(seeded: TestClient, crs: str) -> None:
    """The export is the record: no live members, though stations have reports."""
    response = seeded.get(f"/v1/stations/export?format=geojson&crs={crs}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    assert len(valid(StationExport, json.loads(response.content)).features) == 3


def test_coverage_stats(seeded: TestClient) -> None:
    params = {"city": "beijing", "district": "东城区", "radius_m": "300,800"}
    stats = valid(CoverageStats, get_json(seeded, "/v1/coverage/stats", params=params))
    assert stats.districts
    params["exclude_confirmed"] = "microwave_broken,closed_now"
    valid(CoverageStats, get_json(seeded, "/v1/coverage/stats", params=params))


def test_ogc(seeded: TestClient) -> None:
    valid(LandingPage, get_json(seeded, "/ogc"))
    valid(Conformance, get_json(seeded, "/ogc/conformance"))
    valid(TileMatrixSets, get_json(seeded, "/ogc/tileMatrixSets"))
    valid(TileMatrixSet, get_json(seeded, "/ogc/tileMatrixSets/WebMercatorQuad"))
    valid(Tilesets, get_json(seeded, "/ogc/collections/stations/tiles"))
    valid(Tileset, get_json(seeded, "/ogc/collections/stations/tiles/WebMercatorQuad"))
    assert (
        "/collections/stations/items" in valid(OgcApiDocument, get_json(seeded, "/ogc/api")).paths
    )
    collections = valid(Collections, get_json(seeded, "/ogc/collections"))
    assert collections.collections[0].extent is not None
    valid(Collection, get_json(seeded, "/ogc/collections/stations"))
    valid(FeatureSchema, get_json(seeded, "/ogc/collections/stations/schema"))
    items = valid(OgcItems, get_json(seeded, "/ogc/collections/stations/items?limit=1&offset=1"))
    valid(OgcItem, get_json(seeded, f"/ogc/collections/stations/items/{items.features[0].id}"))


def test_ogc_empty_collection(client: TestClient) -> None:
    assert valid(Collection, get_json(client, "/ogc/collections/stations")).extent is None
    valid(OgcItems, get_json(client, "/ogc/collections/stations/items"))


def test_page_data(seeded: TestClient) -> None:
    """The page's own routes (not in the OpenAPI document)."""
    valid(PageNearest, get_json(seeded, "/page/data/nearest?lon=116.41&lat=39.915"))
    valid(PageNearest, get_json(seeded, "/page/data/nearest?lon=116.41&lat=39.915&closed=true"))
    params = {"route": ROUTE, "width_m": 1000, "closed": "true"}
    valid(PageAlongRoute, get_json(seeded, "/page/data/along-route", params=params))
    params |= {"lon": 116.41, "lat": 39.915}
    assert valid(PageAlongRoute, get_json(seeded, "/page/data/along-route", params=params)).ahead
    params |= {"lon": 116.6, "lat": 40.2}  # far off the route
    off = valid(PageAlongRoute, get_json(seeded, "/page/data/along-route", params=params))
    assert off.off_route_m is not None
