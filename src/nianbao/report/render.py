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
MAX_LINKS = 4


def _selectors(refs: list[str]) -> Markup:
    """``td[data-cell='…']`` selectors for a <style> block (only well-formed refs; never escaped)."""
    return Markup(",\n".join(f"td[data-cell='{ref}']" for ref in refs if SAFE_REF.match(ref)))


def findings(params: AgencyYear, items: Sequence[Finding]) -> str:
    """The 校验结果 part: the findings table with links to cells, and a <style> highlighting them."""
    from nianbao.validation.findings import anchor, counts

    fmt = params.fmt

    def label(ref: str) -> str:
        try:
            table, record, field = fmt.cell(ref)
        except (KeyError, ValueError):
            return ref
        parts = [lab for lab in (record.labels[-1], field.label) if lab]
        return f"表{table.number} " + " / ".join(parts)

    def links(f: Finding) -> list[dict[str, str | None]]:
        out: list[dict[str, str | None]] = [
            {"anchor": anchor(ref), "ref": ref, "label": label(ref)} for ref in f.cells[:MAX_LINKS]
        ]
        if not out and f.section:
            try:
                heading = fmt.section(f.section).heading
            except KeyError:
                heading = f.section
            out.append({"anchor": f"section-{f.section}", "ref": None, "label": heading})
        return out

    error_cells: list[str] = []
    warning_cells: list[str] = []
    blank_cells: list[str] = []
    for f in items:
        target = blank_cells if f.status == "blank" else (error_cells if f.is_error else warning_cells)
        # A failed sum marks every cell it involves; a sum that could not be evaluated marks nothing
        # beyond the blank cell itself (which its own blank finding marks).
        if f.status == "not_evaluated":
            continue
        target += [ref for ref in f.cells if ref not in target]
    return (
        environment()
        .get_template("report/findings.html.j2")
        .render(
            findings=list(items),
            counts=counts(items),
            links=links,
            max_links=MAX_LINKS,
            error_cells=error_cells,
            warning_cells=[c for c in warning_cells if c not in error_cells],
            blank_cells=[c for c in blank_cells if c not in error_cells],
        )
    )
