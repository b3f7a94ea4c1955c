"""Read the three tables of a report by matching its row and column labels to the format.

The blocks of a table section (its tables' rows, and the headings or paragraphs between them,
which give context such as "（三）不予公开" or "行政复议") are read as one stream of lines. A line
is split into label cells and value cells (numbers, or blanks after the last label). A line with
values is matched to a record of the format by its labels — folded, so a label broken over
lines or cells, written in traditional characters or with half-width brackets still matches;
near misses and known aliases (规范性文件) match too and are reported as deviations. Table 四,
whose records are column groups, is read from its value lines in order, guided by the context
that names a group.

A PDF converter separates some row labels from their numbers: the label lines stand in paragraphs,
the numbers in a row of their own (or one table row as a paragraph, "行政许可 97"). A row of values
without a label is read by position: the rows the labelled rows leave out between two of them, in
the format's order, when there are exactly as many unlabelled rows there; and only when the
format's sums over those cells hold (else they stay null). A row of more value cells than fields
whose extra cells are trailing blanks (a converter's phantom column) loses those blanks. Values
go to the fields in the format's column order; when the header does not name the format's
columns ("数据1…数据6", or too few of them), the import notes that columns were read by position.

Values: "22（其中修订16件）" reads 22 and notes the annotation; a blank, "-" or "/" is a blank
cell (null, never 0). Digits run together ("713000074" for seven cells) are split only when the
format's row-sum rule leaves exactly one split; otherwise the cells stay null and the candidate
splits are reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.format import Field, Format, Record, Table
from nianbao.importers import solver
from nianbao.importers.document import Cell, SourceBlock
from nianbao.importers.flat_table import run_by_columns, runs_by_rows
from nianbao.importers.import_report import CellIssue, LabelDeviation
from nianbao.importers.labels import Match, compare
from nianbao.importers.solver import Run, solve
from nianbao.rules import table_equations, table_sums

ROW_MIN = 0.7  # a value line's label must match a record at least this well
LABEL_MIN = 0.7  # header and context labels: report as deviation from this score on
BLANKS = {"", "-", "—", "–", "－", "/", "／", "——", "\\"}
UNITS = ("件", "个", "条", "项", "次", "万元", "元")
NUMBER = re.compile(
    r"^(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?))\s*(?P<unit>"
    + "|".join(UNITS)
    + r")?\s*(?P<note>\(.*\))?$"
)
MONEY = ("万元", "元")  # units an amount field converts from (its own unit is not a note)
MAX_CANDIDATES = 50
PLACEHOLDER = re.compile(r"^数据\s*\d+$")  # a lost column header, as converters write it
MAX_STEPS = 200_000


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A value cell as published: blank, a number (with any annotation), or text."""

    text: str
    kind: str  # blank | number | text
    number: str = ""
    note: str = ""  # an annotation after the number, e.g. (其中修订16件), or a unit


def read_value(text: str) -> Value:
    t = unicodedata.normalize("NFKC", text).strip()
    if t in BLANKS:
        return Value(text, "blank")
    m = NUMBER.match(t.replace(" ", "")) if len(t) < 40 else None
    if m:
        note = (m.group("unit") or "") + (m.group("note") or "")
        return Value(text, "number", m.group("num").replace(",", ""), note)
    return Value(text, "text")


def is_value_cell(cell: Cell) -> bool:
    return read_value(cell.text).kind != "text"


def to_number(v: Value, f: Field) -> int | Decimal | None:
    """The value in the field's kind and unit (a sign only where the kind admits one)."""
    unit = v.note if f.unit and v.note in MONEY else None
    return f.cell_kind.from_text(v.number, f.unit, unit)


# --- run-together digits ----------------------------------------------------------------------


@dataclass(frozen=True)
class SumRule:
    """Within a run of slots: slot ``total`` equals the sum of slots ``parts``."""

    total: int
    parts: tuple[int, ...]


