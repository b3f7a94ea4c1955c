"""Reviewers' decisions on findings, kept in ``reviews/<agency-id>/<year>.yaml`` across rebuilds.

A reviewer who has looked at a finding records what it is (确认有误 / 待整改 / 已整改 / 忽略, the last
with a reason) with ``nianbao review``. A decision is keyed by the rule, the cells it names and the
values of the cells it was made on (recorded in the file): every build applies it again to the new
findings. While those values are unchanged, the findings it covers are *decided* and no longer count
as open; when one of them changes, the decision is shown as 需复核 and its findings are open again (a
decision is never carried over to numbers nobody looked at). A decision whose finding is gone (the cell
was corrected) stays in the record as 问题已消失.

A blank cell also blocks the sums that use it ("not evaluated" findings): a decision on the blank cell
covers them too, as long as every blank cell such a sum waits for is decided.

The file is plain YAML a person can edit; ``load`` checks it and names the file and the entry at fault
(``ReviewsError``). The build (``nianbao.batch.pipeline``) applies decisions in the parent process and
passes them, evaluated, to the notebook (the 审核记录 block of review.html) and to ``findings.json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from nianbao import atomic
from nianbao.errors import NianbaoError
from nianbao.validation.findings import Finding, Number, counts

if TYPE_CHECKING:
    from nianbao.format import Format, Rule
    from nianbao.model import AgencyYear

REVIEWS_DIR = "reviews"


class ReviewsError(NianbaoError):
    """A reviews file or a ``nianbao review`` request that cannot be used; the message names file and entry."""

    lead = "审核记录有误："


# --- the statuses a reviewer can give, and the states a decision can be in after a build ------------------


@dataclass(frozen=True)
class DecisionStatus:
    """What a reviewer says about a finding: its label (as written in the reviews file) and its rules."""

    key: str  # ASCII, for JSON and CSS
    label: str  # the word written in the file and shown to people
    needs_reason: bool = False
    aliases: tuple[str, ...] = ()


DECISION_STATUSES: tuple[DecisionStatus, ...] = (
    DecisionStatus("confirmed", "确认有误", aliases=("confirmed",)),
    DecisionStatus("to-fix", "待整改", aliases=("to-fix", "to_fix")),
    DecisionStatus("fixed", "已整改", aliases=("fixed",)),
    DecisionStatus("ignored", "忽略", needs_reason=True, aliases=("忽略（说明原因）", "忽略(说明原因)", "ignored")),
)
_BY_WORD = {w: s for s in DECISION_STATUSES for w in (s.label, *s.aliases)}


def decision_status(word: str) -> DecisionStatus:
    """The status ``word`` names (its label or an alias); ``ReviewsError`` lists the statuses there are."""
    try:
        return _BY_WORD[word.strip()]
    except KeyError:
        raise ReviewsError(
            f"未知的审核结论 {word!r}；可用：{' / '.join(s.label for s in DECISION_STATUSES)}（忽略须说明原因）"
        ) from None


State = Literal["in_force", "stale", "gone"]
STATE_LABELS: dict[State, str] = {"in_force": "已审核", "stale": "需复核", "gone": "问题已消失"}


# --- one decision -----------------------------------------------------------------------------------------


def _number(v: Any) -> Number | None:
    """A cell value as recorded or read back: int, Decimal or None (floats and strings as Decimal)."""
    if v is None or isinstance(v, bool):
        return None if v is None else int(v)
    if isinstance(v, int):
        return v
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise ValueError(f"不是数字：{v!r}") from None
    return int(d) if d == d.to_integral_value() else d


def _same(a: Number | None, b: Number | None) -> bool:
    if a is None or b is None:
        return a is b
    return Decimal(a) == Decimal(b)


def _yaml_value(v: Number | None) -> int | str | None:
    return v if v is None or isinstance(v, int) else format(v.normalize(), "f")


@dataclass(frozen=True)
class Decision:
    """One entry of a reviews file."""

    rule: str
    cells: tuple[str, ...]  # the cells the reviewer named ((): a finding about a section or the whole report)
    status: str  # a DecisionStatus label
    reason: str = ""
    section: str | None = None  # a narrative section key, for findings without cells
    values: Mapping[str, Number | None] = field(default_factory=dict)  # every cell it was made on → its value
    # What the findings it decided compared the cells with, when it was made ("应为": last year's value, the
    # children's sum …), by the findings' cells joined with ","; a change there reopens it like a cell's.
    expected: Mapping[str, Number | None] = field(default_factory=dict)
    reviewer: str = ""
    time: str = ""  # ISO 8601, when it was recorded

    @property
    def status_key(self) -> str:
        return decision_status(self.status).key

    def same_target(self, other: Decision) -> bool:
        return (self.rule, set(self.cells), self.section) == (other.rule, set(other.cells), other.section)

    def covers(self, f: Finding) -> bool:
        """Whether ``f`` is a finding of this decision's rule at its cells (or section)."""
        if f.rule_id != self.rule:
            return False
        if self.cells:
            return set(self.cells) <= set(f.cells)
        return not f.cells and f.section == self.section

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule}
        if self.cells:
            out["cells"] = list(self.cells)
        if self.section:
            out["section"] = self.section
        out["status"] = self.status
        if self.reason:
            out["reason"] = self.reason
        out["values"] = {ref: _yaml_value(v) for ref, v in self.values.items()}
        if self.expected:
            out["expected"] = {key: _yaml_value(v) for key, v in self.expected.items()}
        if self.reviewer:
            out["reviewer"] = self.reviewer
        if self.time:
            out["time"] = self.time
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (findings.json, the notebook's parameters)."""
        return {**self.to_yaml(), "cells": list(self.cells), "section": self.section, "reason": self.reason}

    @classmethod
    def from_data(cls, data: Any, where: str = "") -> Decision:
        """An entry as read from YAML or JSON; ``ReviewsError`` names ``where`` and what is wrong."""
        if not isinstance(data, Mapping):
            raise ReviewsError(f"{where}应为映射（rule: …, cells: […], status: …），实际为 {type(data).__name__}")
        rule = data.get("rule")
        if not isinstance(rule, str) or not rule:
            raise ReviewsError(f"{where}缺少 rule（规则编号，如 T4-sum）")
        cells = data.get("cells") or []
        if isinstance(cells, str):
            cells = [cells]
        if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
            raise ReviewsError(f"{where}cells 应为单元格编号的列表，如 [t4.suit_after_review.total]")
        status = data.get("status")
        if not isinstance(status, str):
            raise ReviewsError(f"{where}缺少 status（{' / '.join(s.label for s in DECISION_STATUSES)}）")
        try:
            kind = decision_status(status)
        except ReviewsError as err:
            raise ReviewsError(f"{where}{err}") from None
        reason = data.get("reason") or ""
        if not isinstance(reason, str):
            reason = str(reason)
        if kind.needs_reason and not reason.strip():
            raise ReviewsError(f"{where}结论为“{kind.label}”时必须在 reason 中说明原因")
        parsed = _cell_numbers(data, "values", where)
        compared = _cell_numbers(data, "expected", where)
        section = data.get("section")
        return cls(
            rule=rule,
            cells=tuple(cells),
            status=kind.label,
            reason=reason.strip(),
            section=str(section) if section else None,
            values=parsed,
            expected=compared,
            reviewer=str(data.get("reviewer") or ""),
            time=str(data.get("time") or ""),
        )


def _cell_numbers(data: Mapping[str, Any], key: str, where: str) -> dict[str, Number | None]:
    """An entry's ``key`` mapping (cell ref → number) as read; ``ReviewsError`` names ``where`` and the key."""
    found = data.get(key) or {}
    if not isinstance(found, Mapping):
        raise ReviewsError(f"{where}{key} 应为“单元格编号: 数值”的映射")
    try:
        return {str(ref): _number(v) for ref, v in found.items()}
    except ValueError as err:
        raise ReviewsError(f"{where}{key} 中的{err}") from None


# --- the reviews file -------------------------------------------------------------------------------------


def reviews_path(root: Path, agency_id: str, year: int) -> Path:
    """``<project>/reviews/<agency-id>/<year>.yaml``."""
    return root / REVIEWS_DIR / agency_id / f"{year}.yaml"


def beside_params(params_file: Path) -> Path:
    """The reviews file of ``params/<agency-id>/<year>.yaml``: ``reviews/<agency-id>/<year>.yaml``."""
    params_file = Path(params_file)
    return params_file.parent.parent.parent / REVIEWS_DIR / params_file.parent.name / params_file.name


def load(path: Path, name: str | None = None) -> list[Decision]:
    """The decisions in ``path`` ([] when there is no file); ``ReviewsError`` names the file and the entry."""
    shown = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as err:
        raise ReviewsError(f"{shown}：无法读取（{err}）") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise ReviewsError(f"{shown}：YAML 格式错误{at}（{getattr(err, 'problem', None) or err}）") from None
    if data is None:
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get("decisions", []), list):
        raise ReviewsError(f"{shown}：应为映射，含 decisions: [ … ] 列表")
    out = []
    for i, entry in enumerate(data.get("decisions") or [], 1):
        rule = entry.get("rule") if isinstance(entry, Mapping) else None
        where = f"{shown}：第 {i} 条审核记录" + (f"（规则 {rule}）" if rule else "") + "："
        out.append(Decision.from_data(entry, where))
    return out


