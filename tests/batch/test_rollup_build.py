"""A real build of a county (本级政府汇总) and its three children: the roll-up finding reaches the county's
review.html, findings.json and provenance, and a changed child rebuilds the county with it.

The build is the pipeline ``nianbao build`` runs (papermill in a kernel, Great Expectations, nbconvert), in
this process and with the HTML outputs only: the PDF and the Word file add nothing to what is checked here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from nianbao.batch.pipeline import build
from nianbao.project import Project
from support import COUNTY_ID, county_params, edit_params, make_project


def built(project: Path) -> list[str]:
    """Build the project's params/ (HTML outputs only); the agency-years built, sorted."""
    summary = build(Project(project), [project / "params"], jobs=2, formats=("html",))
    assert not summary.failed, [s.message for s in summary.failed]
    return sorted(s.agency_id for s in summary.built)


def test_build_shows_the_rollup_finding_and_a_changed_child_rebuilds_its_parent(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    shutil.rmtree(project / "params")
    files = county_params(project / "params")

    def more_licences(d: dict) -> None:
        d["tables"]["t2"]["licensing"] += 5

    edit_params(files["xian-jyj"], more_licences)
    assert built(project) == [COUNTY_ID, "xian-fgj", "xian-jyj", "xian-zhen"]

    out = project / "build" / "2023" / COUNTY_ID
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    rollup = [f for f in found["findings"] if f["rule_id"] == "R-rollup"]
    assert [(f["severity"], f["status"], f["cells"], f["difference"]) for f in rollup] == [
        ("error", "failed", ["t2.licensing.decisions"], -5)
    ]
    review = (out / "review.html").read_text(encoding="utf-8")
    where = "表二（主动公开政府信息情况）「行政许可」行「本年处理决定数量」列：本报告（本级政府汇总）为"
    assert where in review and "3 个下级机关报告之和为" in review and "相差-5" in review
    # The cell itself says what the children add up to (the annotation of a failed total).
    cell = re.search(r'<td[^>]*id="cell-t2-licensing-decisions"[^>]*>', review)
    assert cell and "应为" in cell.group(0) and "差 -5" in cell.group(0)
    # The public page stays clean; the provenance names each child's params file.
    assert "下级机关报告之和" not in (out / "report.html").read_text(encoding="utf-8")
    provenance = found["provenance"]
    assert sorted(provenance["children"]) == ["xian-fgj", "xian-jyj", "xian-zhen"]
    assert "下级机关参数文件 sha256" in review
    # A child with no finding of its own has no roll-up finding either (本机关).
    child = json.loads((project / "build" / "2023" / "xian-fgj" / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in child["findings"] if f["rule_id"] == "R-rollup"]

    # The county corrects nothing, but the education bureau fixes its figure: both are rebuilt, the
    # other children are not, and the county's finding is gone.
    edit_params(files["xian-jyj"], lambda d: d["tables"]["t2"].update(licensing=d["tables"]["t2"]["licensing"] - 5))
    assert built(project) == [COUNTY_ID, "xian-jyj"]
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in found["findings"] if f["rule_id"] == "R-rollup"]
    assert found["provenance"]["children"] != provenance["children"]
