"""build/index.html: the page reviewers start from (static, no external assets, works from file://).

One row per agency-year, read from its state record (``nianbao.batch.state.ReportState``): status, the
failing step and why, the counts of findings and links to the files it published.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from nianbao.batch.state import STATUS_LABELS, ReportState
from nianbao.publish.outputs import OUTPUTS
from nianbao.report.render import environment

# Output files in the order the index links them, with their link text.
LINKS = tuple((o.filename, o.label) for o in OUTPUTS)


class Row(NamedTuple):
    state: ReportState
    links: list[tuple[str, str]]  # (link text, href relative to build/)


def row(state: ReportState) -> Row:
    base = f"{state.year}/{state.agency_id}/"
    outputs = set(state.outputs)
    return Row(state, [(label, base + name) for name, label in LINKS if name in outputs])


def render_index(states: list[ReportState]) -> str:
    ordered = sorted(states, key=lambda s: (-(s.year or 0), s.agency_id, s.params_file))
    status = Counter(s.status for s in ordered)
    counts = {
        "total": len(ordered),
        "built": status.get("built", 0),
        "failed": status.get("failed", 0),
        "errors": sum(s.errors for s in ordered),
        "warnings": sum(s.warnings for s in ordered),
    }
    years = sorted({s.year for s in ordered if s.year}, reverse=True)
    rows = [row(s) for s in ordered]
    return (
        environment()
        .get_template("index/index.html.j2")
        .render(rows=rows, counts=counts, years=years, status_labels=STATUS_LABELS)
    )
