"""HTML fragments of a report (title, sections, signature), rendered with jinja2.

All text from params is autoescaped: no raw HTML from a params file reaches the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from nianbao.model import AgencyYear
    from nianbao.validation.findings import Finding


@cache
def environment() -> jinja2.Environment:
    root = resources.files("nianbao") / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["selectors"] = _selectors
    env.filters["keep_end"] = keep_end
    env.filters["breakable"] = breakable
    return env


# The characters that end a heading and are never left alone on its last line.
KEEP_END = 2
# A run of Latin letters, digits and URL punctuation long enough to leave a gap at a line's end when
# it cannot break (a telephone number, a web address, a document number).
LONG_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9./:_\-@%?=&#+~]{8,}")


def keep_end(text: str, n: int = KEEP_END) -> Markup:
    """``text`` with its last ``n`` characters bound together: a heading that wraps never ends in one
    stranded character. The text itself is unchanged (the binding is a ``<span class="nobr">``)."""
    text = str(text)
    if len(text) <= n:
        return Markup(escape(text))
    return Markup(f'{escape(text[:-n])}<span class="nobr">{escape(text[-n:])}</span>')


def breakable(text: str) -> Markup:
    """A paragraph whose long Latin or digit runs may break between any two characters (``<wbr>``).

    Chinese text breaks between any two characters, but a telephone number or a web address does
    not; without this, the line before one is spread out character by character to fill the measure
    ("与 乌 拉 特 … 联 系 （ 电 话 ："). Short numbers (years, counts) keep their digits together, and
    the text itself is unchanged: ``<wbr>`` adds no character to the page or to copied text.
    (WeasyPrint 70 ignores ``word-break: break-all`` on an inline span, and on a whole paragraph it
    also lets a line begin with 。, so the break opportunities are in the markup.)
    """
    out, last = [], 0
    text = str(text)
    for m in LONG_TOKEN.finditer(text):
        out += [escape(text[last : m.start()]), Markup("<wbr>").join(escape(ch) for ch in m.group())]
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def front(params: AgencyYear) -> str:
    """Title and opening paragraph(s)."""
    return environment().get_template("report/front.html.j2").render(p=params)


def section(params: AgencyYear, key: str, table_html: str = "") -> str:
    """One of the six sections under the format's exact heading, whatever the source numbered it."""
    sec = params.fmt.section(key)
    # A grid table (表三, 表四) is wider than a phone: on one, it scrolls in its box under a hint.
    wide = bool(sec.table) and params.fmt.tables[sec.table].layout == "grid"
    return (
        environment()
        .get_template("report/section.html.j2")
        .render(section=sec, blocks=params.narrative(key), table_html=table_html, wide=wide)
    )


def signature(params: AgencyYear) -> str:
    return environment().get_template("report/signature.html.j2").render(p=params)


# A cell reference as it may appear inside a CSS attribute selector (the format's keys are ASCII).
SAFE_REF = re.compile(r"^[A-Za-z0-9_.-]+$")


def _selectors(refs: list[str]) -> Markup:
    """``td[data-cell='…']`` selectors for a <style> block (only well-formed refs; never escaped)."""
    return Markup(",\n".join(f"td[data-cell='{ref}']" for ref in refs if SAFE_REF.match(ref)))


def findings(params: AgencyYear, items: Sequence[Finding]) -> str:
    """The 校验结果 part: the findings grouped for reviewers (``nianbao.validation.grouping``), each
    item linked to its cells, and a <style> marking the cells: the total of a failed sum apart from
    its parts, blank cells, warnings. Takes any list of findings (e.g. only the open ones)."""
    from nianbao.validation.findings import counts
    from nianbao.validation.grouping import group_findings

    items = list(items)
    groups = group_findings(params.fmt, items)
    marks = cell_marks(params, items)
    by_class: dict[str, list[str]] = {}
    for ref, mark in marks.items():
        by_class.setdefault(mark["class"], []).append(ref)
    return (
        environment()
        .get_template("report/findings.html.j2")
        .render(
            findings=items,
            groups=groups,
            n_items=sum(len(g.items) for g in groups),
            counts=counts(items),
            by_class=by_class,
            notes={ref: m["note"] for ref, m in marks.items() if m.get("note")},
            roles={m["class"] for m in marks.values()},
            legend=list(CELL_CLASSES.items()),
        )
    )


# How a reviewer is shown what a cell plays in the findings, strongest first: the class its <td> gets
# in review.html, and the legend's words.
CELL_CLASSES = {
    "cell-total": "合计不符的合计单元格（应为 … / 差 …）",
    "cell-part": "参与该合计的单元格",
    "cell-side": "不平衡的两边（第一项加第二项、第三项加第四项）",
    "cell-error": "有误的单元格",
    "cell-warning": "有警告的单元格",
    "cell-blank": "空白单元格",
}
_ROLE_CLASS = {"total": "cell-total", "part": "cell-part", "left": "cell-side", "right": "cell-side"}


def cell_marks(params: AgencyYear, items: Sequence[Finding]) -> dict[str, dict[str, str]]:
    """For every cell a finding points at: its class (the strongest role it plays), the tooltip (every
    item about it), the item it links back to, its row and column labels (shown beside the cell when
    a link leads to it, so a phone that scrolled the table's labels away still says which cell it is)
    and, for the total of a failed sum, the visible note "应为 26 · 差 +1". Plain data: the notebook
    passes it to the review exporter as output metadata."""
    from nianbao.rules.wording import number
    from nianbao.validation.grouping import cell_place, group_findings

    rank = list(CELL_CLASSES)
    out: dict[str, dict[str, str]] = {}
    for group in group_findings(params.fmt, list(items)):
        for item in group.items:
            if item.status == "not_evaluated":
                continue  # a sum that could not be checked marks nothing beyond its blank cells
            for ref in item.cells:
                role = item.roles.get(ref)
                if item.status == "blank":
                    cls, tip = "cell-blank", f"空白：{item.text}"
                elif role:
                    cls = _ROLE_CLASS[role] if item.severity == "error" else "cell-warning"
                    tip = f"{group.title}：参与该合计" if role == "part" else f"{group.title}：{item.text}"
                else:
                    cls = "cell-error" if item.severity == "error" else "cell-warning"
                    tip = item.text
                note = ""
                if ref in item.expected:
                    actual, expected, diff = item.expected[ref]
                    sign = "+" if diff > 0 else ""
                    note = f"应为 {number(expected)} · 差 {sign}{number(diff)}"
                    tip = f"{group.title}：实为 {number(actual)}，应为 {number(expected)}，差 {sign}{number(diff)}"
                label = cell_place(params.fmt, ref).label
                mark = out.setdefault(ref, {"class": cls, "title": "", "item": item.id, "note": "", "label": label})
                if rank.index(cls) < rank.index(mark["class"]):
                    mark["class"] = cls
                mark["title"] = "\n".join(t for t in (mark["title"], f"{item.id.split('-')[-1]}. {tip}") if t)
                if note and not mark["note"]:
                    mark["note"] = note
    return out
