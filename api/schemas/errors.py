"""The error answer: one shape for every 4xx and 5xx (documentation only)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """What went wrong, in English and Chinese."""

    code: str = Field(description="Stable machine-readable code, e.g. `invalid_coordinate`.")
    message: str = Field(description="English message naming the problem.")
    message_zh: str = Field(description="中文错误说明。")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="One entry per bad field or parameter, where useful."
    )


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer."""

    error: ErrorDetail


def _doc(description: str, code: str, message: str, message_zh: str) -> dict[str, Any]:
    example = {"error": {"code": code, "message": message, "message_zh": message_zh}}
    return {
        "model": ErrorResponse,
        "description": description,
        "content": {"application/json": {"example": example}},
    }


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc(
        "Malformed body", "malformed_body", "malformed GeoJSON: ...", "GeoJSON 格式错误：..."
    ),
    401: _doc(
        "Missing or wrong token",
        "unauthorized",
        "a valid 'Authorization: Bearer <token>' header is required for writes",
        "写入操作需要有效的 'Authorization: Bearer <令牌>' 请求头",
    ),
    404: _doc(
        "No such station", "station_not_found", "no station with id 42", "不存在编号为 42 的站点"
    ),
    409: _doc(
        "external_id taken",
        "duplicate_external_id",
        "external_id 'BJ-1' is already used by another station",
        "外部编号 'BJ-1' 已被其他站点使用",
    ),
    422: _doc(
        "Invalid parameter or field",
        "invalid_coordinate",
        "lat 91.0 is outside [-90, 90]",
        "纬度 91.0 超出范围 [-90, 90]",
    ),
}
