"""The seed report: executed by papermill, exported by nbconvert, read back and compared."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
import yaml
from lxml import html as lhtml
from nbclient import NotebookClient

from nianbao.format import get_format
from nianbao.params import load_params
from nianbao.report.tables import format_value
from support import ROOT, SEED_ID, SEED_PARAMS, SEED_TEXT, make_project, nianbao


def text_of(el) -> str:
    return re.sub(r"\s+", "", el.text_content())


@pytest.fixture(scope="module")
def page(seed_build: Path):
    return lhtml.fromstring((seed_build / "report.html").read_bytes())


@pytest.fixture(scope="module")
def params():
    return load_params(SEED_PARAMS)


def test_outputs_written(seed_build: Path):
    assert {p.name for p in seed_build.iterdir() if not p.name.startswith(".")} >= {"report.html", "report.ipynb"}
    nb = nbformat.read(seed_build / "report.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["params_file"].endswith(f"{SEED_ID}/2023.yaml")


def test_page_is_a_clean_chinese_document(page, params):
    assert page.get("lang") == "zh-CN"
    assert page.findtext(".//title") == params.display_title
    body = lhtml.tostring(page, encoding="unicode")
    for leak in ("params_file", "nb.show", "In&nbsp;[", "jp-InputArea", "injected-parameters", "import "):
        assert leak not in body
    assert page.xpath("//style[contains(., '@page')]"), "print CSS present"


def test_round_trip_every_table_value(page, params):
    cells = page.xpath("//td[@data-cell]")
    fmt = get_format(params.format)
    expected = {t.cell_ref(r, f.key) for t in fmt.tables.values() for r, f in t.cells()}
    assert {c.get("data-cell") for c in cells} == expected
    for cell in cells:
        ref = cell.get("data-cell")
        value = params.tables[ref]
        shown = cell.text_content().strip()
        if value is None:
            assert shown == "" and "blank" in cell.get("class", "")
        elif isinstance(value, Decimal):
            assert Decimal(shown) == value
        else:
            assert int(shown) == value


def test_round_trip_every_narrative_paragraph(page, params):
    shown = [p.text_content() for p in page.xpath("//p[@class='body']")]
    expected = list(params.preface)
    for section in params.fmt.sections:
        expected += [b for b in params.narrative(section.key) if isinstance(b, str)]
    assert shown == expected


def seed_paragraphs() -> list[str]:
    """The seed's narrative paragraphs, headings and signature lines, as published."""
    lines = [ln.replace("[bookmark: _GoBack]", "").strip() for ln in SEED_TEXT.read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if len(ln) > 40]


def test_fidelity_with_the_seed_document(page):
    text = text_of(page)
    positions = []
    for para in seed_paragraphs():
        pos = text.find(re.sub(r"\s+", "", para))
        assert pos >= 0, para[:30]
        positions.append(pos)
    assert positions == sorted(positions), "paragraphs in the seed's order"
    headings = [h.text_content() for h in page.xpath("//h2[@class='section-heading']")]
    assert headings == [s.heading for s in get_format().sections]
    subheads = [h.text_content() for h in page.xpath("//h3[@class='subhead']")]
    assert subheads == [
        "（一）主动公开情况",
        "（二）依申请公开情况",
        "（三）政府信息管理情况",
        "（四）政府信息公开平台建设情况",
        "（五）监督保障情况",
    ]
    sig = [p.text_content() for p in page.xpath("//footer[@class='report-signature']/p")]
    assert sig == ["乌拉特中旗海流图镇人民政府", "2024年1月12日"]
    assert text.rfind("2024年1月12日") > max(positions)
    title = page.xpath("//h1[@class='report-title']")[0].text_content()
    assert title == "乌拉特中旗海流图镇人民政府2023年政府信息公开工作年度报告"


def header_spans(table) -> list[list[tuple[str, int, int]]]:
    return [
        [(text_of(th), int(th.get("rowspan", 1)), int(th.get("colspan", 1))) for th in tr.xpath("./th")]
        for tr in table.xpath("./thead/tr")
    ]


