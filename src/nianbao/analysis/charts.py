"""Static SVG charts for the batch overview (matplotlib, Agg), Chinese labels, byte-identical on rerun.

The Chinese font is registered from the files fontconfig lists for Simplified Chinese (the Noto CJK
fonts ``make report`` installs, as ``nianbao.publish.pdf`` finds them), so labels are measured and laid
out with real glyphs. Text stays text in the SVG (``svg.fonttype: none``): the page is light, its labels
can be searched and copied, and the reader's browser draws them with its own Chinese font. SVG ids are
salted with a constant and the file carries no date, so the same figures give the same bytes.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

COLORS = ("#8b0000", "#1565c0", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f")
WIDTH = 7.2  # inches: the page's text width at 100 dpi


@cache
def cjk_family() -> str | None:
    """Register the Simplified Chinese fonts fontconfig knows with matplotlib; the family to use."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    out = subprocess.run(
        [fc_list, ":lang=zh-cn", "file", "family"], capture_output=True, text=True, check=False, timeout=60
    ).stdout
    families: dict[str, str] = {}
    for line in sorted(out.splitlines()):
        path, _, names = line.partition(":")
        for name in names.strip().split(","):
            families.setdefault(name.strip(), path.strip())
    preferred = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei")
    for family in (*preferred, *sorted(families)):
        if family in families:
            font_manager.fontManager.addfont(families[family])
            return family
    return None


def style() -> None:
    """The overview's chart style (set once per kernel; cheap to repeat)."""
    family = cjk_family()
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [*([family] if family else []), "DejaVu Sans"],
            "axes.unicode_minus": False,
            "svg.fonttype": "none",
            "svg.hashsalt": "nianbao",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": matplotlib.cycler(color=COLORS),
            "font.size": 10,
        }
    )


def figure(height: float = 3.2) -> tuple[Figure, plt.Axes]:
    style()
    fig, ax = plt.subplots(figsize=(WIDTH, height), dpi=100, layout="constrained")
    return fig, ax


def to_svg(fig: Figure) -> str:
    """The figure as SVG text without a date (and closed, so a long notebook holds no figures)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "nianbao"})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # no XML prolog or DOCTYPE: inline in HTML


def grouped_bars(categories: Sequence[str], series: dict[str, Sequence[float]], ylabel: str, title: str) -> str:
    """Bars per category (years), one colour per series."""
    fig, ax = figure()
    n = max(len(series), 1)
    width = 0.8 / n
    for i, (name, values) in enumerate(series.items()):
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(categories))]
        bars = ax.bar(xs, values, width=width, label=name)
        ax.bar_label(bars, labels=[f"{v:,.0f}" if v == v else "" for v in values], fontsize=8, padding=2)
    ax.set_xticks(range(len(categories)), categories)
    top = max((v for values in series.values() for v in values if v == v), default=0)
    ax.set_ylim(0, max(top * 1.12, 1))  # counts start at 0, also when every total is 0
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel, rotation=0, labelpad=10)
    ax.set_title(title, loc="left")
    ax.legend(frameon=False, ncols=min(n, 4), loc="upper left", bbox_to_anchor=(0, -0.12))
    return to_svg(fig)


def rate_lines(years: Sequence[str], series: dict[str, Sequence[float | None]], title: str) -> str:
    """Rates (0–1) over the years, as percentages; a missing point (样本过少) is a gap."""
    fig, ax = figure()
    for name, values in series.items():
        ys = [float("nan") if v is None else v * 100 for v in values]
        ax.plot(range(len(years)), ys, marker="o", label=name)
    ax.set_xticks(range(len(years)), years)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.set_title(title, loc="left")
    ax.legend(frameon=False, ncols=2, loc="upper left", bbox_to_anchor=(0, -0.12))
    return to_svg(fig)


def boxes(groups: dict[str, Sequence[float]], ylabel: str, title: str, log: bool = False) -> str:
    """One box per group (year) with every agency-year as a dot beside it."""
    fig, ax = figure()
    labels = list(groups)
    data = [list(groups[k]) for k in labels]
    ax.boxplot(data, tick_labels=labels, whis=(0, 100) if not any(data) else 1.5, showfliers=False, widths=0.45)
    for i, values in enumerate(data, start=1):
        offsets = [i + 0.3 + 0.12 * ((j * 7919) % 11 / 10 - 0.5) for j in range(len(values))]  # stable jitter
        ax.scatter(offsets, values, s=9, alpha=0.55, color=COLORS[1], linewidths=0)
    if log:
        ax.set_yscale("symlog", linthresh=10)
    ax.set_ylabel(ylabel, rotation=0, labelpad=10)
    ax.set_title(title, loc="left")
    return to_svg(fig)


def histogram(values: Sequence[float], xlabel: str, title: str, bins: int = 20) -> str:
    fig, ax = figure(2.8)
    ax.hist(list(values), bins=bins, color=COLORS[0], alpha=0.85)
    ax.set_xlabel(xlabel)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("报告份数")
    ax.set_title(title, loc="left")
    return to_svg(fig)


def horizontal_bars(labels: Sequence[str], values: Sequence[float], colors: Sequence[str], title: str) -> str:
    """One bar per label, top to bottom (the rules, most widespread first)."""
    fig, ax = figure(0.9 + 0.32 * max(len(labels), 1))
    ys = list(range(len(labels)))[::-1]
    bars = ax.barh(ys, values, color=list(colors))
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], fontsize=8, padding=2)
    ax.set_yticks(ys, [label if len(label) <= 28 else label[:27] + "…" for label in labels])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("未处理问题（项）")
    ax.set_title(title, loc="left")
    return to_svg(fig)
