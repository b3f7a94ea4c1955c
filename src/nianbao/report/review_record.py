"""The 审核记录 block of review.html: reviewers' decisions on this agency-year's findings.

Shown after the 校验结果 block (which lists only the open findings): each decision with its conclusion,
the rule's Chinese title, the cells it names (linked), the reason, who recorded it and when, and how it
stands now — 已审核, 需复核 (a value it was made on has changed: recorded and current values shown) or
问题已消失. Cells a decision in force covers are outlined in a calm colour, never as errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nianbao.report.render import environment
from nianbao.validation.findings import anchor

if TYPE_CHECKING:
    from nianbao.model import AgencyYear
    from nianbao.validation.decisions import Review


def cell_name(params: AgencyYear, ref: str) -> str:
    """A cell as the template calls it: 表四「行政诉讼 / 复议后起诉」行「总计」列 (the ref itself when unknown)."""
    from nianbao.rules.wording import cell_label

    try:
        return cell_label(params.fmt, ref)
    except (KeyError, ValueError):
        return ref


def short_name(params: AgencyYear, ref: str) -> str:
    """A cell's short name, as the 校验结果 links call it: 表四 复议后起诉 / 总计."""
    try:
        table, record, field = params.fmt.cell(ref)
    except (KeyError, ValueError):
        return ref
    return f"表{table.number} " + " / ".join(label for label in (record.labels[-1], field.label) if label)


def render(params: AgencyYear, review: Review) -> str:
    from nianbao.rules.wording import number
    from nianbao.validation.decisions import DECISION_STATUSES, decision_status, titles

    names = titles(params.fmt)

    def shown(v: object) -> str:
        return "空白" if v is None else number(v)

    def when(iso: str) -> str:
        return iso[:16].replace("T", " ") + (" UTC" if iso.endswith(("+00:00", "Z")) else "")

    rows = []
    for n, a in enumerate(review.applied, 1):
        d = a.decision
        place = [
            {"anchor": anchor(ref), "label": short_name(params, ref), "title": cell_name(params, ref), "ref": ref}
            for ref in d.cells
        ]
        if not place and d.section:
            try:
                heading = params.fmt.section(d.section).heading
            except KeyError:
                heading = d.section
            place.append({"anchor": f"section-{d.section}", "label": heading, "title": heading, "ref": d.section})
        rows.append(
            {
                "id": f"decision-{n}",
                "a": a,
                "d": d,
                "status_key": decision_status(d.status).key,
                "title": names.get(d.rule, d.rule),
                "place": place,
                "changed": [(short_name(params, c), shown(was), shown(now)) for c, was, now in a.changed]
                + [
                    (f"{short_name(params, c)} 的对照值（应为）", shown(was), shown(now))
                    for c, was, now in a.expected_changed
                ],
                "covered": [review.findings[i] for i in a.covers],
                "when": when(d.time) if d.time else "",
            }
        )
    open_cells = {ref for f in review.open for ref in f.cells}
    decided_cells = sorted(
        {ref for a in review.applied if a.state == "in_force" for ref in a.decision.cells} - open_cells
    )
    return (
        environment()
        .get_template("report/review_record.html.j2")
        .render(
            rows=rows,
            counts=review.counts(),
            decided_cells=decided_cells,
            statuses=[s.label for s in DECISION_STATUSES],
        )
    )