def test_table_headers_carry_the_template_merges(page):
    fmt = get_format()
    for key in ("t3", "t4"):
        table = page.xpath(f"//table[@data-table='{key}']")[0]
        expected = [
            [(re.sub(r"\s+", "", c.label), c.rowspan, c.colspan) for c in row]
            for row in fmt.tables[key].column_header_rows()
        ]
        assert header_spans(table) == expected
    t3 = page.xpath("//table[@data-table='t3']")[0]
    group = t3.xpath(".//th[normalize-space()='三、本年度办理结果']")[0]
    assert group.get("rowspan") == "22"
    t2 = page.xpath("//table[@data-table='t2']")[0]
    titles = t2.xpath(".//tr[@class='block-title']/th")
    assert [(t.text_content(), t.get("colspan")) for t in titles] == [(b.label, "4") for b in fmt.tables["t2"].blocks]
    fee = t2.xpath(".//td[@data-cell='t2.fees.amount']")[0]
    assert fee.get("colspan") == "3"


def test_narrative_is_escaped(tmp_path):
    project = make_project(tmp_path)
    path = project / "params" / SEED_ID / "2023.yaml"
    data = load_params(path).to_params()
    data["sections"]["other"] = ["<script>alert(1)</script><b>粗体</b>"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    nianbao("run", f"params/{SEED_ID}/2023.yaml", cwd=project, check=True)
    body = (project / "build" / "2023" / SEED_ID / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in body and "<b>粗体</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;粗体&lt;/b&gt;" in body


def test_notebook_runs_as_is_with_nbclient(tmp_path):
    """The JupyterLab path: no parameters, the kernel in notebooks/, defaults point at the seed."""
    project = make_project(tmp_path)
    nb = nbformat.read(project / "notebooks" / "annual_report.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "committed without outputs"
    NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(project / "notebooks")}}).execute()
    htmls = [
        o["data"]["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "text/html" in o.get("data", {})
    ]
    joined = "".join(htmls)
    text = re.sub(r"<[^>]+>", "", joined)  # the title's parts and a heading's last characters are in spans
    assert "乌拉特中旗海流图镇人民政府2023年" in text and "六、其他需要报告的事项" in text
    assert 'data-cell="t4.suit_after_review.total"' in joined


def test_papermill_with_the_params_file_as_parameters(tmp_path, params):
    """Analysts run `papermill notebooks/annual_report.ipynb out.ipynb -f params/<id>/2023.yaml`."""
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("papermill")),
            "notebooks/annual_report.ipynb",
            str(out),
            "-f",
            f"params/{SEED_ID}/2023.yaml",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    nb = nbformat.read(out, as_version=4)
    joined = "".join(
        o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})
    )
    for ref, value in params.tables.items():
        m = re.search(rf'data-cell="{re.escape(ref)}"[^>]*>([^<]*)<', joined)
        assert m and m.group(1) == format_value(value), ref
    assert "2024年1月12日" in joined


def test_jupyter_nbconvert_uses_the_registered_exporter(seed_build: Path, tmp_path):
    subprocess.run(
        [
            str(Path(sys.executable).with_name("jupyter")),
            "nbconvert",
            "--to",
            "nianbao_html",
            str(seed_build / "report.ipynb"),
            "--output-dir",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    page = lhtml.fromstring((tmp_path / "report.html").read_bytes())
    assert page.get("lang") == "zh-CN" and page.xpath("//table[@data-table='t3']")
    assert not page.xpath("//*[contains(@class, 'jp-InputArea')]")


def test_run_continues_past_a_bad_agency_year(tmp_path):
    project = make_project(tmp_path)
    bad = project / "params" / "bad-town" / "2023.yaml"
    bad.parent.mkdir()
    data = copy.deepcopy(load_params(SEED_PARAMS).to_params())
    data["agency"]["id"] = "bad-town"
    del data["tables"]["t2"]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = nianbao("build", "params", cwd=project)
    assert result.returncode == 2
    assert (project / "build" / "2023" / SEED_ID / "report.html").is_file()
    assert not (project / "build" / "2023" / "bad-town").exists()
    assert "缺少此表" in re.sub(r"[\s│]", "", result.stdout)  # the failures table folds long cells
