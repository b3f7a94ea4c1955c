"""Splitting run-together digits into cells, a whole table at a time, under the format's sums.

A run is the digits published for some consecutive cells (a row of 表三, the fifteen cells of 表四),
spaces already dropped: a space inside a digit run is not a cell boundary. Every cell is a
non-negative integer without leading zeros (an amount may carry the run's decimal fraction). The
constraints are the equations the format's rules define on the table (``RuleKind.sums``: row
总计, the sub-rows adding to （七）总计, 表四's 总计; ``RuleKind.balances``: 第一项加第二项 =
第三项加第四项), each used where all its cells lie in runs.

``solve`` first splits each run under the equations inside it, then searches the runs' splits
together under the equations across runs. A cell is accepted only when every solution gives it
the same value; otherwise it stays None and the candidate splits are kept. When no solution
exists, the equations that cannot hold are named and the published digits are kept wherever they
split in one way only. The search is bounded (``MAX_SPLITS`` per run, ``MAX_STEPS`` in all); when a
bound is hit, only what each run's own splits fix is accepted, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.format import Format, Table
from nianbao.rules import kind_of

MAX_SPLITS = 400  # splits of one run kept
MAX_STEPS = 20_000  # search steps per run and for the table


@dataclass(frozen=True)
class Equation:
    """Σ left = Σ right over cell refs, from the rule ``rule_id``."""

    rule_id: str
    key: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return (*self.left, *self.right)

    def holds(self, values: dict[str, int]) -> bool:
        return sum(values[c] for c in self.left) == sum(values[c] for c in self.right)

    def __str__(self) -> str:
        return f"{self.rule_id}（{self.key}）"


def equations(fmt: Format, table: Table) -> list[Equation]:
    """Every sum and balance the format's rules define on ``table`` (asked of the rule kinds)."""
    out: list[Equation] = []
    for rule in fmt.rules:
        if rule.table != table.key:
            continue
        kind = kind_of(rule)
        out += [Equation(rule.id, s.key, (s.total,), s.parts) for s in kind.sums(table, rule)]
        out += [Equation(rule.id, b.key, b.left, b.right) for b in kind.balances(table, rule)]
    return out


@dataclass(frozen=True)
class Run:
    refs: tuple[str, ...]
    digits: str  # digits only
    fraction: str = ""  # ".0886": the decimal part of the last cell, when the run ended in one


@dataclass
class Solution:
    values: dict[str, int | Decimal | None] = field(default_factory=dict)
    decoded: set[str] = field(default_factory=set)  # cells fixed by the solution (not one digit per cell)
    candidates: dict[int, list[tuple[int | Decimal, ...]]] = field(default_factory=dict)  # run index → splits
    broken: list[Equation] = field(default_factory=list)  # equations the published digits cannot satisfy
    capped: bool = False


def splits(digits: str, n: int, inside: list[Equation], refs: tuple[str, ...]) -> tuple[list[tuple[int, ...]], bool]:
    """Every cut of ``digits`` into ``n`` numbers (no leading zeros) satisfying ``inside``; complete?"""
    index = {r: i for i, r in enumerate(refs)}
    checks: dict[int, list[tuple[list[int], list[int]]]] = {}
    for eq in inside:
        left, right = [index[c] for c in eq.left], [index[c] for c in eq.right]
        checks.setdefault(max(left + right), []).append((left, right))
    out: list[tuple[int, ...]] = []
    steps = 0
    complete = True

    def walk(pos: int, values: list[int]) -> None:
        nonlocal steps, complete
        steps += 1
        if steps > MAX_STEPS or len(out) >= MAX_SPLITS:
            complete = False
            return
        slots_left = n - len(values)
        if slots_left == 0:
            if pos == len(digits):
                out.append(tuple(values))
            return
        left_digits = len(digits) - pos
        if left_digits < slots_left:
            return
        longest = left_digits - slots_left + 1
        for end in range(pos + 1, pos + longest + 1):
            piece = digits[pos:end]
            if len(piece) > 1 and piece[0] == "0":
                break
            values.append(int(piece))
            i = len(values) - 1
            if all(sum(values[a] for a in lt) == sum(values[b] for b in rt) for lt, rt in checks.get(i, ())):
                walk(end, values)
            values.pop()

    walk(0, [])
    return out, complete


def _with_fraction(split: tuple[int, ...], fraction: str) -> tuple[int | Decimal, ...]:
    if not fraction:
        return split
    return (*split[:-1], Decimal(f"{split[-1]}{fraction}"))


