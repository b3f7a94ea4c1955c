"""Grouped findings for a terminal (``nianbao validate`` and ``nianbao lint``) and as JSON.

The lines are the same groups the review page shows (``nianbao.validation.grouping``), wrapped here
rather than by the terminal so that no number, no sign and no closing punctuation is split from
what it belongs to: a wrapped "相差1" never reads "相差" / "1", whatever the width. Chinese text has
no spaces to break at, so the wrapper breaks between characters, measuring each by its terminal
width (a Han character takes two columns), and keeps runs of digits, signs and Latin letters whole
(line-breaking rules after JIS X 4051 / 禁则: no line opens with ，。、）」 or ends with （「).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len

from nianbao.validation.findings import Finding, counts
from nianbao.validation.grouping import SEVERITY_LABEL, Group, groups_to_dict

# A token never split across lines: a number (with sign, separators, decimals, percent), a Latin
# word, a run of spaces, or one other character.
_TOKEN = re.compile(r"[+\-−]?\d[\d,.]*%?|[A-Za-z_/~][A-Za-z0-9_./~\-]*|\s+|.", re.S)
_CLOSING = set("，。、；：:,.;!?！？）」』】》”’%·…")
_OPENING = set("（「『【《“‘(")


def tokens(text: str) -> list[str]:
    """``text`` cut where a line may break: numbers whole, closing marks glued to what they close,
    opening marks to what they open."""
    out: list[str] = []
    glue_next = False
    for tok in _TOKEN.findall(text):
        if out and (glue_next or (tok[0] in _CLOSING and not tok.isspace())):
            out[-1] += tok
        else:
            out.append(tok)
        glue_next = tok[-1] in _OPENING
    return out


def wrap(text: str, width: int, indent: int = 0, hang: int | None = None) -> list[str]:
    """``text`` as lines of at most ``width`` terminal columns (when a token allows), the first indented
    ``indent`` columns and the rest ``hang`` (default: ``indent``)."""
    hang = indent if hang is None else hang
    lines: list[str] = []
    line, used = " " * indent, indent
    for tok in tokens(text):
        size = cell_len(tok)
        at_start = used == (indent if not lines else hang)
        if not at_start and used + size > width:
            lines.append(line.rstrip())
            line, used = " " * hang, hang
            at_start = True
        if at_start and tok.isspace():
            continue
        line += tok
        used += size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def group_lines(groups: Sequence[Group], width: int) -> list[tuple[str, str]]:
    """Every group as (style, line) pairs: the group's heading, then each item numbered as on the
    review page, the sums a blank block keeps from being checked under it."""
    out: list[tuple[str, str]] = []
    for g in groups:
        style = "bold red" if g.severity == "error" else "yellow"
        head = f"{SEVERITY_LABEL[g.severity]} {g.heading}（{g.count} 项）"
        out += [(style, line) for line in wrap(head, width, indent=2, hang=4)]
        for item in g.items:
            number = item.id.rsplit("-", 1)[-1] + ". "
            body = wrap(number + item.text, width, indent=4, hang=4 + len(number))
            out += [("", line) for line in body]
            if item.blocked:
                out += [("dim", line) for line in wrap(item.blocked_text, width, indent=4 + len(number))]
    return out


def summary(findings: Sequence[Finding], groups: Sequence[Group]) -> str:
    """ "校验结果：161 项（错误 0 项，警告 161 项），归为 2 条：" ."""
    if not findings:
        return "校验结果：全部通过"
    c = counts(findings)
    n_items = sum(len(g.items) for g in groups)
    return f"校验结果：{len(findings)} 项（错误 {c['error']} 项，警告 {c['warning']} 项），归为 {n_items} 条："


def document(findings: Iterable[Finding], groups: Sequence[Group]) -> dict[str, Any]:
    """Counts, groups and every atomic finding, for ``--format json``."""
    found = list(findings)
    return {
        "counts": counts(found),
        "groups": groups_to_dict(groups),
        "findings": [f.to_dict() for f in found],
    }