def dumps(decisions: Sequence[Decision], heading: str = "") -> str:
    """The reviews file's text: a comment saying what it is, then the decisions, sorted (stable diffs)."""
    ordered = sorted(decisions, key=lambda d: (d.rule, d.cells, d.section or ""))
    head = [
        "# 审核记录" + (f"：{heading}" if heading else ""),
        "# 由 `nianbao review` 写入，可手工编辑。结论："
        + " / ".join(s.label for s in DECISION_STATUSES)
        + "（忽略须说明原因）。",
        "# values 是作出结论时相关单元格的数值；其中任一数值改变后，该结论显示为“需复核”。",
        "# expected 是当时校验结果的对照值（应为：上年度数值、下级机关合计等）；对照值改变后，同样显示为“需复核”。",
    ]
    body = yaml.safe_dump(
        {"decisions": [d.to_yaml() for d in ordered]}, allow_unicode=True, sort_keys=False, width=1000
    )
    return "\n".join(head) + "\n" + body


def save(path: Path, decisions: Sequence[Decision], heading: str = "") -> None:
    atomic.write_text(path, dumps(decisions, heading))


# --- what a rule is about: the cells a decision on it may name --------------------------------------------


def scopes(fmt: Format, rule: Rule) -> list[tuple[str, ...]] | None:
    """The groups of cells one finding of ``rule`` can be about (each instance's cells; each cell for a cell
    rule); None for a rule checked in plain Python (narrative numbers, headings, deadline), which may name
    any cell or section."""
    from nianbao.rules import kind_of

    kind = kind_of(rule)
    instances = kind.instances(fmt, rule)
    if instances:
        return [inst.cells for inst in instances]
    if kind.frame == "cells":
        return [(ref,) for ref in fmt.cell_refs()]
    return None


