"""The registry of rule kinds: one ``RuleKind`` per ``kind`` a format's rules may name.

A rule of the format (``rules:`` in ``format/v2021.yaml``) is data: an id, a title, a severity, a
``kind`` and the kind's options. Everything that depends on the kind — which cells a rule relates,
which validation frame it is checked on, the derived frame columns and Great Expectations
expectations it compiles to, its rule instances and Chinese failure messages, the workbook
formulas and the importer's sum constraints — is owned by the kind's class, registered here by
name with ``@register("row_sum", ...)``. The validator, the workbook and the importer ask
``kind_of(rule)``; none of them branches on ``rule.kind``. A new format version is data plus, at
most, one new kind class.

Nothing here imports pandas or Great Expectations: loading a format resolves its kinds cheaply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from nianbao.format import Format, Rule, Table

if TYPE_CHECKING:
    import pandas as pd

    from nianbao.model import AgencyYear
    from nianbao.validation.children import Family
    from nianbao.validation.findings import Finding

KEY_COLUMNS = ("agency_id", "year", "key")
CELLS = "cells"
GX_SEVERITY = {"error": "critical", "warning": "warning"}

FrameShape = Literal["cells", "records", "fields"]
PreviousFrame = Callable[[], "pd.DataFrame | None"]


class UnknownRuleKind(ValueError):
    """A rule names a kind that no class is registered for."""


# --- what the kinds hand to their users -----------------------------------------------------------


@dataclass(frozen=True)
class Sum:
    """A total and the cells it adds up (cell refs, the parts in the rule's order).

    ``key`` is what the sum belongs to: a record key (within-record sums) or a field key (column
    sums), as in the ``key`` column of the rule's validation frame.
    """

    key: str
    total: str
    parts: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        """The total first, then the parts."""
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Balance:
    """Two sums of cells that are equal (cell refs): ``key`` is the field or record it belongs to."""

    key: str
    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True)
class Instance:
    """One evaluation of a table rule: a record (row sums) or a field (column sums) of a table."""

    rule: Rule
    table: Table
    key: str  # record key or field key, as in the frame's ``key`` column
    where: str  # Chinese location: 表三（…）「自然人」列
    cells: tuple[str, ...]  # this year's cells, the checked total first
    prev_cells: tuple[str, ...] = ()  # last year's cells (cross-year rules)
    labels: Mapping[str, str] | None = None  # cell ref → short label within ``where``


@dataclass(frozen=True)
class CellFailure:
    """What a cell rule says about one cell that Great Expectations found unexpected."""

    status: Literal["failed", "blank"]
    message: str
    left: Any = None


# --- the base class ---------------------------------------------------------------------------------


class RuleKind:
    """What one kind of rule means. Subclasses override what applies to them; the defaults say
    "nothing": no frame, no expectations, no instances, no sums, no plain-Python findings."""

    #: the frame the kind is checked on by Great Expectations; None: plain Python (``check``)
    frame: ClassVar[FrameShape | None] = None
    #: whether the kind compares a year with the previous year's report
    cross_year: ClassVar[bool] = False

    def frame_of(self, rule: Rule) -> str | None:
        """Name of the frame ``rule`` is checked on: ``cells``, ``t3-records``, ``t3-fields`` or None."""
        if self.frame is None:
            return None
        if self.frame == "cells":
            return CELLS
        return f"{rule.table}-{self.frame}"

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        """The Great Expectations expectations of ``rule``, on the columns of its frame."""
        return []

    def derive(self, rule: Rule, table: Table, df: pd.DataFrame, previous: PreviousFrame) -> pd.DataFrame:
        """``df`` (the rule's frame) with the derived columns its expectations compare."""
        return df

    def sums(self, table: Table, rule: Rule) -> list[Sum]:
        """The totals ``rule`` relates to their parts (for sum kinds; else none)."""
        return []

    def balances(self, table: Table, rule: Rule) -> list[Balance]:
        """The sums of cells ``rule`` says are equal (for balance kinds; else none)."""
        return []

    def instances(self, fmt: Format, rule: Rule) -> list[Instance]:
        """Every instance of a table rule, in template order."""
        return []

    def message(self, inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
        """Chinese message for an instance that Great Expectations found not to hold."""
        raise NotImplementedError(f"{type(self).__name__} has no instances")

    def cell_failure(self, fmt: Format, ref: str, value: Any, check: str | None) -> CellFailure:
        """Chinese message for a cell a cell rule found unexpected (``value``: the frame's value)."""
        raise NotImplementedError(f"{type(self).__name__} is not a cell rule")

    def check(self, params: AgencyYear, rule: Rule) -> list[Finding]:
        """Findings of a plain-Python kind for one agency-year."""
        return []

    def check_years(self, params: AgencyYear, prev: Any, rule: Rule) -> list[Finding]:
        """Findings of a plain-Python cross-year kind: ``params`` against last year's report ``prev`` (an
        ``AgencyYear`` in the same format, or a ``PreviousReport`` read through the comparable cells)."""
        return []

    def check_family(self, params: AgencyYear, family: Family, rule: Rule) -> list[Finding]:
        """Findings of a kind that compares an agency-year with other agencies' of the same year: its
        children and its parent (``nianbao.validation.children``)."""
        return []


# --- the registry -----------------------------------------------------------------------------------

_KINDS: dict[str, RuleKind] = {}

K = TypeVar("K", bound=type[RuleKind])


def failed_finding(
    params: AgencyYear, rule: Rule, message: str, *, status: str = "failed", severity: str | None = None, **fields: Any
) -> Finding:
    """A finding that ``rule`` does not hold for ``params`` (or, with ``status="not_evaluated"``, could not be
    checked): its id, severity (the format's unless given) and Chinese title from the format."""
    from nianbao.validation.findings import Finding

    return Finding(
        rule_id=rule.id,
        severity=severity or rule.severity,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        agency_id=params.agency.id,
        year=params.year,
        table=fields.pop("table", None),
        message=message,
        title=rule.title,
        **fields,
    )


def register(*names: str) -> Callable[[K], K]:
    """Class decorator: register a ``RuleKind`` subclass under one or more kind names."""

    def decorate(cls: K) -> K:
        kind = cls()
        for name in names:
            if name in _KINDS:
                raise ValueError(f"rule kind {name!r} is registered twice")
            _KINDS[name] = kind
        return cls

    return decorate


def registered() -> list[str]:
    """Every registered kind name, sorted."""
    return sorted(_KINDS)


def kind_of(rule: Rule) -> RuleKind:
    """The kind of ``rule``; ``UnknownRuleKind`` names the rule and the kinds there are."""
    try:
        return _KINDS[rule.kind]
    except KeyError:
        raise UnknownRuleKind(
            f"规则 {rule.id} 的类型 {rule.kind!r} 未知；可用的类型：{', '.join(registered())}"
        ) from None


def table_of(fmt: Format, rule: Rule) -> Table:
    """The table a table rule is about."""
    if rule.table is None:
        raise ValueError(f"rule {rule.id}: kind {rule.kind!r} needs a table")
    return fmt.tables[rule.table]


@dataclass(frozen=True)
class Equation:
    """One equality a rule states on a table's cells: Σ ``left`` = Σ ``right`` over cell refs (a total is
    ``left`` alone, its parts ``right``); ``key`` is the record or field it belongs to. The workbook writes
    them as check formulas, the importer solves digit runs under them."""

    rule: Rule = field(compare=False)  # compared and hashed by its id (a Rule holds dicts)
    key: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    rule_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule_id", self.rule.id)

    @property
    def cells(self) -> tuple[str, ...]:
        return (*self.left, *self.right)

    def holds(self, values: Mapping[str, int | None]) -> bool:
        """Whether the sum holds; a blank (unknown) cell leaves it unchecked, so it holds."""
        if any(values[c] is None for c in self.cells):
            return True
        return sum(values[c] for c in self.left) == sum(values[c] for c in self.right)  # type: ignore[misc]

    def __str__(self) -> str:
        return f"{self.rule.id}（{self.key}）"


def table_equations(fmt: Format, table: Table) -> list[Equation]:
    """Every equality the format's rules state within one year of ``table``, in rule order: the sums and
    balances of the rule kinds (cross-year rules need last year's report, so they state none here)."""
    out: list[Equation] = []
    for rule in fmt.rules:
        if rule.table != table.key:
            continue
        kind = kind_of(rule)
        if kind.cross_year:
            continue
        out += [Equation(rule, s.key, (s.total,), s.parts) for s in kind.sums(table, rule)]
        out += [Equation(rule, b.key, b.left, b.right) for b in kind.balances(table, rule)]
    return out


def table_sums(fmt: Format, table: Table) -> list[Sum]:
    """Every sum the format's rules define on ``table``, in rule order (the workbook and importer use these)."""
    return [s for rule in fmt.rules if rule.table == table.key for s in kind_of(rule).sums(table, rule)]


# --- helpers for the kinds ----------------------------------------------------------------------------


def derived(rule: Rule | str, role: str) -> str:
    """Name of a derived column: ``T3-rowsum:parts``."""
    rule_id = rule if isinstance(rule, str) else rule.id
    return f"{rule_id}:{role}"


def expectation(rule: Rule, kind: str, kwargs: dict[str, Any], check: str | None = None) -> dict[str, Any]:
    """One expectation of ``rule`` in GX 1.x's suite JSON."""
    meta: dict[str, Any] = {"rule_id": rule.id}
    if check:
        meta["check"] = check
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": meta,
        "description": rule.title,
        "severity": GX_SEVERITY[rule.severity],
    }


def pair(rule: Rule, column_a: str, column_b: str) -> dict[str, Any]:
    """Column A equals column B, rows with a blank on either side skipped (reported as not evaluated)."""
    return expectation(
        rule,
        "expect_column_pair_values_to_be_equal",
        {"column_A": column_a, "column_B": column_b, "ignore_row_if": "either_value_is_missing"},
    )


def record_where(table: Table, key: str) -> str:
    """Chinese location of a record: 表三（…）「（一）予以公开」行."""
    record = table.record(key)
    if table.layout == "grid" and table.records_by == "columns":
        return f"{table.name}「{record.label}」"
    return f"{table.name}「{record.label}」行"


def field_where(table: Table, field_key: str) -> str:
    """Chinese location of a field (a column): 表三（…）「自然人」列."""
    label = next(f.label for _, f in table.cells() if f.key == field_key)
    return f"{table.name}「{label}」列"


def field_instances(fmt: Format, rule: Rule, records: Sequence[str], prev_record: str | None = None) -> list[Instance]:
    """One instance per field of the rule's table, over the cells of ``records`` in that field."""
    table = table_of(fmt, rule)
    out = []
    for fk in table.field_keys():
        cells = tuple(table.cell_ref(r, fk) for r in records)
        labels = {table.cell_ref(r, fk): table.record(r).label for r in records}
        prev: tuple[str, ...] = ()
        if prev_record is not None:
            prev = (table.cell_ref(prev_record, fk),)
            labels[prev[0]] = table.record(prev_record).label
        out.append(Instance(rule, table, fk, field_where(table, fk), cells, prev, labels))
    return out
