"""HTML fragments of a report (title, sections, signature), rendered with jinja2.

All text from params is autoescaped: no raw HTML from a params file reaches the page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import jinja2

if TYPE_CHECKING:
    from .model import AgencyYear


@cache
def environment() -> jinja2.Environment:
    root = resources.files("nianbao") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def front(params: AgencyYear) -> str:
    """Title and opening paragraph(s)."""
    return environment().get_template("report/front.html.j2").render(p=params)


def section(params: AgencyYear, key: str, table_html: str = "") -> str:
    """One of the six sections under the format's exact heading, whatever the source numbered it."""
    sec = params.fmt.section(key)
    return (
        environment()
        .get_template("report/section.html.j2")
        .render(section=sec, blocks=params.narrative(key), table_html=table_html)
    )


def signature(params: AgencyYear) -> str:
    return environment().get_template("report/signature.html.j2").render(p=params)