def _rule(fmt: Format, rule_id: str) -> Rule:
    try:
        return fmt.rule(rule_id)
    except KeyError:
        listing = "、".join(f"{r.id}（{r.title}）" for r in fmt.rules)
        raise ReviewsError(f"未知的规则 {rule_id!r}；{fmt.name}的规则有：{listing}") from None


def made_on(fmt: Format, rule_id: str, cells: Sequence[str], section: str | None = None) -> tuple[str, ...]:
    """Every cell a decision on ``rule_id`` at ``cells`` depends on (the cells of the rule instances holding
    them); ``ReviewsError`` for an unknown rule or a cell the rule does not have, in the template's words."""
    from nianbao.rules.wording import cell_label

    rule = _rule(fmt, rule_id)
    for ref in cells:
        try:
            fmt.cell(ref)
        except (KeyError, ValueError):
            raise ReviewsError(f"{fmt.name}没有单元格 {ref!r}（单元格编号如 t4.suit_after_review.total）") from None
    if section is not None:
        try:
            fmt.section(section)
        except KeyError:
            keys = "、".join(f"{s.key}（{s.heading}）" for s in fmt.sections)
            raise ReviewsError(f"没有部分 {section!r}；可用：{keys}") from None
    groups = scopes(fmt, rule)
    if groups is None:
        return tuple(cells)
    out: list[str] = []
    for ref in cells:
        holding = [g for g in groups if ref in g]
        if not holding:
            raise ReviewsError(f"规则 {rule.id}（{rule.title}）不涉及{cell_label(fmt, ref)}（{ref}）")
        out += [c for g in holding for c in g if c not in out]
    return tuple(out)