def split_candidates(tokens: list[str], n: int, rules: list[SumRule]) -> tuple[list[tuple[int, ...]], bool]:
    """Every way to cut the digit strings ``tokens`` into ``n`` numbers (no leading zeros, no piece
    across tokens) that satisfies ``rules``; and whether the search was complete."""
    by_total: dict[int, list[SumRule]] = {}
    for rule in rules:
        by_total.setdefault(max(rule.total, *rule.parts), []).append(rule)
    out: list[tuple[int, ...]] = []
    steps = 0
    complete = True

    def ok(values: list[int]) -> bool:
        for rule in by_total.get(len(values) - 1, ()):
            if values[rule.total] != sum(values[p] for p in rule.parts):
                return False
        return True

    def walk(ti: int, pos: int, values: list[int]) -> None:
        nonlocal steps, complete
        steps += 1
        if steps > MAX_STEPS or len(out) > MAX_CANDIDATES:
            complete = False
            return
        if ti == len(tokens):
            if len(values) == n:
                out.append(tuple(values))
            return
        token = tokens[ti]
        if pos == len(token):
            walk(ti + 1, 0, values)
            return
        # Pieces still needed must fit in the digits left.
        left_digits = len(token) - pos + sum(len(t) for t in tokens[ti + 1 :])
        slots_left = n - len(values)
        if slots_left <= 0 or left_digits < slots_left:
            return
        for end in range(pos + 1, len(token) + 1):
            piece = token[pos:end]
            if len(piece) > 1 and piece[0] == "0":
                break
            values.append(int(piece))
            if ok(values):
                walk(ti, end, values)
            values.pop()

    walk(0, 0, [])
    return out, complete


def sum_rules(fmt: Format, table: Table, slots: list[tuple[Record, Field]]) -> list[SumRule]:
    """The format's sums (``nianbao.rules.table_sums``: T3-rowsum, T4-sum, …) whose cells all lie in
    ``slots``, as rules over the slots."""
    index = {table.cell_ref(r, f.key): i for i, (r, f) in enumerate(slots)}
    return [
        SumRule(index[s.total], tuple(index[p] for p in s.parts))
        for s in table_sums(fmt, table)
        if all(c in index for c in s.cells)
    ]


# --- the result of reading one table ----------------------------------------------------------


