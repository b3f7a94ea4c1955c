"""Plain-Python kinds, not table arithmetic: narrative numbers (``text``), ``headings`` and ``deadline``.

These read the narrative and metadata of one agency-year (Great Expectations judges the tables),
so they have no frame: the validator asks their ``check``. Every pattern, wording and date they
use comes from the rule's options in the format.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from nianbao.format import Rule
from nianbao.rules.registry import RuleKind, failed_finding, register
from nianbao.validation.findings import Finding

if TYPE_CHECKING:
    from nianbao.model import AgencyYear


def _paragraphs(params: AgencyYear) -> list[tuple[str | None, str]]:
    """(section key, paragraph) for the preface and every narrative paragraph."""
    from nianbao.model import Subhead  # the model (pydantic) loads only when a report is checked

    out: list[tuple[str | None, str]] = [(None, p) for p in params.preface]
    for key, blocks in params.sections.items():
        out += [(key, b) for b in blocks if not isinstance(b, Subhead)]
    return out


def _value(params: AgencyYear, cells: list[str]) -> int | Decimal | None:
    """Sum of ``cells``, or None when any is blank."""
    vals = [params.tables[ref] for ref in cells]
    if any(v is None for v in vals):
        return None
    return sum(vals)  # type: ignore[arg-type]


def _reading_label(params: AgencyYear, cells: list[str]) -> str:
    fmt = params.fmt
    labels = []
    for ref in cells:
        table, record, field = fmt.cell(ref)
        labels.append(table.cell_label(record, field.key))
    return "与".join(labels) + ("之和" if len(labels) > 1 else "")


def _other_reading(params: AgencyYear, first: list[str], cells: list[str], value: int | Decimal) -> str:
    """Another table total the statement could mean: 加上「…」为 N (or the cells' own label)."""
    fmt = params.fmt
    if set(first) <= set(cells):
        added = []
        for ref in cells:
            if ref not in first:
                _, record, _ = fmt.cell(ref)
                added.append(f"「{record.label}」")
        return f"加上{'、'.join(added)}为{value}"
    return f"{_reading_label(params, cells)}为{value}"


@register("text")
class Text(RuleKind):
    """Numbers the narrative states (received, carried over, reviews, lawsuits) against the tables."""

    def check(self, params: AgencyYear, rule: Rule) -> list[Finding]:
        return check_text(params, rule)


def check_text(params: AgencyYear, rule: Rule) -> list[Finding]:
    """Findings of a ``text`` rule: each statement the narrative makes that no reading of the tables matches."""
    findings = []
    paragraphs = _paragraphs(params)
    for statement in rule.options.get("statements", ()):
        readings = [list(r) for r in statement["readings"]]
        values = [_value(params, r) for r in readings]
        if all(v is None for v in values):
            continue  # blank totals: reported as blank cells, nothing to compare
        claims: list[tuple[str | None, str, int]] = []
        for section, text in paragraphs:
            for pattern in statement.get("numbers", ()):
                claims += [(section, m.group(0), int(m.group("n"))) for m in re.finditer(pattern, text)]
            for pattern in statement.get("none", ()):
                claims += [(section, m.group(0), 0) for m in re.finditer(pattern, text)]
        for section, said, number in claims:
            if any(v is not None and v == number for v in values):
                continue
            if any(v is None for v in values):
                continue  # another reading might match once the blank is filled in
            first = next(i for i, v in enumerate(values) if v is not None)
            others = [
                _other_reading(params, readings[first], r, v)
                for r, v in zip(readings, values, strict=True)
                if r is not readings[first] and v is not None and v != values[first]
            ]
            message = (
                f"正文称“{said}”" + ("" if str(number) in said else f"（即{statement['about']}{number}件）") + "，"
                f"但{_reading_label(params, readings[first])}为{values[first]}"
                + (f"（{'；'.join(others)}）" if others else "")
                + "。"
            )
            findings.append(
                failed_finding(
                    params,
                    rule,
                    message,
                    table=readings[first][0].split(".", 1)[0],
                    left=number,
                    right=values[first],
                    difference=number - values[first],  # type: ignore[operator]
                    cells=tuple(readings[first]),
                    section=section,
                    extra={"said": said, "about": statement["about"]},
                )
            )
    return findings


@register("headings")
class Headings(RuleKind):
    """Section headings as published (``source.headings``) that deviate from the format's wording."""

    def check(self, params: AgencyYear, rule: Rule) -> list[Finding]:
        if params.source is None:
            return []
        findings = []
        for section in params.fmt.sections:
            published = params.source.headings.get(section.key)
            if published is None or published.strip() == section.heading:
                continue
            message = f"“{section.heading}”部分在原文中的标题为“{published}”，与格式规定的“{section.heading}”不一致。"
            findings.append(
                failed_finding(
                    params,
                    rule,
                    message,
                    section=section.key,
                    extra={"published": published, "expected": section.heading},
                )
            )
        return findings


def _date(year: int, spec: dict) -> dt.date:
    return dt.date(year, int(spec["month"]), int(spec["day"]))


@register("deadline")
class Deadline(RuleKind):
    """The issue date against 第四十九条's deadline (later for a 县级以上 government's own report)."""

    def check(self, params: AgencyYear, rule: Rule) -> list[Finding]:
        o = rule.options
        government = bool(o.get("government_name")) and re.search(o["government_name"], params.agency.name) is not None
        due = _date(params.year + 1, o["government_due"] if government else o["due"])
        if params.issued is None:
            message = f"报告没有发布日期，无法核对是否在{due.year}年{due.month}月{due.day}日前发布。"
            return [failed_finding(params, rule, message, extra={"issued": None, "due": due.isoformat()})]
        if params.issued <= due:
            return []
        late = (params.issued - due).days
        message = f"发布日期{params.issued_text}晚于规定期限{due.year}年{due.month}月{due.day}日（晚{late}天）。"
        extra = {"issued": params.issued.isoformat(), "due": due.isoformat()}
        return [failed_finding(params, rule, message, extra=extra)]


@register("format_year")
class FormatYear(RuleKind):
    """A report that used a format no longer in force for its year (the 2019 tables in a 2022 report)."""

    def check(self, params: AgencyYear, rule: Rule) -> list[Finding]:
        notice = params.format_notice
        return [failed_finding(params, rule, notice, extra={"format": params.format})] if notice else []
