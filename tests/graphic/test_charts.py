"""The 图解's charts as data and as drawings, without a kernel: every bar equals its cell in the params, a
blank cell is never drawn or summed as 0, the SVG keeps its Chinese words as text in the report's face, and
the same chart gives the same bytes."""

from __future__ import annotations

import copy
import random
import re
from typing import Any

import pytest
import yaml
from lxml import etree

from nianbao.graphic import chart_keys
from nianbao.graphic.data import BLANK, NOT_COMPARABLE, Chart, charts
from nianbao.graphic.draw import FAMILY, render
from nianbao.params import from_mapping
from nianbao.publish.outputs import OUTPUTS, chart_output
from support import SEED_PARAMS, V2019_PARAMS

SVG = "{http://www.w3.org/2000/svg}"


def seed(year: int = 2023, rng: random.Random | None = None, **cells: Any) -> Any:
    """The seed agency-year with random counts in 表三 and 表四 (so no two bars share a value by accident),
    and ``cells`` (``t3.new.commercial=None``) set on top."""
    data = yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8"))
    data["year"] = year
    rng = rng or random.Random(year)

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rng.randint(1, 400) for _ in node]
        return rng.randint(1, 400)

    for table in ("t3", "t4"):
        data["tables"][table] = fill(data["tables"][table])
    for ref, value in cells.items():
        table, *path, column = ref.split("__")
        node = data["tables"][table]
        for part in path[:-1]:
            node = node[part]
        fields = {"t3": 7, "t4": 5}[table]
        keys = ["natural_person", "commercial", "research", "public_interest", "legal_services", "other", "total"]
        keys = keys if fields == 7 else ["upheld", "corrected", "other", "pending", "total"]
        node[path[-1]][keys.index(column)] = value
    return from_mapping(data)


def by_key(found: list[Chart]) -> dict[str, Chart]:
    return {c.key: c for c in found}


