"""The batch overview page (``build/overview.html``) from the executed ``notebooks/overview.ipynb``.

``OverviewHTMLExporter`` (``jupyter nbconvert --to nianbao_overview``) keeps what the notebook's cells
displayed — HTML tables and inline SVG charts — in the ``nianbao_overview`` template: no code, no
prompts, no parameters cell, no external assets (it works from file:// and offline).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from nbconvert.exporters import HTMLExporter
from traitlets import Unicode, default

TEMPLATES = str(resources.files("nianbao") / "templates" / "nbconvert")


class OverviewHTMLExporter(HTMLExporter):
    """The batch overview: the notebook's displayed outputs, in order."""

    export_from_notebook = "nianbao overview (HTML)"
    template_name = Unicode("nianbao_overview").tag(config=True)

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [TEMPLATES, *super()._default_extra_template_basedirs()]


def export_html(nb: Any) -> str:
    body, _ = OverviewHTMLExporter().from_notebook_node(nb)
    return body
