"""What ``notebooks/overview.ipynb`` calls: each part of the batch overview, displayed as HTML and SVG.

One function per part (totals, rates, distribution, outliers, findings by rule), each reading the long
tables of build/data/ and displaying a Chinese heading, a table and a chart. The published page
(``build/overview.html``) shows these outputs and no code; an analyst in JupyterLab calls the same
functions, or works on the DataFrames of ``nianbao.analysis.measures`` directly.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, display

from nianbao.analysis import charts, measures

SEVERITY = {"error": "错误", "warning": "警告"}
SEVERITY_COLOR = {"error": "#b00020", "warning": "#b26a00"}


def load(data_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells and findings of build/data/ (a clear message when the batch has not been built)."""
    folder = Path(data_dir)
    if not (folder / "cells.parquet").is_file():
        raise FileNotFoundError(
            f"找不到 {folder / 'cells.parquet'}：请先运行 make report（nianbao build）生成 build/data/"
        )
    return measures.load(folder)


def _show(*parts: str) -> None:
    display(HTML("\n".join(parts)))


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return "—"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(
        f"<th{' class=num' if i >= numeric_from else ''}>{html.escape(h)}</th>" for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i >= numeric_from else ''}>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{html.escape(caption)}</figcaption></figure>'


def show_header(cells: pd.DataFrame, findings: pd.DataFrame) -> None:
    """The page's title, back link and what the batch holds."""
    years = sorted(cells["year"].unique()) if len(cells) else []
    agencies = cells["agency"].nunique() if len(cells) else 0
    reports = len(cells[["agency", "year"]].drop_duplicates()) if len(cells) else 0
    span = f"{years[0]}—{years[-1]}年度" if len(years) > 1 else (f"{years[0]}年度" if years else "无")
    _show(
        '<nav class="back"><a href="index.html">← 返回审核总览</a> · '
        '<a href="data/cells.csv">下载数据（CSV）</a> · <a href="data/cells.parquet">Parquet</a> · '
        '<a href="data/params.schema.json">参数文件结构（JSON Schema）</a></nav>',
        "<h1>政府信息公开工作年度报告 · 数据总览</h1>",
        f'<p class="lead">本批 {agencies} 个机关、{reports} 份报告（{span}），数据来自已生成的报告（build/data/）。'
        "空白单元格不按 0 计：含空白单元格的报告不计入用到该单元格的合计和比率，表中注明剔除份数。</p>",
    )


def show_totals(cells: pd.DataFrame) -> None:
    """Totals per year, with how many reports were left out for blank cells."""
    m = measures.spec()
    totals = measures.yearly_totals(cells, m)
    shown = [t for t in m.totals if t.key not in ("received",)]
    header = ["合计", *(f"{y}年度" for y in totals.index)]
    rows = [["报告份数", *(_num(n) for n in totals["agency_years"])]]
    for t in shown:
        cells_ = []
        for y in totals.index:
            left_out = int(totals.loc[y, f"{t.key}_blank"])
            note = f'<small class="left-out">（{left_out} 份空白未计）</small>' if left_out else ""
            cells_.append(_num(totals.loc[y, t.key]) + note)
        rows.append([html.escape(t.label), *cells_])
    years = [f"{y}年度" for y in totals.index]
    chart = charts.grouped_bars(
        years,
        {t.label: [float(totals.loc[y, t.key]) for y in totals.index] for t in (m.total("new"), m.total("handled"))},
        "件",
        "申请数量（各年度合计）",
    )
    _show(
        '<h2 id="totals">一、各年度合计</h2>',
        _table(header, rows),
        _figure(chart, "本年新收申请与办理结果总计，各年度全部报告合计（含空白单元格的报告不计）。"),
    )


def show_rates(cells: pd.DataFrame) -> None:
    """Pooled rates per year; 样本过少 where the sample is too small."""
    m = measures.spec()
    rates = measures.yearly_rates(cells, m)
    if rates.empty:
        _show('<h2 id="rates">二、比率</h2><p>没有可计算的报告。</p>')
        return
    years = sorted(rates["year"].unique())
    header = ["比率", *(f"{y}年度" for y in years)]
    rows = []
    for r in m.rates:
        row = [f"{html.escape(r.label)}<small>{html.escape(r.note)}</small>"]
        for y in years:
            hit = rates[(rates["rate"] == r.key) & (rates["year"] == y)].iloc[0]
            sample = f"{int(hit['agency_years'])} 份，分母 {_num(hit['denominator'])} 件"
            if hit["value"] is None or pd.isna(hit["value"]):
                label = measures.SMALL_SAMPLE if hit["reason"] else "分母为 0"
                row.append(
                    f'<span class="small-sample" title="{html.escape(hit["reason"])}">{label}</span>'
                    f"<small>（{sample}）</small>"
                )
            else:
                row.append(
                    f"{hit['value'] * 100:.1f}%<small>（{_num(hit['numerator'])}/{_num(hit['denominator'])}，"
                    f"{int(hit['agency_years'])} 份）</small>"
                )
        rows.append(row)
    series = {
        r.label: [
            (lambda v: None if v is None or pd.isna(v) else float(v))(
                rates[(rates["rate"] == r.key) & (rates["year"] == y)].iloc[0]["value"]
            )
            for y in years
        ]
        for r in m.rates
    }
    parts = [
        '<h2 id="rates">二、比率</h2>',
        f'<p class="note">比率为各年度合计之比（分子、分母均无空白的报告）。分母不足 {m.min_denominator} 件或报告不足 '
        f"{m.min_agencies} 份时不计算，注明“{measures.SMALL_SAMPLE}”；图中该点空缺。</p>",
        _table(header, rows),
    ]
    if any(v is not None for values in series.values() for v in values):
        chart = charts.rate_lines([f"{y}年度" for y in years], series, "各年度比率（%）")
        parts.append(_figure(chart, "予以公开率、复议与诉讼纠错率、结转率，各年度。"))
    else:
        parts.append(f'<p class="small-sample">各比率在各年度均{measures.SMALL_SAMPLE}，未绘图。</p>')
    _show(*parts)


