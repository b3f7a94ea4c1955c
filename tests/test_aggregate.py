"""``nianbao rollup PARENT YEAR``: the parent's starting params are its children's sums, and load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao import cli
from nianbao.params import load_params
from support import COUNTY_CHILDREN, COUNTY_ID, NOTEBOOK, county_params, edit_params

runner = CliRunner()


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "notebooks" / NOTEBOOK.name)
    files = county_params(tmp_path / "params")
    monkeypatch.chdir(tmp_path)
    return files


def test_rollup_writes_the_parents_params_with_the_childrens_sums(county: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "start.yaml"
    result = runner.invoke(cli.app, ["rollup", COUNTY_ID, "2023", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "已汇总 3 个下级机关：某县发展和改革局（xian-fgj）、某县教育局（xian-jyj）" in result.output
    written = load_params(target)
    kids = [load_params(county[agency_id]) for agency_id, _ in COUNTY_CHILDREN]
    for ref in written.fmt.cell_refs():
        assert written.tables[ref] == sum(k.tables[ref] for k in kids), ref
    # The county's own report was made as the sums: the starting params' tables are the same.
    assert written.tables == load_params(county[COUNTY_ID]).tables
    assert (written.agency.name, written.scope, written.year) == ("某县人民政府", "本级政府汇总", 2023)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# 某县人民政府2023年政府信息公开工作年度报告（初稿）\n")
    assert "待本机关填写：开头段落（preface）、正文各部分" in text
    # Without --force an existing file is kept.
    before = target.read_bytes()
    again = runner.invoke(cli.app, ["rollup", COUNTY_ID, "2023", "-o", str(target)])
    assert again.exit_code == 1 and "已存在；如需覆盖请加 --force" in again.output
    assert target.read_bytes() == before
    # The default target is the county's params file, which exists: refused too.
    assert runner.invoke(cli.app, ["rollup", COUNTY_ID, "2023"]).exit_code == 1


def test_a_blank_or_missing_child_is_listed_never_guessed(county: dict[str, Path], tmp_path: Path) -> None:
    def blank(d: dict) -> None:
        d["tables"]["t4"]["review"][0] = None

    edit_params(county["xian-zhen"], blank)
    old = tmp_path / "params" / "xian-old" / "2022.yaml"
    old.parent.mkdir()
    shutil.copy(county["xian-fgj"], old)
    edit_params(old, lambda d: d.update(year=2022, agency={"id": "xian-old", "name": "某县旧局"}))
    target = tmp_path / "start.yaml"
    result = runner.invoke(cli.app, ["rollup", COUNTY_ID, "2023", "-o", str(target), "--force"])
    assert result.exit_code == 0, result.output
    written = load_params(target)
    assert written.tables["t4.review.upheld"] is None
    assert written.tables["t4.review.corrected"] is not None
    text = target.read_text(encoding="utf-8")
    assert "#   - 某县旧局（xian-old）：无2023年度报告（其2022年度参数文件声明上级为本机关）" in text
    assert "#   - 下级机关某县城关镇人民政府（xian-zhen）此格空白：表四「行政复议 / 结果维持」" in text


def test_rollup_without_children_or_scope_says_what_to_do(county: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["rollup", "xian-zhen", "2023", "-o", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2 and "没有声明 parent: xian-zhen 的参数文件" in result.output
    edit_params(county[COUNTY_ID], lambda d: d.pop("scope"))
    result = runner.invoke(cli.app, ["rollup", COUNTY_ID, "2023", "-o", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2 and "请用 --scope 指明" in result.output
    result = runner.invoke(
        cli.app, ["rollup", COUNTY_ID, "2023", "-o", str(tmp_path / "a.yaml"), "--scope", "系统汇总"]
    )
    assert result.exit_code == 0 and load_params(tmp_path / "a.yaml").scope == "系统汇总"
