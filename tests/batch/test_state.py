"""The state record: one typed ReportState, written and read back whole; records it cannot read (an
older layout, a truncated file) count as no record, so the report is rebuilt instead of the build failing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import html as lhtml

from nianbao.batch.pipeline import Entry, is_current
from nianbao.batch.state import (
    STEP_LABELS,
    OutputFile,
    ReportState,
    StateUnreadable,
    all_states,
    read_state,
    state_path,
    write_state,
)
from nianbao.project import Project
from nianbao.publish.index import render_index

BUILT = ReportState(
    "params/town/2023.yaml",
    "built",
    agency_id="town",
    year=2023,
    agency="某某镇人民政府",
    title="某某镇人民政府2023年政府信息公开工作年度报告",
    key="k" * 64,
    errors=1,
    warnings=3,
    outputs=("report.html", "findings.json", "review.html"),
    seconds=1.25,
)
FAILED = ReportState.failure("params/town/2022.yaml", "execute", "第 3 个代码单元格出错", agency_id="town", year=2022)

# What the build wrote before the record was typed: 13 keys, no layout.
OLD_LAYOUT = {
    "params_file": "params/town/2023.yaml",
    "agency_id": "town",
    "agency": "某某镇人民政府",
    "year": 2023,
    "title": "",
    "key": "k" * 64,
    "seconds": 1.0,
    "errors": 0,
    "warnings": 0,
    "status": "built",
    "step": "",
    "message": "",
    "outputs": ["report.html"],
}


@pytest.mark.parametrize("state", [BUILT, FAILED, ReportState.failure("x.yaml", "params", "找不到此参数文件")])
def test_state_round_trips_through_json(state: ReportState):
    text = state.to_json()
    assert ReportState.from_json(text) == state
    assert ReportState.from_json(text.encode("utf-8")) == state
    assert json.loads(text)["outputs"] == sorted(state.outputs)


def test_status_and_step_are_checked():
    with pytest.raises(ValueError):
        ReportState("a.yaml", "done")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ReportState.failure("a.yaml", "publish", "…")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ReportState("a.yaml", "failed")  # a failure names its step
    with pytest.raises(ValueError):
        ReportState("a.yaml", "built", step="execute")


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(OLD_LAYOUT),
        b'{"layout": 2, "params_file": ',
        b"\xff\xfe",
        b"[]",
        json.dumps({**BUILT.to_dict(), "status": "?"}),
    ],
    ids=["older layout", "truncated", "not utf-8", "not a mapping", "bad status"],
)
def test_an_unreadable_state_is_no_state_and_the_report_is_rebuilt(tmp_path: Path, content: str | bytes):
    project = Project(tmp_path)
    path = state_path(project, "town", 2023)
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with pytest.raises(StateUnreadable):
        ReportState.from_json(path.read_bytes())
    assert read_state(path) is None and all_states(project) == []
    entry = Entry(tmp_path / "params/town/2023.yaml", "params/town/2023.yaml", "town", 2023, tmp_path / "2022.yaml")
    entry.key = "k" * 64
    assert not is_current(project, entry, read_state(path))


def test_written_state_is_read_back_and_decides_currency(tmp_path: Path):
    project = Project(tmp_path)
    write_state(project, BUILT)
    assert read_state(state_path(project, "town", 2023)) == BUILT
    entry = Entry(tmp_path / "params/town/2023.yaml", BUILT.params_file, "town", 2023, tmp_path / "x.yaml", BUILT.key)
    assert not is_current(project, entry, BUILT), "its outputs are missing"
    out = project.out_dir("town", 2023)
    for name in BUILT.outputs:
        out.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("x")
    assert not is_current(project, entry, BUILT), "a record without the outputs' digests cannot vouch for them"
    built = replace(BUILT, files=tuple(OutputFile.of(out / name) for name in BUILT.outputs))
    write_state(project, built)
    assert read_state(state_path(project, "town", 2023)) == built
    assert is_current(project, entry, built)
    (out / "review.html").write_text("y")  # same size, other bytes, another time
    assert not is_current(project, entry, built), "a changed output is made again"
    (out / "review.html").write_text("x")  # the same bytes again, only the time moved
    assert is_current(project, entry, built)
    (out / "report.html").write_bytes(b"")
    assert not is_current(project, entry, built), "an empty output is made again"
    (out / "report.html").write_text("x")
    entry.key = "changed"
    assert not is_current(project, entry, built)


def test_every_step_has_a_chinese_label_on_the_index_page():
    states = [
        ReportState.failure(f"params/a{i}/2023.yaml", step, f"{step} 失败", agency_id=f"a{i}", year=2023)
        for i, step in enumerate(STEP_LABELS)
    ]
    page = lhtml.fromstring(render_index([*states, BUILT]))
    summaries = [s.text for s in page.xpath("//details/summary")]
    assert summaries == [f"{STEP_LABELS[s.step]}出错" for s in states]  # same order: agency ids a0, a1, …
    assert summaries[list(STEP_LABELS).index("validate")] == "校验出错"
    assert not any(step in text for text in summaries for step in STEP_LABELS), "no English step names"
    links = page.xpath("//td[@data-params='params/town/2023.yaml']//a/@href")
    assert links == [
        "2023/town/review.html",
        "2023/town/review.html#校验结果",
        "2023/town/report.html",
        "2023/town/findings.json",
    ]


def test_a_failed_rebuild_that_kept_its_outputs_is_marked_stale_on_the_index_page():
    stale = replace(
        ReportState.failure("params/town/2023.yaml", "execute", "工作进程异常退出", agency_id="town", year=2023),
        outputs=BUILT.outputs,
        built_at="2026-01-20T08:30:00Z",
    )
    assert stale.stale and not FAILED.stale and not BUILT.stale
    assert stale.stale_note == "上次成功生成于 2026-01-20 08:30:00 UTC，本次失败：执行笔记本"
    page = lhtml.fromstring(render_index([stale]))
    note = page.xpath("//p[@class='stale-note']")[0]
    assert note.text.startswith("上次成功生成于 2026-01-20 08:30:00 UTC，本次失败：执行笔记本")
    hrefs = {h.split("#")[0] for h in page.xpath("//a/@href")}
    assert {f"2023/town/{name}" for name in BUILT.outputs} <= hrefs  # still linked
    assert ReportState.from_json(stale.to_json()) == stale
