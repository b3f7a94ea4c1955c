"""build/index.html: the page reviewers start from (static, no external assets, works from file://)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from nianbao.report.render import environment

# Output files in the order the index links them, with their link text.
LINKS = (
    ("report.html", "报告"),
    ("review.html", "审核版"),
    ("report.pdf", "PDF"),
    ("report.ipynb", "笔记本"),
    ("findings.json", "校验结果"),
)


DEFAULTS = {
    "agency": "",
    "agency_id": "",
    "year": None,
    "status": "failed",
    "step": "",
    "message": "",
    "errors": 0,
    "warnings": 0,
    "outputs": [],
}


def render_index(states: list[dict[str, Any]]) -> str:
    states = [{**DEFAULTS, **s} for s in states]
    rows = sorted(states, key=lambda s: (-int(s.get("year") or 0), s.get("agency_id") or "", s.get("params_file", "")))
    for row in rows:
        base = f"{row.get('year')}/{row.get('agency_id')}/"
        outputs = set(row.get("outputs", []))
        row["links"] = [(label, base + name) for name, label in LINKS if name in outputs]
    status = Counter(r.get("status") for r in rows)
    counts = {
        "total": len(rows),
        "built": status.get("built", 0),
        "failed": status.get("failed", 0),
        "errors": sum(r.get("errors", 0) for r in rows),
        "warnings": sum(r.get("warnings", 0) for r in rows),
    }
    years = sorted({r["year"] for r in rows if r.get("year")}, reverse=True)
    return environment().get_template("index/index.html.j2").render(rows=rows, counts=counts, years=years)
