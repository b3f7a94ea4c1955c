"""Draw a chart of the 图解 with matplotlib: SVG with its text as text, PNG, the same bytes every time.

Fonts: the CJK faces the report itself falls back to (Noto Sans CJK SC, Debian's fonts-noto-cjk, which
``scripts/system-deps.sh`` installs) are found through fontconfig and registered with matplotlib's
font manager explicitly, so no chart ever depends on matplotlib's own font cache or the network. The SVG
keeps its text as ``<text>`` (``svg.fonttype: none``) naming the family, so a browser or an editor sets
it in the reader's font and the words stay searchable and copyable; the PNG is rasterised with the same
face. Without a Chinese font the chart is refused with a clear message instead of drawing boxes.

Determinism: ``svg.hashsalt`` fixed, no date or creator in the metadata, element ids prefixed with the
chart's key (the file and its copy inline in graphic.html are the same, and ids never clash on the page).
Each SVG carries ``<title>`` and ``<desc>`` (every value, blanks said) and ``role="img"``.

Bars are horizontal, each label on its own line above its bar, so a long label of the format
(（二）部分公开（区分处理的，只计这一情形，不计其他情形）) is wrapped, never cut, and the chart reads on a
phone. A blank cell has no bar and says 未填写; 0 is a bar of no length with 0 printed.
"""

from __future__ import annotations

import html
import io
import logging
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from nianbao.graphic.data import Bar, Chart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The faces registered with matplotlib, as fontconfig names them (regular and bold are found by weight).
FAMILY = "Noto Sans CJK SC"
# What the SVG names, in this order: the face drawn with, then what an office machine may have instead.
# matplotlib lays the text out with FAMILY alone (looking up absent faces on every text costs a third of a
# chart); the SVG's font-family is then given the whole stack.
SVG_FAMILIES = [FAMILY, "Source Han Sans SC", "黑体", "SimHei", "sans-serif"]
_DRAWN_FAMILY = f"font-family: '{FAMILY}'"
_SVG_FAMILY = "font-family: " + ", ".join(f if f == "sans-serif" else f"'{f}'" for f in SVG_FAMILIES)
INK = "#1f1f1f"
MUTED = "#6b6b6b"
BAR = "#b71c1c"  # the report's red (report.css)
BAR_EMPTY = "#d9d9d9"
TRACK = "#f1efea"
WIDTH = 4.2  # inches: 403 CSS px (1 in = 72 pt = 96 px), scaled to the column: about 1:1 on a phone
PNG_DPI = 144
LABEL_CHARS = 22  # a label line's length before it wraps

NO_CJK_FONT = (
    "没有找到中文字体 Noto Sans CJK SC，无法生成图解（否则文字会显示为方框）。"
    "请安装：apt-get install fonts-noto-cjk（或运行 make setup）。"
)


class NoCJKFontError(RuntimeError):
    """The chart's Chinese face is not installed."""


def _font_files() -> list[str]:
    """The files of the regular and bold faces, as fontconfig finds them."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise NoCJKFontError(NO_CJK_FONT + "（未找到 fc-match：apt-get install fontconfig）")
    files = []
    for style in ("Regular", "Bold"):
        out = subprocess.run(
            [fc_match, "-f", "%{family}\t%{file}", f"{FAMILY}:style={style}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        ).stdout
        family, _, path = out.partition("\t")
        if FAMILY not in family.split(",") or not path:
            raise NoCJKFontError(NO_CJK_FONT)
        files.append(path)
    return files


@cache
def setup() -> dict[str, Any]:
    """Register the CJK faces with matplotlib (once per process); the rc settings every chart is drawn with."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    for path in _font_files():
        font_manager.fontManager.addfont(path)
    # the office faces named after it in the SVG are not here: matplotlib need not say so on every chart
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return {
        "font.family": [FAMILY],
        "font.size": 11,
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
        "svg.hashsalt": "nianbao",
        "svg.id": None,
        "path.simplify": True,
        "figure.dpi": 72,
    }


def _wrap(label: str) -> str:
    return "\n".join(textwrap.wrap(label, LABEL_CHARS, break_long_words=True, break_on_hyphens=False)) or label


def _rows(chart: Chart) -> list[tuple[str, Any]]:
    """What the bar chart stacks from top to bottom: ("heading", text) and ("bar", Bar)."""
    rows: list[tuple[str, Any]] = []
    for group in chart.groups:
        if group:
            total = chart.total(group)
            rows.append(("heading", group + (f"（总计 {_text(total, chart.unit)}）" if total else "")))
        rows += [("bar", b) for b in chart.bars if b.group == group]
    return rows


def _text(bar: Bar, unit: str) -> str:
    return bar.note if bar.value is None else f"{bar.value:,} {unit}"


def _title(fig: Figure, chart: Chart, top: float) -> None:
    fig.text(0.02, 1 - 0.22 / top, chart.title, fontsize=14, fontweight="bold", color=INK, va="top")
    total = chart.total("")
    if total is not None:
        fig.text(0.02, 1 - 0.52 / top, f"总计 {_text(total, chart.unit)}", fontsize=11, color=MUTED, va="top")