def svg_texts(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_every_bar_is_its_cell_in_the_params_and_labelled_as_the_format_words_it():
    params = seed()
    found = by_key(charts(params, [params]))
    assert list(found) == list(chart_keys()) == ["applicants", "outcomes", "appeals", "trend"]
    values = params.tables
    for chart in found.values():
        for bar in (*chart.bars, *chart.totals):
            assert bar.value == sum(int(values[ref]) for ref in bar.refs), (chart.key, bar)
    applicants = found["applicants"]
    assert [b.label for b in applicants.bars] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    assert {b.group for b in applicants.bars[1:]} == {"法人或其他组织"} and applicants.bars[0].group == ""
    assert applicants.total("").refs == ("t3.new.total",)
    outcomes = found["outcomes"]
    assert [b.label for b in outcomes.bars][:3] == [
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "（三）不予公开",
    ]
    withheld = outcomes.bars[2]
    assert len(withheld.refs) == 8 and all(
        r.startswith("t3.outcome.withheld.") and r.endswith(".total") for r in withheld.refs
    )
    appeals = found["appeals"]
    assert appeals.groups == ["行政复议", "行政诉讼 / 未经复议直接起诉", "行政诉讼 / 复议后起诉"]
    assert appeals.total("行政复议").refs == ("t4.review.total",)


def test_the_svg_keeps_its_words_as_text_in_the_reports_face_with_every_value_printed():
    params = seed()
    for chart in charts(params, [params])[:3]:
        drawn = render(chart)
        assert drawn is not None
        svg, png = drawn
        assert png.startswith(b"\x89PNG")
        texts = svg_texts(svg)
        assert chart.title in texts
        for bar in chart.bars:
            assert any(bar.label.startswith(t.split("\n")[0]) and t for t in texts), bar.label
            assert f"{bar.value:,}" in texts, (chart.key, bar)
        assert f"'{FAMILY}'" in svg.decode()  # the face is named, the glyphs are not outlines
        root = etree.fromstring(svg)
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title").text == chart.title
        assert root.find(f"{SVG}desc").text == chart.description


def test_a_blank_cell_is_said_never_drawn_or_summed_as_zero():
    params = seed(**{"t3__new__commercial": None, "t3__outcome__withheld__third_party__total": None})
    found = by_key(charts(params, [params]))
    commercial = found["applicants"].bars[1]
    assert commercial.label == "商业企业" and commercial.value is None and commercial.note == BLANK
    withheld = found["outcomes"].bars[2]
    assert withheld.value is None and withheld.note == BLANK, "a group with a blank row is not a partial sum"
    assert "商业企业 未填写" in found["applicants"].description
    svg = render(found["applicants"])[0]
    texts = svg_texts(svg)
    assert BLANK in texts
    # the blank bar is hatched, not a red bar: one red bar per filled cell (and none of length 0 for it)
    red = re.findall(rb"fill: ?#b71c1c", svg)
    assert len(red) == sum(1 for b in found["applicants"].bars if b.value is not None)


def test_the_trend_runs_over_the_agencys_years_and_one_year_is_said_not_drawn():
    rng = random.Random(7)
    years = [seed(y, rng) for y in (2021, 2022, 2023)]
    trend = by_key(charts(years[-1], years))["trend"]
    assert not trend.empty
    assert [b.label for b in trend.bars if b.group == "行政复议"] == ["2021年", "2022年", "2023年"]
    for bar, year in zip([b for b in trend.bars if b.group == "本年新收政府信息公开申请"], years, strict=True):
        assert bar.value == int(year.tables["t3.new.total"])
    suits = [b for b in trend.bars if b.group == "行政诉讼"]
    assert suits[0].value == int(years[0].tables["t4.direct_suit.total"]) + int(
        years[0].tables["t4.suit_after_review.total"]
    )
    assert render(trend) is not None
    # a later year is not part of an earlier report's trend
    assert {b.label for b in by_key(charts(years[1], years))["trend"].bars} == {"2021年", "2022年"}

    alone = by_key(charts(years[0], [years[0]]))["trend"]
    assert alone.empty.startswith("目前只有2021年度一个年度的数据") and render(alone) is None


def test_a_2019_format_year_counts_where_the_formats_agree():
    earlier = from_mapping(
        {**yaml.safe_load(V2019_PARAMS.read_text(encoding="utf-8")), "agency": seed().agency.model_dump()}
    )
    current = seed(2021)
    trend = by_key(charts(current, [earlier, current]))["trend"]
    first = [b for b in trend.bars if b.label == f"{earlier.year}年"]
    assert first and all(b.note != NOT_COMPARABLE for b in first)  # 表三、表四 totals mean the same in both
    new = next(b for b in first if b.group == "本年新收政府信息公开申请")
    assert new.value == earlier.tables["t3.new.total"] or new.note == BLANK


def test_same_chart_same_bytes_and_ids_never_clash_between_charts():
    params = seed()
    found = charts(params, [seed(2022), params])
    first = [render(c) for c in found]
    assert first == [render(c) for c in copy.deepcopy(found)]
    ids: list[str] = []
    for drawn in first:
        assert drawn is not None
        ids += re.findall(r'\bid="([^"]+)"', drawn[0].decode())
    assert len(ids) == len(set(ids))


def test_every_chart_is_published_as_svg_and_png_by_names_defined_once():
    names = {o.filename for o in OUTPUTS}
    for key in chart_keys():
        assert {chart_output(key, "svg").filename, chart_output(key, "png").filename} <= names
        assert not chart_output(key, "svg").linked  # the index links graphic.html, not each chart


@pytest.mark.parametrize("kind", ["pie"])
def test_an_unknown_kind_of_chart_is_refused(kind: str, monkeypatch: pytest.MonkeyPatch):
    from nianbao.graphic import data

    monkeypatch.setattr(data, "specs", lambda: ({"key": "x", "kind": kind},))
    with pytest.raises(ValueError, match="未知的图表类型"):
        data.checked_specs()
