"""Point at the culprit in review.html: mark the table cells the findings are about.

The report's tables are the same in the public page and the reviewer's copy (one notebook); the
校验结果 part leaves, as output metadata, a mark for every cell a finding points at (its class — the
total of a failed sum, a part of it, a side of a balance, a blank cell —, a tooltip naming every
finding about it, the item to link back to, and for a failed total the note "应为 26 · 差 +1").
``annotate`` writes those marks into the review page's ``<td data-cell=…>`` tags: a class, a
``title`` tooltip, its row and column labels (``data-label``, shown beside the cell when a finding's
link leads to it), the value as a link back to its finding and the note as visible text (so it
prints). The 与上年度比较 part leaves, the same way, each cell's note beside last year's ("上年 12",
"+3", "+25%", "不可比"), written under the value. The public page is never annotated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from nianbao.report.meta import REVIEW_CELLS_KEY, REVIEW_YOY_KEY

# A value cell as the table templates write it (attributes in any order), its value as plain text.
_CELL = re.compile(r'<td(?P<attrs>[^>]*\sdata-cell="(?P<ref>[^"]+)"[^>]*)>(?P<value>[^<]*)</td>')
_CLASS = re.compile(r' class="(?P<cls>[^"]*)"')


def review_cells(nb: Any, key: str = REVIEW_CELLS_KEY) -> dict[str, Mapping[str, str]]:
    """The cell marks the notebook's 校验结果 part left (empty when it left none); with
    ``key=REVIEW_YOY_KEY``, the notes of the 与上年度比较 part."""
    marks: dict[str, Mapping[str, str]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found = output.get("metadata", {}).get(key)
            if found:
                marks.update(found)
    return marks


def review_yoy(nb: Any) -> dict[str, Mapping[str, str]]:
    """Each cell beside last year's, as the 与上年度比较 part left it (empty without last year's report)."""
    return review_cells(nb, REVIEW_YOY_KEY)


def _yoy_note(found: Mapping[str, str] | None) -> str:
    """The small note under a value: 上年 12 / +3 / +25%, each piece kept whole when a narrow column wraps
    (its tooltip says it in one line); nothing for a cell without a visible note (unchanged)."""
    if not found or not found.get("lines"):
        return ""
    lines = " ".join(f"<span>{html.escape(line)}</span>" for line in found["lines"].split("\n"))
    return (
        f'<span class="cell-yoy {html.escape(found.get("class", ""))}" '
        f'title="{html.escape(found.get("title", ""))}">{lines}</span>'
    )


def annotate(
    page: str, marks: Mapping[str, Mapping[str, str]], yoy: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """``page`` with every marked cell carrying its class, tooltip, link back and note, and every cell
    of ``yoy`` its note beside last year's."""
    yoy = yoy or {}
    if not marks and not yoy:
        return page

    def mark(m: re.Match[str]) -> str:
        ref, attrs, value = m["ref"], m["attrs"], m["value"]
        found = marks.get(html.unescape(ref))
        change = _yoy_note(yoy.get(html.unescape(ref)))
        if found is None:
            return f"<td{attrs}>{value}{change}</td>" if change else m[0]
        cls = found.get("class", "")
        existing = _CLASS.search(attrs)
        if existing:
            attrs = _CLASS.sub(f' class="{existing["cls"]} {cls}"', attrs, count=1)
        else:
            attrs += f' class="{cls}"'
        attrs += f' title="{html.escape(found.get("title", ""))}"'
        if found.get("label"):
            attrs += f' data-label="{html.escape(found["label"])}"'
        label = "空白" if not value.strip() else value
        link = (
            f'<a class="cell-link" href="#{html.escape(found.get("item", ""))}" '
            f'aria-label="{html.escape(label)}：见校验结果">{value}</a>'
        )
        note = found.get("note")
        if note:
            lines = "<br>".join(html.escape(part) for part in note.split(" · "))
            link += f'<span class="cell-note">{lines}</span>'
        return f"<td{attrs}>{link}{change}</td>"

    return _CELL.sub(mark, page)
