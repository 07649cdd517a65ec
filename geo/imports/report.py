"""The import report: every input row accounted for, every problem with its row number.

``rows == created + updated + unchanged + duplicates + rejected`` always holds; a
warning never changes a row's outcome, it only says what was fixed or left out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# What said the datum (the rule: geo.datum_names), as the summary says it.
_DATUM_SOURCES: dict[str, tuple[str, str]] = {
    "option": ("crs 选项", "the crs option"),
    "header": ("坐标列的表头", "a coordinate header"),
    "file": ("文件本身", "the file itself"),
    "default": ("默认：文件未说明", "the default: the file does not say"),
}
ISSUE_CODES: dict[str, tuple[str, str]] = {
    # code: (English, Chinese) descriptions, for documentation and the summary
    "missing_name": ("the station has no name", "缺少驿站名称"),
    "missing_coordinate": ("longitude or latitude is missing", "缺少经度或纬度"),
    "invalid_coordinate": ("longitude or latitude is not a number", "经纬度不是数字"),
    "coordinate_out_of_range": (
        "coordinates outside the datum's valid range or outside China",
        "坐标超出该坐标系的有效范围或位于中国境外",
    ),
    "swapped_coordinates": ("longitude and latitude were swapped; fixed", "经纬度填反，已更正"),
    "outside_mainland_china": (
        "WGS84 position outside mainland China",
        "WGS84 坐标位于中国大陆以外",
    ),
    "border_ambiguous": (
        "a GCJ-02 or BD-09 position within ~620 m of the Hong Kong or Macau border that "
        "is also a point across it, ~600 m away; imported as the mainland point",
        "GCJ-02 或 BD-09 坐标位于香港或澳门边界约 620 米以内，也可能是约 600 米外"
        "边界另一侧的点；已按大陆位置导入",
    ),
    "not_a_point": ("the geometry is not a point", "几何对象不是点"),
    "invalid_station": ("a field is invalid", "字段无效"),
    "unknown_amenity_label": ("amenity label not in the vocabulary", "未识别的服务设施"),
    "invalid_opening_hours": (
        "opening hours not understood; left empty",
        "无法识别开放时间，已留空",
    ),
    "invalid_count": ("not a whole number of spaces/piles; left empty", "数量不是整数，已留空"),
    "unknown_status": ("unknown status; 'open' assumed", "未知状态，按开放处理"),
    "invalid_adcode": ("adcode is not 6 digits; left empty", "行政区划代码不是6位数字，已留空"),
    "duplicate_row": ("same as an earlier row of this file", "与本文件前面的行完全相同"),
    "duplicate_station": (
        "same name within 30 m of an earlier row of this file",
        "与本文件前面的行同名且相距不足30米",
    ),
    "datum_assumed": (
        "the file does not say its datum; the documented default was used",
        "文件未说明坐标系，已按默认坐标系处理",
    ),
    "datum_conflict": (
        "the crs option differs from the datum the file states",
        "crs 选项与文件所示坐标系不一致",
    ),
    "outside_your_districts": (
        "the station is outside the districts the editor's key may change",
        "驿站不在该密钥可修改的辖区内",
    ),
    "duplicate_external_id": (
        "external_id repeated in this file with different data",
        "本文件中编号重复但内容不同",
    ),
    "ambiguous_external_id": (
        "a row whose external_id and name are not in its district but in several others",
        "该行的编号和名称在其所在行政区划中没有，而在多个其他行政区划中都有",
    ),
    "district_mismatch": (
        "a district, city or province column naming another area than the position's "
        "(the position's is kept)",
        "所属区、城市或省份列与位置所在的区划不符（以位置为准）",
    ),
    "unknown_area": (
        "a district, city or province column naming no area of mainland China (the "
        "position's is kept)",
        "所属区、城市或省份列不是中国大陆的区划名称（以位置为准）",
    ),
    "outside_districts": (
        "a district, city or province column on a row whose position is in no district "
        "of mainland China (imported without one)",
        "该行位置不在中国大陆任何区县内，所填的区划未采用",
    ),
    "cell_too_long": (
        "a cell longer than Excel's 32,767 characters",
        "单元格超过 Excel 的 32,767 个字符上限",
    ),
    "formula_without_value": (
        "a formula cell whose result the file does not store, in a column the import reads",
        "所导入的列中有公式单元格，但文件中没有保存其计算结果",
    ),
    "invalid_feature": (
        "a GeoJSON feature that is not a Feature object (no or another type, not an object)",
        "GeoJSON 要素不是 Feature 对象（缺少 type、type 不是 Feature 或不是对象）",
    ),
}


class Outcome(StrEnum):
    """What became of one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in one row (or in the file, with ``row`` None)."""

    row: int | None
    column: str | None
    code: str
    severity: str  # "error" (the row is rejected or a duplicate) or "warning"
    message: str
    message_zh: str
    value: str | None = None


@dataclass
class ImportReport:
    """What an import did, row by row."""

    file: str
    format: str
    mode: str  # "commit", "atomic" or "dry_run"
    datum: str
    datum_source: str  # "option", "header", "file" or "default"
    mapping: dict[str, str]
    unmapped: list[str] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    committed: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    issues: list[Issue] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        """Count one row's outcome."""
        self.rows += 1
        match outcome:
            case Outcome.CREATED:
                self.created += 1
            case Outcome.UPDATED:
                self.updated += 1
            case Outcome.UNCHANGED:
                self.unchanged += 1
            case Outcome.DUPLICATE:
                self.duplicates += 1
            case Outcome.REJECTED:
                self.rejected += 1

    @property
    def balanced(self) -> bool:
        """Whether every row is counted in exactly one outcome."""
        parts = self.created + self.updated + self.unchanged + self.duplicates + self.rejected
        return self.rows == parts

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values."""
        return asdict(self)

    def to_json(self) -> str:
        """The report as indented JSON, Chinese unescaped."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def summary_lines(self) -> list[str]:
        """A short bilingual summary for the terminal."""
        state = {
            "dry_run": "试运行，未写入 / dry run, nothing written",
            "atomic": "全部写入 / committed" if self.committed else "未写入 / nothing written",
            "commit": "已写入 / committed" if self.committed else "未写入 / nothing written",
        }[self.mode]
        said_zh, said = _DATUM_SOURCES.get(self.datum_source, (self.datum_source,) * 2)
        lines = [
            f"文件 file: {self.file} ({self.format}"
            + (f", {self.encoding}" if self.encoding else "")
            + (f", sheet {self.sheet}" if self.sheet else "")
            + ")",
            f"坐标系 datum: {self.datum}（{said_zh} / {said}）",
            f"行数 rows {self.rows}: 新增 created {self.created}, 更新 updated {self.updated}, "
            f"未变 unchanged {self.unchanged}, 重复 duplicates {self.duplicates}, "
            f"拒绝 rejected {self.rejected} — {state}",
        ]
        errors = sum(1 for i in self.issues if i.severity == "error")
        warnings = len(self.issues) - errors
        if self.issues:
            lines.append(f"问题 issues: {errors} 错误 errors, {warnings} 警告 warnings")
        return lines
