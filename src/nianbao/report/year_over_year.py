"""The 与上年度比较 part of the review copy: this year's report beside last year's.

Review copy only (review.html and the notebook), never the public report. Two things, both computed by
the same functions as the year-over-year rules (``nianbao.rules.changes``, ``nianbao.rules.repetition``),
so the page and the findings never disagree:

- **the tables**: every value cell of review.html gets a small note under its value — "上年 12", "+3",
  "+25%" (pieces that wrap as wholes in a narrow column); nothing visible when unchanged (the tooltip
  says "与上年相同"), "不可比" (with the reason as tooltip) when last year's report was
  in another format without that cell — written into the page by ``nianbao.publish.annotate`` from this
  part's output metadata; the block itself lists the watched cells that changed, swings first;
- **the text**: the 重复率 of each section, with the sentences that repeat last year's listed under it.

Last year's report comes as its params (the build passes them to the notebook); read through the
comparable-cells mapping when its format differs. Without last year's report the part says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nianbao.report.render import environment
from nianbao.rules.changes import CellChange, compare_cells, is_swing, watched
from nianbao.rules.repetition import repetition
from nianbao.rules.wording import number
from nianbao.validation.findings import anchor

if TYPE_CHECKING:
    from nianbao.format import Rule
    from nianbao.model import AgencyYear


def _rule(params: AgencyYear, kind: str) -> Rule | None:
    return next((r for r in params.fmt.rules if r.kind == kind), None)


def read_previous(params: AgencyYear, prev: AgencyYear | None) -> Any:
    """``prev`` as this year's format reads it (None: no previous year, or a pair of formats not compared)."""
    from nianbao.validation.previous import previous_for

    if prev is None or prev.agency.id != params.agency.id or prev.year != params.year - 1:
        return None
    return previous_for(prev, params.fmt)


def note(change: CellChange, swing: bool = False) -> dict[str, str]:
    """What a cell shows under its value: class, the lines, and a tooltip."""
    if not change.comparable:
        return {"class": "yoy-na", "lines": "不可比", "title": f"与上年不可比：{change.reason}"}
    if change.last is None:
        return {"class": "yoy-na", "lines": "上年空白", "title": "上年度报告此格为空白"}
    last = number(change.last)
    if change.now is None:
        return {"class": "yoy-na", "lines": f"上年 {last}", "title": f"上年 {last}，本年空白"}
    if not change.changed:
        return {"class": "yoy-same", "lines": "", "title": f"与上年相同（{last}）"}
    pct = change.percent()
    second = f"{change.delta_text()}\n{pct}" if pct else change.delta_text()
    cls = "yoy-swing" if swing else ("yoy-up" if change.delta > 0 else "yoy-down")  # type: ignore[operator]
    return {
        "class": cls,
        "lines": f"上年 {last}\n{second}",
        "title": f"上年 {last}，本年 {number(change.now)}，{change.delta_text()}" + (f"（{pct}）" if pct else ""),
    }


def cell_notes(params: AgencyYear, prev: Any) -> dict[str, dict[str, str]]:
    """Cell ref → its note (plain data: the notebook passes it to the review exporter as metadata)."""
    if prev is None:
        return {}
    rule = _rule(params, "swing")
    return {
        ref: note(c, bool(rule and watched(rule, ref) and is_swing(rule, params, c)))
        for ref, c in compare_cells(params, prev).items()
    }


def _place(params: AgencyYear, ref: str) -> str:
    table, record, field = params.fmt.cell(ref)
    return f"表{table.number}「" + " / ".join(lab for lab in (record.labels[-1], field.label) if lab) + "」"


def render(params: AgencyYear, prev_params: AgencyYear | None, prev: Any) -> str:
    """The 与上年度比较 block (HTML)."""
    rows: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []
    swing_rule, text_rule = _rule(params, "swing"), _rule(params, "repeated_text")
    n_apart = 0
    if prev is not None:
        for ref, c in compare_cells(params, prev).items():
            n_apart += not c.comparable
            if not c.changed or (swing_rule and not watched(swing_rule, ref)):
                continue
            swing = bool(swing_rule and is_swing(swing_rule, params, c))
            rows.append(
                {
                    "ref": ref,
                    "anchor": anchor(ref),
                    "place": _place(params, ref),
                    "last": number(c.last),
                    "now": number(c.now),
                    "delta": c.delta_text(),
                    "percent": c.percent() or "上年为0",
                    "swing": swing,
                }
            )
        rows.sort(key=lambda r: not r["swing"])
    limit = float(text_rule.options.get("max_share", 0.5)) if text_rule else 0.5
    if prev is not None and text_rule is not None:
        min_section = int(text_rule.options.get("min_section_chars", 40))
        for sec in repetition(params, prev, text_rule):
            if not sec.sentences:
                continue
            share = sec.share
            sections.append(
                {
                    "sec": sec,
                    "flagged": share is not None and float(share) > limit and sec.counted >= min_section,
                    "repeated": [s for s in sec.sentences if s.status == "repeated"],
                    "n_boilerplate": sum(1 for s in sec.sentences if s.status == "boilerplate"),
                }
            )
    return (
        environment()
        .get_template("report/year_over_year.html.j2")
        .render(
            params=params,
            prev=prev,
            prev_format=getattr(prev, "published_in", None) or (prev_params.fmt if prev_params else None),
            rows=rows,
            n_apart=n_apart,
            sections=sections,
            limit=limit,
            swing_rule=swing_rule,
        )
    )
