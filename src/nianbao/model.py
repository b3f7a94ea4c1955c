"""The params schema of one agency-year (pydantic). YAML is its file format; see ``params.py``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nianbao.format import DEFAULT_FORMAT, Format, available_formats, format_for_year, get_format, outdated_notice
from nianbao.format.scopes import scope_choices, scopes
from nianbao.values import TableValues, parse_tables

AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# The wording that ends a report's title, as the format has it or as reports often shorten it.
TITLE_WORDING = re.compile(r"政府信息公开(?:工作)?(?:年度报告|年报)$")
INDEX_NUMBER_MAX = 64
CHINESE_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Agency(Strict):
    id: Annotated[str, Field(description="ASCII id, safe as a folder name: a-z 0-9 - _")]
    name: Annotated[str, Field(min_length=2, description="机关名称, as it signs the report")]

    @field_validator("id")
    @classmethod
    def _safe_id(cls, v: str) -> str:
        if not AGENCY_ID.match(v):
            raise ValueError(
                f"机关代码 {v!r} 不可用作目录名：只能用小写英文字母、数字、- 和 _（不含 / 或 ..），且以字母或数字开头"
            )
        return v


class Subhead(Strict):
    """A sub-head inside a narrative section, such as （一）主动公开情况."""

    subhead: Annotated[str, Field(min_length=1)]


SectionItem = Annotated[str, Field(min_length=1)] | Subhead


class Source(Strict):
    """Where the params came from, and how the source deviated from the format (kept for lint)."""

    file: str | None = None
    headings: dict[str, str] = {}
    missing: list[str] = []  # section keys the published report lacks (their narrative may be empty)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = CHINESE_DATE.match(value)
        if m:
            return dt.date(*(int(g) for g in m.groups()))
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"日期应写作 “2024年1月12日” 或 “2024-01-12”，实际为 {value!r}")


class AgencyYear(Strict):
    """One agency's annual report for one year: metadata, narrative and the three tables."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, arbitrary_types_allowed=True)

    agency: Agency
    year: Annotated[int, Field(strict=True, ge=2000, le=2100)]
    format: str = DEFAULT_FORMAT
    title: str | None = None
    issued: dt.date | None = None  # null when the published report has no date (validate warns)
    # 索引号: the number the agency's disclosure catalogue files the report under, shown on the page.
    index_number: str | None = None
    # 上级机关: the agency whose aggregate report sums this one's (its params/<agency-id>/), and what this
    # report covers (format/scopes.yaml: 本机关, 本级政府汇总, 系统汇总); see nianbao.validation.children.
    parent: str | None = None
    scope: str | None = None
    preface: list[Annotated[str, Field(min_length=1)]]
    sections: dict[str, list[SectionItem]]
    tables: TableValues
    signature: Annotated[str, Field(min_length=1)]
    source: Source | None = None

    @model_validator(mode="before")
    @classmethod
    def _format_by_year(cls, data: Any) -> Any:
        """Without a ``format:`` key, the format that applies to the year (2019–2020 → 2019, from 2021 → 2021)."""
        if isinstance(data, dict) and data.get("format") is None:
            year = data.get("year")
            version = format_for_year(year) if isinstance(year, int) and not isinstance(year, bool) else None
            data = {**data, "format": version or DEFAULT_FORMAT}
        return data

    @field_validator("format", mode="before")
    @classmethod
    def _known_format(cls, v: Any) -> str:
        v = str(v)
        if v not in available_formats():
            raise ValueError(f"未知的格式版本 {v!r}；可用：{', '.join(available_formats())}")
        return v

    @field_validator("issued", mode="before")
    @classmethod
    def _date(cls, v: Any) -> dt.date | None:
        return None if v is None else parse_date(v)

    @field_validator("index_number")
    @classmethod
    def _index_number(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not v or len(v) > INDEX_NUMBER_MAX or any(not ch.isprintable() for ch in v):
            raise ValueError(
                f"索引号应为一行文字（1 至 {INDEX_NUMBER_MAX} 个字符，不含换行），"
                f"如 “11150000MB1234567X/2024-00012”，实际为 {v!r}"
            )
        return v

    @field_validator("parent")
    @classmethod
    def _parent_id(cls, v: str | None) -> str | None:
        if v is not None and not AGENCY_ID.match(v):
            raise ValueError(
                f"上级机关应写其机关代码（params/ 下的文件夹名，小写英文字母、数字、- 和 _），实际为 {v!r}"
            )
        return v

    @field_validator("scope")
    @classmethod
    def _known_scope(cls, v: str | None) -> str | None:
        if v is not None and v not in scopes():
            raise ValueError(f"统计范围应为以下之一：{scope_choices()}；实际为 {v!r}")
        return v

    @model_validator(mode="after")
    def _not_own_parent(self) -> AgencyYear:
        if self.parent is not None and self.parent == self.agency.id:
            raise ValueError(f"上级机关（parent）不能是本机关自身（{self.parent}）")
        return self

    @field_validator("preface", mode="before")
    @classmethod
    def _one_paragraph(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("tables", mode="before")
    @classmethod
    def _tables(cls, v: Any, info: Any) -> TableValues:
        if isinstance(v, TableValues):
            return v
        return parse_tables(v, get_format(info.data.get("format", DEFAULT_FORMAT)))

    @field_validator("sections")
    @classmethod
    def _sections(cls, v: dict[str, list[Any]], info: Any) -> dict[str, list[Any]]:
        fmt = get_format(info.data.get("format", DEFAULT_FORMAT))
        known = {s.key: s for s in fmt.sections}
        unknown = [k for k in v if k not in known]
        if unknown:
            expected = "、".join(f"{s.key}（{s.heading}）" for s in fmt.sections)
            raise ValueError(f"未知的部分 {', '.join(map(repr, unknown))}；应为：{expected}")
        return v

    @model_validator(mode="after")
    def _narrative_present(self) -> AgencyYear:
        """Every narrative section has text, unless the published report it was imported from lacks it."""
        absent = set(self.source.missing) if self.source else set()
        missing = [
            s.heading
            for s in self.fmt.sections
            if s.table is None and not self.sections.get(s.key) and s.key not in absent
        ]
        if missing:
            raise ValueError(f"缺少以下部分的正文：{'、'.join(missing)}")
        return self

    @model_validator(mode="after")
    def _year_fits_format(self) -> AgencyYear:
        fmt = self.fmt
        if self.year < fmt.first_year:
            raise ValueError(
                f"{self.year}年度报告不适用{fmt.name}（自{fmt.first_year}年度起适用）；"
                f"可用格式：{', '.join(available_formats())}"
            )
        return self

    @property
    def fmt(self) -> Format:
        return get_format(self.format)

    @property
    def format_notice(self) -> str | None:
        """A warning when the report used a format that no longer applied to its year, else None."""
        return outdated_notice(self.format, self.year)

    @property
    def display_title(self) -> str:
        return self.title or f"{self.agency.name}{self.year}年{self.fmt.title_suffix}"

    @property
    def title_lines(self) -> list[str]:
        """The title as customarily set: agency and year, then the report's wording, on two lines.

        The wording is the format's (政府信息公开工作年度报告) or one of the variants reports carry
        (政府信息公开年度报告, …年报), whatever stands before it (agency, year, in either order).
        """
        title, suffix = self.display_title, self.fmt.title_suffix
        if title.endswith(suffix) and title != suffix:
            return [title[: -len(suffix)], suffix]
        m = TITLE_WORDING.search(title)
        if m and m.start() > 0:
            return [title[: m.start()], title[m.start() :]]
        return [title]

    @property
    def title_parts(self) -> list[list[str]]:
        """``title_lines``, each cut into the parts a line may break between and nowhere else.

        The parts are the agency's name, the year (2023年, 2023年度) and what lies between or after
        them, such as the report's wording: a title too long for one line breaks between the agency and
        the year or before the wording, as offices break it by hand, never inside a word.
        """
        name = re.escape(self.agency.name)
        cut = re.compile(rf"({name}|\d{{4}}\s*年度?)")
        return [[part for part in cut.split(line) if part.strip()] for line in self.title_lines]

    @property
    def issued_text(self) -> str:
        """The date as the signature shows it; empty when the report has none."""
        if self.issued is None:
            return ""
        return f"{self.issued.year}年{self.issued.month}月{self.issued.day}日"

    def narrative(self, section_key: str) -> list[str | Subhead]:
        return list(self.sections.get(section_key, []))

    def to_params(self) -> dict[str, Any]:
        """The YAML-ready form of this agency-year (inverse of params.load_params)."""
        data = self.model_dump(mode="python", exclude_none=True, exclude={"tables", "issued", "source"})
        data["issued"] = self.issued_text or None
        data["tables"] = self.tables.to_params()
        if self.source is not None:
            data["source"] = self.source.model_dump(exclude_none=True, exclude_defaults=True)
        ordered = [
            "agency",
            "year",
            "format",
            "title",
            "issued",
            "index_number",
            "parent",
            "scope",
            "preface",
            "sections",
            "tables",
            "signature",
            "source",
        ]
        return {k: data[k] for k in ordered if k in data}