def bars(chart: Chart) -> Figure:
    """Horizontal bars, each under its label, grouped under headings."""
    from matplotlib.figure import Figure

    rows = _rows(chart)
    head = 0.85 if chart.total("") is not None else 0.6  # inches above the first row
    heights = [0.34 if kind == "heading" else 0.2 * _wrap(item.label).count("\n") + 0.56 for kind, item in rows]
    height = head + sum(heights) + 0.15
    fig = Figure(figsize=(WIDTH, height))
    ax = fig.add_axes((0.02, 0.15 / height, 0.96, 1 - (head + 0.15) / height))
    ax.set_axis_off()
    top = sum(heights)
    ax.set_ylim(0, top)
    largest = max((b.value for b in chart.bars if b.value is not None), default=0) or 1
    ax.set_xlim(0, largest * 1.18)
    y = top
    for (kind, item), h in zip(rows, heights, strict=True):
        if kind == "heading":
            ax.text(0, y - 0.08, item, fontsize=11.5, fontweight="bold", color=INK, va="top")
        else:
            label = _wrap(item.label)
            ax.text(0, y - 0.04, label, fontsize=10.5, color=INK, va="top", linespacing=1.3)
            bar_y = y - h + 0.09
            if item.value is None:
                ax.barh(
                    bar_y,
                    largest * 0.12,
                    height=0.18,
                    left=0,
                    align="edge",
                    color="none",
                    edgecolor=BAR_EMPTY,
                    hatch="///",
                    linewidth=0.8,
                )
                ax.text(largest * 0.14, bar_y + 0.09, item.note, fontsize=10.5, color=MUTED, va="center")
            else:  # a light track to the largest value, so that a 0 still reads as a bar of no length
                ax.barh(bar_y, largest, height=0.18, left=0, align="edge", color=TRACK, linewidth=0)
                ax.barh(bar_y, item.value, height=0.18, left=0, align="edge", color=BAR, linewidth=0)
                ax.text(
                    item.value + largest * 0.015,
                    bar_y + 0.09,
                    f"{item.value:,}",
                    fontsize=10.5,
                    color=INK,
                    va="center",
                    fontweight="bold",
                )
        y -= h
    _title(fig, chart, height)
    return fig


def trend(chart: Chart) -> Figure:
    """One small panel per figure, a column per year, the value over it."""
    from matplotlib.figure import Figure

    groups = chart.groups
    panel, head = 1.55, 0.6
    height = head + panel * len(groups)
    fig = Figure(figsize=(WIDTH, height))
    for i, group in enumerate(groups):
        items = [b for b in chart.bars if b.group == group]
        bottom = (height - head - panel * (i + 1) + 0.35) / height
        ax = fig.add_axes((0.06, bottom, 0.9, (panel - 0.75) / height))
        ax.set_title(group, loc="left", fontsize=11.5, fontweight="bold", color=INK, pad=6)
        largest = max((b.value for b in items if b.value is not None), default=0) or 1
        ax.set_ylim(0, largest * 1.3)
        xs = list(range(len(items)))
        for x, b in zip(xs, items, strict=True):
            if b.value is None:
                ax.text(x, largest * 0.08, b.note, ha="center", fontsize=10, color=MUTED)
            else:
                ax.bar(x, b.value, width=0.55, color=BAR, linewidth=0)
                ax.text(
                    x, b.value + largest * 0.04, f"{b.value:,}", ha="center", fontsize=10, color=INK, fontweight="bold"
                )
        ax.set_xticks(xs, [b.label for b in items], fontsize=10, color=INK)
        ax.set_xlim(-0.6, len(items) - 0.4)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(MUTED)
        ax.tick_params(axis="x", length=0)
    _title(fig, chart, height)
    return fig


# How each kind of chart (nianbao.graphic.data.KINDS) is drawn.
DRAWERS: dict[str, Callable[[Chart], Figure]] = {
    "columns": bars,
    "children": bars,
    "records": bars,
    "trend": trend,
}

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')


def _accessible(svg: str, chart: Chart) -> str:
    """The whole font stack; chart-unique ids; ``role="img"`` with a ``<title>`` and ``<desc>`` a screen
    reader reads."""
    svg = svg.replace(_DRAWN_FAMILY, _SVG_FAMILY)
    svg = _ID.sub(lambda m: f'id="{chart.key}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{chart.key}-{m.group(2)}", svg)
    start = svg.index("<svg")
    end = svg.index(">", start)
    opening = svg[start:end] + f' role="img" aria-labelledby="{chart.key}-title {chart.key}-desc"' + ">"
    label = (
        f'<title id="{chart.key}-title">{html.escape(chart.title)}</title>'
        f'<desc id="{chart.key}-desc">{html.escape(chart.description)}</desc>'
    )
    return svg[:start] + opening + label + svg[end + 1 :]


def render(chart: Chart) -> tuple[bytes, bytes] | None:
    """The chart as (SVG, PNG) bytes; None when there is nothing to draw (``chart.empty`` says why)."""
    if chart.empty:
        return None
    import matplotlib

    rc = setup()
    with matplotlib.rc_context(rc):
        fig = DRAWERS[chart.kind](chart)
        svg, png = io.BytesIO(), io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": "nianbao", "Title": chart.title})
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return _accessible(svg.getvalue().decode("utf-8"), chart).encode("utf-8"), png.getvalue()
