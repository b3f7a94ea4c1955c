"""Each displayed part of a report as plain data (JSON), shown beside its HTML in one display bundle.

The HTML of a part is for reading; this is the same content for exporters that lay the document out
themselves (``nianbao.publish.word`` builds report.docx from it) instead of parsing HTML back. A part
names its format version; the table's structure (labels, header merges) is not repeated here: it is
the format's, read from ``nianbao.format`` by whoever lays the table out, exactly as the HTML does.
Cell values are the texts the HTML prints ("" for a blank cell, "0" for a zero).

Runs inside the Jupyter kernel; pure data in, pure data out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nianbao.model import AgencyYear


def front(params: AgencyYear) -> dict[str, Any]:
    """The title (as its customary lines) and the opening paragraphs."""
    return {
        "part": "front",
        "format": params.format,
        "title_lines": list(params.title_lines),
        "paragraphs": list(params.preface),
    }


def section(params: AgencyYear, key: str, cells: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One section: its exact heading, paragraphs and sub-heads in order, and its table's cell texts."""
    sec = params.fmt.section(key)
    blocks = [{"text": b} if isinstance(b, str) else {"subhead": b.subhead} for b in params.narrative(key)]
    return {
        "part": "section",
        "format": params.format,
        "key": sec.key,
        "heading": sec.heading,
        "blocks": blocks,
        "table": sec.table,
        "cells": dict(cells or {}),
    }


def signature(params: AgencyYear) -> dict[str, Any]:
    """The signing agency and the date as the report prints them ("" when the report has no date)."""
    return {"part": "signature", "format": params.format, "agency": params.signature, "date": params.issued_text}