def record(
    params: AgencyYear,
    decisions: Sequence[Decision],
    *,
    rule: str,
    cells: Sequence[str],
    status: str,
    reason: str = "",
    section: str | None = None,
    reviewer: str = "",
    now: dt.datetime | None = None,
    findings: Sequence[Finding] | None = None,
) -> tuple[list[Decision], Decision]:
    """``decisions`` with a new one on ``rule`` at ``cells`` (replacing an earlier one on the same target),
    made on the current values of ``params`` and (given the last build's ``findings``) on what the findings
    it decides compared them with; the new decision."""
    kind = decision_status(status)
    if kind.needs_reason and not reason.strip():
        raise ReviewsError(f"结论为“{kind.label}”时必须用 --reason 说明原因")
    if not cells and section is None:
        _rule(params.fmt, rule)  # a finding about the whole report (e.g. the date): no cell to name
    on = made_on(params.fmt, rule, cells, section)
    when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    new = Decision(
        rule=rule,
        cells=tuple(cells),
        status=kind.label,
        reason=reason.strip(),
        section=section,
        values={ref: params.tables.get(ref) for ref in on},
        reviewer=reviewer,
        time=when,
    )
    compared = {compared_key(f): f.right for f in findings or () if new.covers(f) and f.right is not None}
    new = replace(new, expected=compared)
    kept = [d for d in decisions if not d.same_target(new)]
    return [*kept, new], new


# --- applying decisions to a build's findings -------------------------------------------------------------


def compared_key(f: Finding) -> str:
    """How a decision keeps what finding ``f`` compared its cells with: the cells, joined."""
    return ",".join(f.cells)


