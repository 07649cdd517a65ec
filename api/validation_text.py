"""FastAPI's validation errors (pydantic's, in English) said whole in both languages.

A request FastAPI itself refuses (a required parameter missing, text where a number
goes, a body that is not JSON) came back with pydantic's English in ``message_zh`` too
("Field required") and its internals ("Input should be a valid number, unable to parse
string as a number"). :func:`describe` says each such error as the rest of the API
does: which parameter or body member, and what it must be, in Chinese and in English.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["describe", "where_of"]

# pydantic error type -> (English rule, Chinese rule); {name} from the error's ctx.
_RULES: Final[dict[str, tuple[str, str]]] = {
    "missing": ("is required", "为必填项"),
    "float_parsing": ("must be a number, such as 116.4", "须为数字，例如 116.4"),
    "float_type": ("must be a number, such as 116.4", "须为数字，例如 116.4"),
    "finite_number": ("must be a finite number", "须为有限的数字"),
    "int_parsing": ("must be an integer, such as 12", "须为整数，例如 12"),
    "int_type": ("must be an integer, such as 12", "须为整数，例如 12"),
    "int_from_float": ("must be an integer, such as 12", "须为整数，例如 12"),
    "bool_parsing": ("must be true or false", "须为 true 或 false"),
    "bool_type": ("must be true or false", "须为 true 或 false"),
    "string_type": ("must be text", "须为文本"),
    "list_type": ("must be a list", "须为列表"),
    "dict_type": ("must be a JSON object", "须为 JSON 对象"),
    "model_type": ("must be a JSON object", "须为 JSON 对象"),
    "model_attributes_type": ("must be a JSON object", "须为 JSON 对象"),
    "json_invalid": ("is not valid JSON", "不是有效的 JSON"),
    "json_type": ("must be JSON", "须为 JSON"),
    "greater_than": ("must be greater than {gt}", "须大于 {gt}"),
    "greater_than_equal": ("must be at least {ge}", "须不小于 {ge}"),
    "less_than": ("must be less than {lt}", "须小于 {lt}"),
    "less_than_equal": ("must be at most {le}", "须不大于 {le}"),
    "string_too_short": ("must be at least {min_length} characters", "至少 {min_length} 个字符"),
    "string_too_long": ("must be at most {max_length} characters", "最多 {max_length} 个字符"),
    "too_short": ("must have at least {min_length} items", "至少须有 {min_length} 项"),
    "too_long": ("must have at most {max_length} items", "最多 {max_length} 项"),
    "enum": ("must be one of {expected}", "须为以下之一：{expected}"),
    "literal_error": ("must be one of {expected}", "须为以下之一：{expected}"),
    "string_unicode": ("must be text in UTF-8", "须为 UTF-8 文本"),
    "extra_forbidden": ("is not a field this takes", "不是可接受的字段"),
    "url_parsing": ("must be a URL", "须为网址"),
    "datetime_parsing": ("must be an ISO 8601 time", "须为 ISO 8601 时间"),
    "date_parsing": ("must be a date (YYYY-MM-DD)", "须为日期（YYYY-MM-DD）"),
}
_DEFAULT: Final = ("is invalid", "无效")


def where_of(loc: tuple[Any, ...]) -> tuple[str, str]:
    """``("query", "lat")`` -> ("parameter 'lat'", "参数 lat"); a body member likewise."""
    kind, *path = loc or ("",)
    name = ".".join(str(p) for p in path)
    if kind == "body":
        if not name:
            return "the request body", "请求体"
        return f"body member {name!r}", f"请求体字段 {name}"
    if kind == "header":
        return f"header {name!r}", f"请求头 {name}"
    if kind == "path":
        return f"path segment {name!r}", f"路径参数 {name}"
    return f"parameter {name!r}", f"参数 {name}"


def describe(err: dict[str, Any]) -> tuple[str, str]:
    """One pydantic error as (English, Chinese): ``parameter 'lat' is required``."""
    kind = str(err.get("type", ""))
    loc = ("body",) if kind == "json_invalid" else tuple(err.get("loc", ()))  # not a member
    where, where_zh = where_of(loc)
    rule, rule_zh = _RULES.get(kind, _DEFAULT)
    if kind == "value_error" and "UploadFile" in str((err.get("ctx") or {}).get("error")):
        # Text where a file goes (-F file=list.csv, without the @): starlette's check.
        name = str(loc[-1]) if len(loc) > 1 else "file"
        rule = f"must be a file uploaded as multipart/form-data (curl -F {name}=@list.csv)"
        rule_zh = f"须为以 multipart/form-data 上传的文件（curl -F {name}=@list.csv）"
    ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, str | int | float)}
    try:
        rule, rule_zh = rule.format(**ctx), rule_zh.format(**ctx)
    except (KeyError, IndexError):  # a ctx without what the rule names
        rule, rule_zh = _DEFAULT
    gap = " " if where_zh[-1:].isascii() else ""  # 参数 lat 为必填项; 请求体不是有效的 JSON
    return f"{where} {rule}", f"{where_zh}{gap}{rule_zh}"
