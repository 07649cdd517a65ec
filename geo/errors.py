"""Errors raised by the domain.

Every error carries a stable machine-readable ``code`` and a message in English and
Chinese. Each subclass also derives from the builtin exception it refines, so callers
that only know Python (``except ValueError``) still catch it. The HTTP layer maps the
classes to status codes in one table (``api/errors.py``); the CLI prints the messages.
"""

from __future__ import annotations

from typing import Any


class StationError(Exception):
    """Base class of every error the domain raises on purpose."""

    code = "station_error"

    def __init__(
        self,
        message: str,
        message_zh: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        """The error as the API's ``error`` member: code, both messages, details if any."""
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
        }
        if self.details:
            body["details"] = self.details
        return body


class InvalidCoordinate(StationError, ValueError):
    """A longitude/latitude that is not a finite number in the valid range of its datum."""

    code = "invalid_coordinate"


class UnknownCRS(StationError, ValueError):
    """A coordinate reference system / datum name we do not support."""

    code = "unknown_crs"


class CrsRequired(StationError, ValueError):
    """A position whose datum must be stated and is not (see ``geo.datum_names``: a
    position a person types into a write)."""

    code = "crs_required"


class UnknownAmenity(StationError, ValueError):
    """An amenity code or label that is not in the vocabulary."""

    code = "unknown_amenity"


class InvalidOpeningHours(StationError, ValueError):
    """Opening hours text that neither the Chinese forms nor OSM syntax can parse."""

    code = "invalid_opening_hours"


class InvalidParameter(StationError, ValueError):
    """A query parameter of the right type but an unusable value (k=0, bad bbox...)."""

    code = "invalid_parameter"


class InvalidFilter(InvalidParameter):
    """A ``filter`` (CQL2), ``sortby`` or property filter that cannot be read or names
    what the queryables do not have."""

    code = "invalid_filter"


class UnknownParameter(InvalidParameter):
    """A query parameter or form field the endpoint does not take (a misspelling, another
    API's name): refused rather than ignored."""

    code = "unknown_parameter"


class RepeatedParameter(InvalidParameter):
    """A parameter that takes one value, given several times."""

    code = "repeated_parameter"


class InvalidDateTime(StationError, ValueError):
    """A time that is not ISO 8601 (or ``any``/``now``)."""

    code = "invalid_datetime"


class UnknownStatus(StationError, ValueError):
    """A station status outside open / temporarily_closed / planned."""

    code = "unknown_status"


class InvalidStation(StationError, ValueError):
    """A station record that fails validation (empty name, negative counts...)."""

    code = "invalid_station"


class DistrictMismatch(StationError, ValueError):
    """A district, city or province sent with a station that its position contradicts
    (the position decides where a station is: ``geo.places``)."""

    code = "district_mismatch"


class InvalidGeometry(StationError, ValueError):
    """A GeoJSON geometry that is not a valid Point."""

    code = "invalid_geometry"


class MalformedBody(StationError, ValueError):
    """A request body or file that is not the JSON/GeoJSON it should be."""

    code = "malformed_body"


class StationNotFound(StationError, LookupError):
    """No station with the given id."""

    code = "station_not_found"


class TileNotFound(StationError, LookupError):
    """A tile row or column outside its tile matrix."""

    code = "tile_not_found"


class DuplicateExternalId(StationError, ValueError):
    """Another station already uses this ``external_id``."""

    code = "duplicate_external_id"


class Unauthorized(StationError, PermissionError):
    """A write without a valid token."""

    code = "unauthorized"


class WritesDisabled(StationError, PermissionError):
    """Writes are refused because no admin token is configured."""

    code = "writes_disabled"


class StoreUnavailable(StationError, RuntimeError):
    """The database cannot be reached or is not initialised."""

    code = "store_unavailable"


class InvalidFile(StationError, ValueError):
    """A file that cannot be read as a station list (corrupt, wrong format, empty...)."""

    code = "invalid_file"


class InvalidCalendarFile(StationError, ValueError):
    """A working-calendar file in data/calendar that cannot be read as a notice."""

    code = "invalid_calendar_file"


class InvalidRoute(StationError, ValueError):
    """A route that cannot be read: bad polyline, bad vertex, unknown format, < 2 vertices."""

    code = "invalid_route"


class RouteTooLong(StationError, ValueError):
    """A route with more vertices, or a greater length, than one request may search."""

    code = "route_too_long"


class PositionOffRoute(StationError, ValueError):
    """A rider's position too far from the route to say where on the route the rider is."""

    code = "position_off_route"


class KeyRevoked(Unauthorized):
    """An API key that was revoked: refused like an unknown one, with its own code."""

    code = "key_revoked"


class Forbidden(StationError, PermissionError):
    """An authenticated caller whose role does not allow this operation."""

    code = "forbidden"


class ForbiddenDistrict(Forbidden):
    """An editor writing a station outside their districts (or one without an adcode)."""

    code = "forbidden_district"


class KeyNotFound(StationError, LookupError):
    """No API key with the given id."""

    code = "key_not_found"


class InvalidBackup(StationError, ValueError):
    """A backup file that cannot be restored: not one, damaged, or for a newer schema."""

    code = "invalid_backup"


class StoreNotEmpty(StationError, ValueError):
    """A restore into a store that already holds stations, keys or audit entries."""

    code = "store_not_empty"


class BackupNotAuthentic(InvalidBackup):
    """A backup whose HMAC signature is wrong or missing, or that cannot be checked here."""

    code = "backup_not_authentic"


class ImportTooCostly(StationError, ValueError):
    """An import that needed more memory or CPU time than one import may have."""

    code = "import_too_costly"


class ImportInterrupted(StationError, RuntimeError):
    """An import whose process ended, or stopped giving signs of life, before finishing."""

    code = "import_interrupted"


class TooManyImports(StationError, RuntimeError):
    """As many imports are running on this host as it allows at once."""

    code = "too_many_imports"


class ImportJobNotFound(StationError, LookupError):
    """No import job with this id that the caller may see."""

    code = "import_job_not_found"


class ReportNotFound(StationError, LookupError):
    """No courier's report with the given id."""

    code = "report_not_found"


class ReportClosed(StationError, ValueError):
    """A verdict on a report that already has one (confirmed, dismissed, or cleared)."""

    code = "report_closed"