@dataclass(frozen=True)
class Applied:
    """A decision as it stands against the current findings and values."""

    decision: Decision
    state: State
    changed: tuple[tuple[str, Number | None, Number | None], ...] = ()  # (cell, recorded, now)
    covers: tuple[int, ...] = ()
    # What a decided finding compares its cells with, changed: (its first cell, recorded, now)
    expected_changed: tuple[
        tuple[str, Number | None, Number | None], ...
    ] = ()  # indexes of the findings it decides (in the build's findings list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def to_dict(self, title: str = "") -> dict[str, Any]:
        from nianbao.validation.findings import _number_out

        return {
            **self.decision.to_dict(),
            "values": {ref: _number_out(v) for ref, v in self.decision.values.items()},
            "title": title,
            "state": self.state,
            "state_label": self.state_label,
            "changed": [{"cell": c, "recorded": _number_out(a), "now": _number_out(b)} for c, a, b in self.changed],
            "expected_changed": [
                {"cell": c, "recorded": _number_out(a), "now": _number_out(b)} for c, a, b in self.expected_changed
            ],
            "findings": list(self.covers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Applied:
        from nianbao.validation.findings import _number_in

        return cls(
            decision=Decision.from_data(data),
            state=data["state"],
            changed=tuple((c["cell"], _number_in(c["recorded"]), _number_in(c["now"])) for c in data["changed"]),
            covers=tuple(int(i) for i in data["findings"]),
            expected_changed=tuple(
                (c["cell"], _number_in(c["recorded"]), _number_in(c["now"])) for c in data.get("expected_changed", ())
            ),
        )


@dataclass(frozen=True)
class Review:
    """The findings of one agency-year split into open and decided by the reviewers' decisions."""

    findings: tuple[Finding, ...]
    applied: tuple[Applied, ...] = ()

    @property
    def decided_indexes(self) -> set[int]:
        return {i for a in self.applied if a.state == "in_force" for i in a.covers}

    @property
    def open(self) -> list[Finding]:
        decided = self.decided_indexes
        return [f for i, f in enumerate(self.findings) if i not in decided]

    @property
    def decided(self) -> list[Finding]:
        decided = self.decided_indexes
        return [f for i, f in enumerate(self.findings) if i in decided]

    @property
    def needs_review(self) -> list[Applied]:
        return [a for a in self.applied if a.state == "stale"]

    def counts(self) -> dict[str, int]:
        """Open findings by severity, decided findings, and decisions to look at again."""
        return {**counts(self.open), "decided": len(self.decided), "needs_review": len(self.needs_review)}

    def to_dicts(self, titles: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        titles = titles or {}
        return [a.to_dict(titles.get(a.decision.rule, "")) for a in self.applied]

    def document(self, titles: Mapping[str, str] | None = None) -> dict[str, Any]:
        """What ``findings.json`` says about decisions: the counts of open and decided, and every decision."""
        return {"review": self.counts(), "decisions": self.to_dicts(titles)}

    @classmethod
    def from_dicts(cls, findings: Iterable[Finding], applied: Iterable[Mapping[str, Any]] | None) -> Review:
        return cls(tuple(findings), tuple(Applied.from_dict(a) for a in applied or ()))


def apply(decisions: Sequence[Decision], findings: Iterable[Finding], values: Mapping[str, Any]) -> Review:
    """Split ``findings`` by ``decisions`` made on the cell ``values`` they record, against the current
    ``values`` (``params.tables``); see the module docstring."""
    found = tuple(findings)
    applied: list[Applied] = []
    blank_decided: dict[str, int] = {}  # blank cell → index (in ``applied``) of the decision in force on it
    for d in decisions:
        changed = tuple(
            (ref, was, now)
            for ref, was in d.values.items()
            if not _same(was, now := _number(values.get(ref)) if ref in values else None)
        )
        covers = tuple(i for i, f in enumerate(found) if d.covers(f))
        compared = tuple(
            (found[i].cells[0] if found[i].cells else k, d.expected[k], now)
            for i in covers
            if (k := compared_key(found[i])) in d.expected and not _same(d.expected[k], now := _number(found[i].right))
        )
        state: State = "stale" if changed or compared else ("in_force" if covers else "gone")
        if state == "in_force":
            for i in covers:
                if found[i].status == "blank":
                    blank_decided.update(dict.fromkeys(found[i].cells, len(applied)))
        applied.append(Applied(d, state, changed, covers, compared))
    # Sums a decided blank cell blocks are decided with it (when every blank they wait for is decided).
    taken = {i for a in applied if a.state == "in_force" for i in a.covers}
    for i, f in enumerate(found):
        if i in taken or f.status != "not_evaluated":
            continue
        blanks = [ref for ref in f.cells if ref in values and values[ref] is None]
        if blanks and all(ref in blank_decided for ref in blanks):
            n = blank_decided[blanks[0]]
            applied[n] = replace(applied[n], covers=tuple(sorted((*applied[n].covers, i))))
    return Review(found, tuple(applied))


def error_finding(params: AgencyYear, err: ReviewsError) -> Finding:
    """A reviews file that cannot be read, as an open error of the report (its decisions are not applied)."""
    return Finding(
        rule_id="reviews",
        severity="error",
        status="failed",
        agency_id=params.agency.id,
        year=params.year,
        table=None,
        message=f"{err}（审核记录未应用，全部问题按未审核显示）",
        title="审核记录文件应可读取",
    )


def review_of(
    params: AgencyYear, findings: Iterable[Finding], reviews_file: Path | None, name: str | None = None
) -> Review:
    """The findings of ``params`` with the decisions of ``reviews_file`` applied (a file that cannot be read
    becomes an open error finding instead)."""
    found = list(findings)
    if reviews_file is None:
        return Review(tuple(found))
    try:
        decisions = load(reviews_file, name)
    except ReviewsError as err:
        return Review((*found, error_finding(params, err)))
    return apply(decisions, found, params.tables)


def titles(fmt: Format) -> dict[str, str]:
    """Rule id → Chinese title, for showing decisions."""
    return {r.id: r.title for r in fmt.rules}
