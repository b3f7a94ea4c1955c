"""nbconvert exporters that publish an executed report notebook as HTML.

``ReportHTMLExporter`` (``jupyter nbconvert --to nianbao_html``) renders only the report's HTML
outputs through the project's template: no code, no prompts, no injected-parameters cell.
``ReviewHTMLExporter`` (``--to nianbao_review``) adds the review-only cells (校验结果) and highlights.
Every exporter is an ``nbconvert.exporters`` entry point (``pyproject.toml``), so nbconvert's own
``get_exporter`` finds it; ``nianbao.publish.outputs`` says which exporter writes which file.

This module imports nbconvert and nothing of the kernel-side helpers (pandas, the params model).
"""

from __future__ import annotations

from importlib import resources
from typing import Any, ClassVar

from nbconvert.exporters import HTMLExporter
from traitlets import Bool, Unicode, default

from nianbao.batch.provenance import of_notebook
from nianbao.project import DEFAULT_FORMATS
from nianbao.publish.outputs import BY_KEY
from nianbao.report.meta import META_KEY

TEMPLATES = str(resources.files("nianbao") / "templates" / "nbconvert")

# What a reader can download from report.html, in this order, with the link text: the outputs (keys of
# ``OUTPUTS``) that the build publishes beside the page, linked by the file name defined there.
DOWNLOADS = {"pdf": "PDF 版", "docx": "Word 版"}
# Pages published beside report.html and linked from it (opened, not downloaded): output key → link text.
COMPANIONS = {"graphic": "图解"}
# The column (栏目) government sites file these reports under, for the ColumnName meta tag.
COLUMN_NAME = "政府信息公开年报"


def downloads(formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[dict[str, str]]:
    """Links to the files published beside report.html (only those the build makes)."""
    return [
        {"href": BY_KEY[key].filename, "text": text, "key": key}
        for key, text in DOWNLOADS.items()
        if key in BY_KEY and key in formats
    ]


def companions() -> list[dict[str, str]]:
    """Links to the pages published beside report.html (the 图解)."""
    return [{"href": BY_KEY[key].filename, "text": text, "key": key} for key, text in COMPANIONS.items()]


# Cells with these tags never reach a published page.
HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "analyst-only"})
# Cells with this tag reach only the reviewer's copy (review.html), never the public report.
REVIEW_TAG = "review-only"


def report_meta(nb: Any) -> dict[str, Any]:
    """The report's title, agency and language, as the notebook's displayed parts declare them."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get(META_KEY)
            if meta:
                return dict(meta)
    return {}


def _chinese_date(iso: str) -> str:
    """2024-01-12 → 2024年1月12日 (as the page's 成文日期 shows it); '' stays ''."""
    try:
        year, month, day = (int(part) for part in iso.split("-"))
    except ValueError:
        return ""
    return f"{year}年{month}月{day}日"


class ReportHTMLExporter(HTMLExporter):
    """The public report page: the notebook's report outputs in the official layout."""

    export_from_notebook = "nianbao report (HTML)"
    template_name = Unicode("nianbao").tag(config=True)
    review = Bool(False, help="Include review-only cells (validation results) and highlight cells.").tag(config=True)

    hidden_tags: ClassVar[frozenset[str]] = HIDDEN_TAGS

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [TEMPLATES, *super()._default_extra_template_basedirs()]

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[str, dict]:
        resources = dict(resources or {})
        meta = report_meta(nb)
        hidden = set(self.hidden_tags) | (set() if self.review else {REVIEW_TAG})
        resources["nianbao"] = {
            "title": meta.get("title") or "政府信息公开工作年度报告",
            "agency": meta.get("agency", ""),
            "issued": meta.get("issued", ""),
            "issued_text": _chinese_date(meta.get("issued", "")),
            "index_number": meta.get("index_number", ""),
            "description": meta.get("description", ""),
            "year": meta.get("year", ""),
            "column": COLUMN_NAME,
            "downloads": downloads(),
            "companions": companions(),
            "lang": meta.get("lang", "zh-CN"),
            "hidden_tags": sorted(hidden),
            "review": self.review,
            # 生成依据 (what made this report), shown in the reviewer's copy only.
            "provenance": of_notebook(nb) if self.review else None,
        }
        output, resources = super().from_notebook_node(nb, resources, **kw)
        if self.review:  # the reviewer's copy points at the culprit cells (nianbao.publish.annotate)
            from nianbao.publish.annotate import annotate, review_cells, review_yoy

            output = annotate(output, review_cells(nb), review_yoy(nb))
        return output, resources


class ReviewHTMLExporter(ReportHTMLExporter):
    """The reviewer's copy: the report plus the review-only cells."""

    export_from_notebook = "nianbao review copy (HTML)"
    review = Bool(True).tag(config=True)
