"""What validation reports: one ``Finding`` per broken, unverifiable or suspicious thing in an agency-year.

A finding is plain data (no Great Expectations types) so that the notebook, the review page,
``findings.json``, the CLI and the batch index can all show it. Cell references are the format's
stable ones (``t4.suit_after_review.total``); ``anchor`` turns one into the HTML id of its table cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Severity = Literal["error", "warning"]
# failed: the rule was evaluated and does not hold; not_evaluated: a blank operand (or missing
# previous-year cell) makes it impossible to evaluate; blank: the blank-cell warning itself.
Status = Literal["failed", "not_evaluated", "blank"]
Number = int | Decimal

SEVERITIES: tuple[Severity, ...] = ("error", "warning")
STATUSES: tuple[Status, ...] = ("failed", "not_evaluated", "blank")


def anchor(ref: str) -> str:
    """The HTML id of a cell's ``<td>`` in the report: ``cell-t3-outcome-total-total``."""
    return "cell-" + ref.replace(".", "-")


def _number_out(v: Number | None) -> int | str | None:
    if v is None or isinstance(v, int):
        return v
    return str(v)


def _number_in(v: Any) -> Number | None:
    if v is None or isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else Decimal(str(v))
    return Decimal(str(v))


@dataclass(frozen=True)
class Finding:
    """One result of validating an agency-year against a rule of the format."""

    rule_id: str
    severity: Severity
    status: Status
    agency_id: str
    year: int
    table: str | None
    message: str
    left: Number | None = None
    right: Number | None = None
    difference: Number | None = None
    cells: tuple[str, ...] = ()
    section: str | None = None  # a narrative section key, for findings about text or headings
    title: str = ""  # the rule's Chinese title, from the format
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Where the finding is, as the message opens with it (表三（…）「一、…」行); "" when unknown. Findings
    # that say the same thing about different places are merged for reviewers by it.
    where: str = ""
    # What part each cell plays in a failed rule: "total" (the checked cell, whose value should be
    # ``right``), "part" (a cell it adds up), "left"/"right" (the two sides of a balance).
    roles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        object.__setattr__(self, "cells", tuple(self.cells))

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def anchors(self) -> list[str]:
        return [anchor(ref) for ref in self.cells]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: Decimals as strings, cells as a list."""
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "agency_id": self.agency_id,
            "year": self.year,
            "table": self.table,
            "section": self.section,
            "message": self.message,
            "left": _number_out(self.left),
            "right": _number_out(self.right),
            "difference": _number_out(self.difference),
            "cells": list(self.cells),
            "extra": dict(self.extra),
            "where": self.where,
            "roles": dict(self.roles),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            rule_id=data["rule_id"],
            severity=data["severity"],
            status=data["status"],
            agency_id=data["agency_id"],
            year=int(data["year"]),
            table=data.get("table"),
            message=data["message"],
            left=_number_in(data.get("left")),
            right=_number_in(data.get("right")),
            difference=_number_in(data.get("difference")),
            cells=tuple(data.get("cells") or ()),
            section=data.get("section"),
            title=data.get("title", ""),
            extra=dict(data.get("extra") or {}),
            where=data.get("where") or "",
            roles=dict(data.get("roles") or {}),
        )


def coerce(findings: Iterable[Finding | Mapping[str, Any]]) -> list[Finding]:
    """Findings as objects, whether given as objects or as their ``to_dict()`` form (papermill)."""
    return [f if isinstance(f, Finding) else Finding.from_dict(f) for f in findings]


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity: {"error": n, "warning": m}."""
    out = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        out[f.severity] += 1
    return out


def document(
    agency_id: str,
    year: int,
    findings: Iterable[Finding | Mapping[str, Any]],
    *,
    format_version: str | None = None,
    **meta: Any,
) -> dict[str, Any]:
    """The content of ``findings.json``: who, how many of each severity, the findings grouped as
    reviewers read them (``nianbao.validation.grouping``; each item lists the indices of its
    findings) and every atomic finding. ``format_version``: the report's format (default: the year's)."""
    from nianbao import __version__
    from nianbao.format import DEFAULT_FORMAT, format_for_year, get_format
    from nianbao.validation.grouping import group_findings, groups_to_dict

    found = coerce(findings)
    fmt = get_format(format_version or format_for_year(year) or DEFAULT_FORMAT)
    return {
        "agency_id": agency_id,
        "year": year,
        "nianbao": __version__,
        **meta,
        "counts": counts(found),
        "groups": groups_to_dict(group_findings(fmt, found)),
        "findings": [f.to_dict() for f in found],
    }


def dumps(doc: Mapping[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