@dataclass
class TableRead:
    values: dict[str, int | Decimal | None] = field(default_factory=dict)
    cells: list[CellIssue] = field(default_factory=list)
    labels: list[LabelDeviation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def deviate(self, dev: LabelDeviation) -> None:
        if all((d.table, d.found, d.expected) != (dev.table, dev.found, dev.expected) for d in self.labels):
            self.labels.append(dev)


@dataclass(frozen=True)
class Line:
    labels: list[Cell]  # label cells, empties dropped, in order (cells repeated from above included)
    values: list[Cell]  # value cells after the last label
    context: bool = False  # a heading or paragraph between tables


LABELLED_NUMBER = re.compile(r"^(?P<label>\D.*?\D)\s+(?P<number>\d[\d,.]*)$")


def lines_of(blocks: list[SourceBlock]) -> Iterator[Line]:
    for block in blocks:
        if block.kind != "table":
            m = LABELLED_NUMBER.match(block.text.strip()) if block.kind == "para" else None
            if m and read_value(m.group("number")).kind == "number":
                # A table row a converter left as a line of text: "行政许可 97".
                yield Line([Cell(m.group("label").strip())], [Cell(m.group("number"))])
                continue
            yield Line([Cell(block.text)], [], context=True)
            continue
        for row in block.rows:
            last_label = max((i for i, c in enumerate(row) if c.text and not is_value_cell(c)), default=-1)
            labels = [c for c in row[: last_label + 1] if c.text]
            yield Line(labels, list(row[last_label + 1 :]))


class TableReader:
    """Reads one table of the format from the blocks of its section."""

    def __init__(self, fmt: Format, key: str, aliases: dict):
        self.fmt = fmt
        self.table = fmt.tables[key]
        t_aliases = aliases.get("tables", {}).get(key, {})
        self.record_aliases: dict[str, list[str]] = t_aliases.get("records", {})
        self.field_aliases: dict[str, list[str]] = t_aliases.get("fields", {})
        self.result = TableRead()
        self.vocabulary = list(self._vocabulary())
        self.column_keys = {f.key for r in self.table.records for f in r.fields} | {
            node.key for node in self._column_nodes() if node.key
        }
        self.columns_named: set[str] = set()  # the format's columns a header cell named
        self.placeholders = False  # a header cell a converter put for a lost one ("数据1")

    # labels of the table that may appear in headers or as context, with their aliases
    def _vocabulary(self) -> Iterator[tuple[str | None, str, list[str]]]:
        t = self.table
        seen: set[str] = set()

        def emit(key: str | None, label: str, aliases: list[str]) -> Iterator[tuple[str | None, str, list[str]]]:
            if label and label not in seen:
                seen.add(label)
                yield key, label, aliases

        yield from emit(None, t.corner, [])
        yield from emit(None, t.row_header, [])
        for block in t.blocks:
            yield from emit(block.key, block.label, [])
            for f in block.columns:
                yield from emit(f.key, f.label, self.field_aliases.get(f.key, []))
        for r in t.records:
            for i, label in enumerate(r.labels):
                key = ".".join(r.path[: i + 1])
                yield from emit(key, label, self.record_aliases.get(key, []))
            for f in r.fields:
                yield from emit(f.key, f.label, self.field_aliases.get(f.key, []))

        def walk(node) -> Iterator[tuple[str | None, str, list[str]]]:
            yield from emit(node.key, node.label, self.field_aliases.get(node.key or "", []))
            for child in node.children:
                yield from walk(child)

        for col in t.columns:
            yield from walk(col)

    def _column_nodes(self) -> Iterator:
        stack = list(self.table.columns)
        while stack:
            node = stack.pop()
            yield node
            stack += node.children

    def _label_match(self, text: str) -> tuple[str | None, str | None, Match]:
        best: tuple[str | None, str | None, Match] = (None, None, Match(0.0, "wording"))
        for key, label, aliases in self.vocabulary:
            m = compare(text, label, aliases)
            if m.score > best[2].score:
                best = (key, label, m)
        return best

    def _check_labels(self, cells: list[Cell], context: bool) -> None:
        """Header cells and context lines: report those close to, but not exactly, a format label."""
        matches = [(c.text, *self._label_match(c.text)) for c in cells if not c.above]
        any_known = any(m.score >= LABEL_MIN for *_, m in matches)
        self.placeholders |= any(PLACEHOLDER.match(c.text.strip()) for c in cells)
        self.columns_named |= {key for _, key, _, m in matches if m.score >= LABEL_MIN and key in self.column_keys}
        for text, key, label, m in matches:
            if m.score >= LABEL_MIN and m.kind is not None:
                self.result.deviate(LabelDeviation(self.table.key, self.table.name, text, label, m.kind, key))
            elif m.score < LABEL_MIN and any_known and not context:
                self.result.deviate(LabelDeviation(self.table.key, self.table.name, text, None, "unknown"))

    # --- filling slots -----------------------------------------------------------------------

    def _issue(self, record: Record, f: Field, status: str, found: str | None = None, **kw) -> CellIssue:
        t = self.table
        unit = "栏" if t.records_by == "columns" else "行"
        return CellIssue(
            t.cell_ref(record, f.key),
            t.cell_label(record, f.key),
            status,
            found,
            row=f"{t.name}「{record.label}」{unit}",
            column=f.label,
            **kw,
        )

    def fill(self, slots: list[tuple[Record, Field]], cells: list[Cell], where: str) -> None:
        """Put the value cells of one line into ``slots`` (a record's fields, or several records')."""
        t, res = self.table, self.result
        values = [read_value(c.text) for c in cells]
        while len(values) > len(slots) and values[-1].kind == "blank" and not values[-1].text.strip():
            values.pop()  # a converter's phantom column
        if len(values) == len(slots):
            for (record, f), v in zip(slots, values, strict=True):
                ref = t.cell_ref(record, f.key)
                if v.kind == "blank":
                    res.values[ref] = None
                    res.cells.append(self._issue(record, f, "blank", v.text or None))
                    continue
                number = to_number(v, f) if v.kind == "number" else None
                if number is None:
                    res.values[ref] = None
                    res.cells.append(self._issue(record, f, "unreadable", v.text))
                    continue
                res.values[ref] = number
                if f.unit and v.note in MONEY:
                    if v.note != f.unit:
                        detail = f"原文以{v.note}为单位，换算为 {number}{f.unit}"
                        res.cells.append(self._issue(record, f, "converted", v.text, value=number, detail=detail))
                elif v.note:
                    detail = f"读作 {number}，“{v.note}”未计入"
                    res.cells.append(self._issue(record, f, "annotated", v.text, value=number, detail=detail))
            return
        digits = [v.number for v in values if v.kind == "number" and v.number.isdigit() and not v.note]
        if values and len(values) < len(slots) and len(digits) == len(values):
            candidates, complete = split_candidates(digits, len(slots), sum_rules(self.fmt, t, slots))
            joined = " ".join(c.text for c in cells)
            if len(candidates) == 1 and complete:
                for (record, f), n in zip(slots, candidates[0], strict=True):
                    ref = t.cell_ref(record, f.key)
                    res.values[ref] = n
                    res.cells.append(
                        self._issue(record, f, "decoded", joined, value=n, detail="按行内合计关系唯一拆分")
                    )
                return
            detail = (
                f"“{joined}”有 {len(candidates)}{'' if complete else '+'} 种符合合计关系的拆分，未采用"
                if candidates
                else f"“{joined}”没有符合合计关系的拆分"
            )
            for record, f in slots:
                ref = t.cell_ref(record, f.key)
                res.values[ref] = None
                res.cells.append(
                    self._issue(record, f, "ambiguous", joined, detail=detail, candidates=tuple(candidates))
                )
            return
        for record, f in slots:
            ref = t.cell_ref(record, f.key)
            res.values[ref] = None
            found = " ".join(c.text for c in cells) or None
            detail = f"{where}应有 {len(slots)} 个数，原文有 {len(values)} 个"
            res.cells.append(self._issue(record, f, "not_found", found, detail=detail))

    # --- reading ------------------------------------------------------------------------------

    def read(self, blocks: list[SourceBlock]) -> TableRead:
        text = "".join(b.text for b in blocks if b.is_text)
        if blocks and not any(b.kind == "table" for b in blocks) and any(ch.isdigit() for ch in text):
            self._read_flat(text)
        elif self.table.records_by == "columns":
            self._read_by_columns(blocks)
        else:
            self._read_by_rows(blocks)
            first = self.table.records[0].fields
            named = self.columns_named & {f.key for f in first}
            read_any = any(v is not None for v in self.result.values.values())
            if (self.placeholders or len(named) * 2 < len(first)) and read_any:
                self.result.notes.append(
                    f"{self.table.name}：原文表头没有写出格式的列标题（如写作“数据1”），各列按位置读取"
                    f"（第 1 个数为“{first[0].label}”，最后一个为“{first[-1].label}”）"
                )
        self._mark_missing()
        return self.result

    def _record_for(self, labels: list[Cell], last: int) -> tuple[Record | None, Match, str]:
        texts = [c.text for c in labels]
        best: tuple[float, Record | None, Match, str] = (0.0, None, Match(0.0, "wording"), "")
        records = self.table.records
        for i, record in enumerate(records):
            aliases = self.record_aliases.get(record.key, [])
            for k in range(1, len(texts) + 1):
                found = "".join(texts[-k:])
                m = compare(found, record.labels[-1], aliases)
                # Prefer the record after the last one read when two match equally well.
                score = m.score + (0.001 if i > last else 0.0)
                if score > best[0]:
                    best = (score, record, m, found)
        if best[2].score < ROW_MIN:
            return None, best[2], best[3]
        return best[1], best[2], best[3]

    def _read_by_rows(self, blocks: list[SourceBlock]) -> None:
        t, res = self.table, self.result
        done: set[str] = set()
        last = -1
        # In document order: the index of a labelled row's record, or an unlabelled value line.
        order: list[int | Line] = []
        for line in lines_of(blocks):
            if line.context:
                self._check_labels(line.labels, context=True)
                continue
            has_number = any(read_value(c.text).kind == "number" for c in line.values)
            record, m, found = self._record_for(line.labels, last) if line.labels else (None, None, "")
            if not line.labels and has_number:
                order.append(line)
                continue
            if record is None or not line.values or (not has_number and len(line.values) != len(record.fields)):
                if has_number:
                    shown = " ".join(c.text for c in (*line.labels, *line.values))
                    res.notes.append(f"{t.name}：未能对应到格式中任何一行的数据行“{shown}”，未读取")
                else:
                    self._check_labels(line.labels, context=False)
                continue
            if record.key in done:
                res.notes.append(f"{t.name}「{record.label}」行重复出现，只读取第一次")
                continue
            done.add(record.key)
            last = t.records.index(record)
            order.append(last)
            if m is not None and m.kind is not None:
                res.deviate(LabelDeviation(t.key, t.name, found, record.labels[-1], m.kind, record.key))
            self.fill([(record, f) for f in record.fields], line.values, f"「{record.label}」行")
        self._read_by_position(order, done)

    def _read_by_position(self, order: list[int | Line], done: set[str]) -> None:
        """Unlabelled value lines: each run of them between two labelled rows takes the records left
        out between those rows, in the format's order, when the counts agree and the sums hold."""
        t, res = self.table, self.result
        k = 0
        while k < len(order):
            if isinstance(order[k], int):
                k += 1
                continue
            end = k
            while end < len(order) and not isinstance(order[end], int):
                end += 1
            bare = [x for x in order[k:end] if isinstance(x, Line)]
            before = next((x for x in reversed(order[:k]) if isinstance(x, int)), -1)
            after = next((x for x in order[end:] if isinstance(x, int)), len(t.records))
            left_out = [r for r in t.records[before + 1 : after] if r.key not in done] if before < after else []
            k = end
            if before < 0 or len(left_out) != len(bare):
                for line in bare:
                    shown = " ".join(c.text for c in line.values)
                    res.notes.append(f"{t.name}：未能对应到格式中任何一行的数据行“{shown}”，未读取")
                continue
            start = len(res.cells)
            for record, line in zip(left_out, bare, strict=True):
                done.add(record.key)
                self.fill([(record, f) for f in record.fields], line.values, f"「{record.label}」行")
            refs = {t.cell_ref(r, f.key) for r in left_out for f in r.fields}
            if self._sums_fail(refs):
                for record in left_out:
                    for f in record.fields:
                        res.values[t.cell_ref(record, f.key)] = None
                        res.cells.append(
                            self._issue(record, f, "ambiguous", detail="按位置对应的数字不满足合计关系，未采用")
                        )
                continue
            self.result.cells[start:] = [c for c in res.cells[start:] if c.ref not in refs or c.status != "blank"]
            for record in left_out:
                for f in record.fields:
                    ref = t.cell_ref(record, f.key)
                    value = res.values.get(ref)
                    res.cells.append(
                        self._issue(
                            record,
                            f,
                            "positional" if value is not None else "blank",
                            detail="原文行标签与数字分离，按行的位置读取",
                            value=value,
                        )
                    )

    def _sums_fail(self, refs: set[str]) -> bool:
        """Whether a sum of the format over ``refs`` (every cell of it read) fails."""
        values = self.result.values
        for eq in table_equations(self.fmt, self.table):
            if refs & set(eq.cells) and all(values.get(c) is not None for c in eq.cells):
                if not eq.holds(values):  # type: ignore[arg-type]
                    return True
        return False

    def _read_by_columns(self, blocks: list[SourceBlock]) -> None:
        t = self.table
        records = list(t.records)
        filled: set[str] = set()
        context = ""
        for line in lines_of(blocks):
            if line.context or not line.values or not any(read_value(c.text).kind != "blank" for c in line.values):
                if line.labels:
                    self._check_labels(line.labels, context=line.context)
                    own = [c for c in line.labels if self._label_match(c.text)[2].score < 1.0 or line.context]
                    if own:
                        context = "".join(c.text for c in line.labels)
                continue
            if line.labels:
                context = "".join(c.text for c in line.labels)
            open_records = [r for r in records if r.key not in filled]
            if not open_records:
                shown = " ".join(c.text for c in line.values)
                self.result.notes.append(f"{t.name}：多出的一行数据“{shown}”，未读取")
                continue
            named = self._record_named(context, open_records)
            n_all = sum(len(r.fields) for r in open_records)
            if len(line.values) == n_all and named is None:
                target = open_records
            elif named is not None:
                target = [named]
            else:
                target = open_records if len(line.values) != len(open_records[0].fields) else open_records[:1]
            slots = [(r, f) for r in target for f in r.fields]
            if len(line.values) > len(slots):
                target = open_records
                slots = [(r, f) for r in target for f in r.fields]
            self.fill(slots, line.values, "、".join(f"「{r.label}」" for r in target))
            filled.update(r.key for r in target)
            context = ""

    def _read_flat(self, text: str) -> None:
        """Label text and digit runs (crawled one-line text): runs found by label, split under the
        format's sums for the whole table at once."""
        t, res = self.table, self.result
        if t.records_by == "columns":
            run = run_by_columns(text, t)
            found = [] if run is None else [(list(t.records), run)]
        else:
            flat, notes = runs_by_rows(text, t, self.record_aliases)
            res.notes += notes
            found = [([run.record], run) for run in flat if run.record is not None]
        runs: list[Run] = []
        for records, run in found:
            refs = tuple(t.cell_ref(r, f.key) for r in records for f in r.fields)
            digits, _, fraction = run.number.partition(".")
            runs.append(Run(refs, digits, f".{fraction}" if fraction else ""))
        sol = solve(runs, table_equations(self.fmt, t))
        if found:
            res.notes.append(f"{t.name}：原文表格已连成文字，按行标签切分、按合计关系拆分数字")
        if sol.capped:
            cap = f"每段 {solver.MAX_SPLITS} 种、共 {solver.MAX_STEPS} 步"
            res.notes.append(f"{t.name}：拆分数字的搜索达到上限（{cap}），未确定的格留空")
        for eq in dict.fromkeys(sol.broken):
            rule = self.fmt.rule(eq.rule_id)
            res.notes.append(f"{t.name}：原文数字不满足“{rule.title}”（{eq.rule_id}，{eq.key}），保留原文数字")
        for i, run in enumerate(runs):
            records, published = found[i][0], found[i][1].number
            for ref in run.refs:
                record, f = self._slot(ref)
                value = sol.values.get(ref)
                if value is not None and f.cell_kind.from_text(str(value), f.unit) is None:
                    res.values[ref] = None
                    res.cells.append(self._issue(record, f, "unreadable", published, detail=f"拆分得 {value}"))
                    continue
                res.values[ref] = value
                if value is None:
                    splits = tuple(sol.candidates.get(i, ()))
                    detail = (
                        f"“{published}”有 {len(splits)} 种符合合计关系的拆分，未采用"
                        if splits
                        else f"“{published}”无法唯一拆分为 {len(run.refs)} 个数"
                    )
                    res.cells.append(self._issue(record, f, "ambiguous", published, detail=detail, candidates=splits))
                elif ref in sol.decoded:
                    res.cells.append(
                        self._issue(record, f, "decoded", published, value=value, detail="按合计关系唯一拆分")
                    )

    def _slot(self, ref: str) -> tuple[Record, Field]:
        _, record, f = self.fmt.cell(ref)
        return record, f

    def _record_named(self, context: str, records: list[Record]) -> Record | None:
        if not context:
            return None
        scored = sorted(
            ((compare(context, r.labels[-1]).score, i, r) for i, r in enumerate(records)),
            key=lambda x: (-x[0], x[1]),
        )
        score, _, record = scored[0]
        tie = len(scored) > 1 and scored[1][0] == score
        return record if score >= 0.8 and not tie else None

    def _mark_missing(self) -> None:
        t, res = self.table, self.result
        for record, f in t.cells():
            ref = t.cell_ref(record, f.key)
            if ref not in res.values:
                res.values[ref] = None
                res.cells.append(self._issue(record, f, "not_found", detail="原文中没有这一项"))


def read_table(fmt: Format, key: str, blocks: list[SourceBlock], aliases: dict) -> TableRead:
    return TableReader(fmt, key, aliases).read(blocks)