def solve(runs: list[Run], eqs: list[Equation]) -> Solution:
    sol = Solution()
    where = {ref: i for i, run in enumerate(runs) for ref in run.refs}
    inside = [[e for e in eqs if all(where.get(c) == i for c in e.cells)] for i in range(len(runs))]
    across = [e for e in eqs if all(c in where for c in e.cells) and len({where[c] for c in e.cells}) > 1]
    options: list[list[tuple[int, ...]]] = []
    for i, run in enumerate(runs):
        found, complete = splits(run.digits, len(run.refs), inside[i], run.refs)
        if not found and inside[i]:
            # No split satisfies the sums inside the run: the digits are defective or a blank cell
            # is missing from them. Which, the text cannot say: the cells stay null.
            raw, _ = splits(run.digits, len(run.refs), [], run.refs)
            sol.broken += inside[i]
            sol.candidates[i] = [_with_fraction(s, run.fraction) for s in raw]
        sol.capped |= not complete
        options.append(found if complete else [])
        if not complete:
            sol.candidates[i] = found
    # Runs without their complete splits take no part in the search, nor do equations over them.
    active = {ref for i, run in enumerate(runs) if options[i] for ref in run.refs}
    unchecked = {c for e in across if not all(c in active for c in e.cells) for c in e.cells}
    across = [e for e in across if all(c in active for c in e.cells)]
    joint = _search(runs, options, across)
    doubtful: set[str] = set()
    if joint is None:
        sol.capped = True
    if joint is not None and across and any(not joint[i] for i in range(len(runs)) if options[i]):
        # No split of the published digits satisfies every equation: find the rules that cannot
        # hold (the fewest dropped that leaves a solution) and solve under the others.
        joint = None
        rules = list(dict.fromkeys(e.rule_id for e in across))
        for drop in [[r] for r in rules] + [rules]:
            kept = [e for e in across if e.rule_id not in drop]
            trial = _search(runs, options, kept)
            if trial is not None and all(trial[i] for i in range(len(runs)) if options[i]):
                sol.broken += [e for e in across if e.rule_id in drop and _fixed_breaks(e, runs, options)] or [
                    e for e in across if e.rule_id in drop
                ][:1]
                doubtful |= {c for e in across if e.rule_id in drop for c in e.cells}
                joint = trial
                break
    # A run that takes part in a sum that cannot hold is not trusted: a blank cell missing from the
    # digits shifts them, and the sums are the only check of a split.
    doubtful |= {c for e in sol.broken for c in e.cells}
    if sol.broken:
        # Digits are missing or wrong somewhere in this table: a split that only its own row's sum
        # confirms is not enough where a sum across rows could not be checked.
        doubtful |= unchecked
    for i, run in enumerate(runs):
        own = options[i] if not doubtful & set(run.refs) else []
        chosen = sorted(joint[i]) if joint is not None and own else own
        for k, ref in enumerate(run.refs):
            seen = {s[k] for s in chosen}
            if len(seen) == 1 and chosen:
                value = _with_fraction(chosen[0], run.fraction)[k]
                sol.values[ref] = value
                if len(run.digits) != len(run.refs):
                    sol.decoded.add(ref)
            else:
                sol.values[ref] = None
        if len(chosen) > 1 or (not chosen and options[i]):
            chosen = chosen or options[i]
            sol.candidates[i] = [_with_fraction(s, run.fraction) for s in chosen]
    return sol


def _fixed_breaks(eq: Equation, runs: list[Run], options: list[list[tuple[int, ...]]]) -> bool:
    """Whether ``eq`` fails on cells whose runs split one way only."""
    values: dict[str, int] = {}
    for run, opts in zip(runs, options, strict=True):
        if len(opts) == 1:
            values.update(zip(run.refs, opts[0], strict=True))
    return all(c in values for c in eq.cells) and not eq.holds(values)


def _search(
    runs: list[Run], options: list[list[tuple[int, ...]]], across: list[Equation]
) -> list[set[tuple[int, ...]]] | None:
    """For each run, the splits that take part in some solution of ``across``; None when the search
    was cut short (a bound hit, or a run without its complete splits)."""
    order = sorted((i for i in range(len(runs)) if options[i]), key=lambda i: len(options[i]))
    position = {i: k for k, i in enumerate(order)}
    ready: dict[int, list[Equation]] = {}
    for eq in across:
        involved = {position[i] for i in order if set(runs[i].refs) & set(eq.cells)}
        ready.setdefault(max(involved), []).append(eq)
    used: list[set[tuple[int, ...]]] = [set() for _ in runs]
    values: dict[str, int] = {}
    chosen: list[tuple[int, ...]] = [()] * len(runs)
    steps = 0
    capped = False

    def walk(k: int) -> None:
        nonlocal steps, capped
        if capped:
            return
        if k == len(order):
            for i in order:
                used[i].add(chosen[i])
            return
        i = order[k]
        for split in options[i]:
            steps += 1
            if steps > MAX_STEPS:
                capped = True
                return
            values.update(zip(runs[i].refs, split, strict=True))
            chosen[i] = split
            if all(eq.holds(values) for eq in ready.get(k, ())):
                walk(k + 1)
        for ref in runs[i].refs:
            values.pop(ref, None)

    walk(0)
    return None if capped else used