def show_distribution(cells: pd.DataFrame) -> None:
    """How one total (本年新收申请) spreads across agencies, per year; and each agency's 予以公开率."""
    m = measures.spec()
    per = measures.agency_totals(cells, m)
    key = m.distribution
    label = m.label(key)
    groups = {f"{y}年度": per.xs(y, level="year")[key].dropna().tolist() for y in sorted(per.index.unique("year"))}
    parts = ['<h2 id="distribution">三、各机关分布</h2>']
    stats = []
    for name, values in groups.items():
        s = pd.Series(values, dtype="float64")
        stats.append(
            [
                name,
                _num(len(s)),
                _num(s.min()),
                _num(s.quantile(0.25)),
                _num(s.median()),
                _num(s.quantile(0.75)),
                _num(s.max()),
            ]
            if len(s)
            else [name, "0", "—", "—", "—", "—", "—"]
        )
    parts.append(_table(["年度", "报告份数", "最小", "下四分位", "中位数", "上四分位", "最大"], stats))
    if any(len(v) >= m.min_for_outliers for v in groups.values()) and any(x > 0 for v in groups.values() for x in v):
        parts.append(
            _figure(
                charts.boxes(groups, "件", f"{label}（每个点为一份报告）", log=True),
                f"各年度{label}的分布（纵轴为对数刻度，箱体为四分位距，须为 1.5 倍四分位距）。",
            )
        )
    else:
        parts.append(
            f'<p class="small-sample">{label}的分布图：{measures.SMALL_SAMPLE}'
            f"（每年度不足 {m.min_for_outliers} 份报告），未绘图；数值见上表。</p>"
        )
    rates = measures.agency_rates(cells, m)["disclosed_rate"].dropna()
    if len(rates) >= m.min_for_outliers:
        parts.append(
            _figure(
                charts.histogram((rates * 100).tolist(), "予以公开率（%）", "各报告的予以公开率"),
                f"办理结果总计不少于 {m.min_agency_denominator} 件的 {len(rates)} 份报告。",
            )
        )
    else:
        parts.append(
            f'<p class="small-sample">各报告的予以公开率：{measures.SMALL_SAMPLE}（办理结果总计不少于 '
            f"{m.min_agency_denominator} 件的报告只有 {len(rates)} 份，至少需 {m.min_for_outliers} 份）。</p>"
        )
    _show(*parts)


def show_outliers(cells: pd.DataFrame) -> None:
    """Agency-years far from their year's others, named."""
    m = measures.spec()
    found, small = measures.outliers(cells, m)
    parts = [
        '<h2 id="outliers">四、异常值</h2>',
        f'<p class="note">同一年度中，数值高于上四分位数 {measures.FENCE:g} 倍四分位距以上（或低于下四分位数同样距离）'
        "的报告。异常值不一定是错误，请核对原始台账。</p>",
    ]
    if len(found):
        rows = [
            [
                f"{int(r.year)}年度",
                html.escape(str(r.agency_name)),
                html.escape(str(r.measure)),
                _num(r.value),
                _num(r.median),
                f"{r.side}（界限 {_num(r.fence)}）",
            ]
            for r in found.itertuples()
        ]
        parts.append(_table(["年度", "机关", "指标", "数值", "本年度中位数", "判断"], rows, numeric_from=3))
    else:
        parts.append("<p>没有超出界限的报告。</p>")
    parts += [f'<p class="small-sample">{html.escape(s)}</p>' for s in small]
    _show(*parts)


def show_findings(findings: pd.DataFrame) -> None:
    """The validation findings by rule (Chinese titles): open findings and the reports they are in."""
    by_rule = measures.findings_by_rule(findings)
    parts = ['<h2 id="findings">五、校验结果按规则</h2>']
    if by_rule.empty:
        _show(*parts, "<p>本批报告没有校验问题。</p>")
        return
    years = sorted(by_rule["year"].unique())
    header = ["规则", "级别", *(f"{y}年度" for y in years)]
    rows = []
    totals = by_rule.groupby(["title", "severity"], observed=True)["open"].sum().reset_index()
    totals["rank"] = totals["severity"].map({"error": 0, "warning": 1}).fillna(2)
    totals = totals.sort_values(["rank", "open", "title"], ascending=[True, False, True])
    for t in totals.itertuples():
        row = [html.escape(str(t.title)), SEVERITY.get(str(t.severity), str(t.severity))]
        for y in years:
            hit = by_rule[(by_rule["title"] == t.title) & (by_rule["severity"] == t.severity) & (by_rule["year"] == y)]
            if hit.empty:
                row.append("—")
            else:
                h = hit.iloc[0]
                decided = f"，已审核 {int(h['decided'])} 项" if h["decided"] else ""
                row.append(f"{int(h['open'])} 项<small>（{int(h['reports'])} 份报告{decided}）</small>")
        rows.append(row)
    top = totals[totals["open"] > 0].head(15)
    parts.append(_table(header, rows, numeric_from=2))
    if len(top):
        parts.append(
            _figure(
                charts.horizontal_bars(
                    [str(t) for t in top["title"]],
                    [float(v) for v in top["open"]],
                    [SEVERITY_COLOR.get(str(s), "#555") for s in top["severity"]],
                    "未处理问题最多的规则",
                ),
                "红色为错误，橙色为警告；已由审核人员作出结论的问题不计。",
            )
        )
    _show(*parts)
