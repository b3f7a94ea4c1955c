"""A 图解 that cannot be made fails its report as a whole, saying so: a report's files are replaced only by a
complete new set, so the build keeps the last good ones (as for any failed report)."""

from __future__ import annotations

import json

from nianbao.batch.job import Job, run_job
from nianbao.params import load_params
from support import NOTEBOOK, SEED_PARAMS


def test_a_failing_graphic_notebook_fails_the_report_and_names_the_graphic():
    from nianbao.batch.warm_kernel import shutdown_all

    graphic = json.loads(NOTEBOOK.with_name("graphic.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in graphic["cells"] if "show_charts" in "".join(c["source"]))
    cell["source"] = ["raise RuntimeError('图表无法绘制')"]
    job = Job(
        params_name="params/wltzq-hailiutu/2023.yaml",
        params=load_params(SEED_PARAMS).to_params(),
        notebook=NOTEBOOK.read_text(encoding="utf-8"),
        parameters={"findings": [], "decisions": []},
        graphic=json.dumps(graphic, ensure_ascii=False),
    )
    try:
        out = run_job(job)
    finally:
        shutdown_all()
    assert not out.ok and out.step == "execute"
    assert "图解笔记本" in out.message and "图表无法绘制" in out.message
    assert out.files == {}, "no partial set of files to publish"
