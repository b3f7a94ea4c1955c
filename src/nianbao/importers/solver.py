"""Splitting run-together digits into cells, a whole table at a time, under the format's sums.

A run is the digits published for some consecutive cells (a row of 表三, the fifteen cells of 表四),
spaces already dropped: a space inside a digit run is not a cell boundary. Every cell is a
non-negative integer without leading zeros (an amount may carry the run's decimal fraction). The
constraints are the equations the format's rules define on the table (``RuleKind.sums``: row
总计, the sub-rows adding to （七）总计, 表四's 总计; ``RuleKind.balances``: 第一项加第二项 =
第三项加第四项), each used where all its cells lie in runs.

``solve`` first splits each run under the equations inside it, then searches the runs' splits
together under the equations across runs. A cell is accepted only when every solution gives it
the same value; otherwise it stays None and the candidate splits are kept.

Damage is kept local. A run that no split explains (a blank cell published as nothing, or a
wrong digit) is tried with a blank in each position: its own cells stay null, but the equations
across runs still check the other runs' cells, except the equations over a position where a
blank may stand. A cell is doubtful — null — only when an equation that should check it could
not: it touches a blank, a run without its complete splits, or an equation that cannot hold
(found one equation at a time before a whole rule is given up). The search first removes, per
equation, the splits no choice of the other runs satisfies, then searches what is left
(``MAX_STEPS``); splits of one run are bounded too (``MAX_SPLITS``), and a hit bound is reported.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.rules import Equation

MAX_SPLITS = 400  # splits of one run kept
MAX_STEPS = 20_000  # search steps per run and for the table
MAX_BLANKS = 1  # blank cells tried in a run whose digits no split explains


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


def _with_fraction(split: tuple[int | None, ...], fraction: str) -> tuple[int | Decimal | None, ...]:
    if not fraction or split[-1] is None:
        return split
    return (*split[:-1], Decimal(f"{split[-1]}{fraction}"))


def blank_splits(
    digits: str, n: int, inside: list[Equation], refs: tuple[str, ...]
) -> tuple[list[tuple[int | None, ...]], bool]:
    """Splits of ``digits`` with ``MAX_BLANKS`` or fewer cells left out (None: a blank published as
    nothing), under the equations inside the run that need none of the left-out cells. A run that
    needs one blank may hold two: both are tried, so a cell is fixed only when every count agrees."""
    out: list[tuple[int | None, ...]] = []
    complete = True
    for holes in range(1, MAX_BLANKS + 1):
        for left_out in itertools.combinations(range(n), holes):
            kept = tuple(r for k, r in enumerate(refs) if k not in left_out)
            eqs = [e for e in inside if not {refs[k] for k in left_out} & set(e.cells)]
            found, done = splits(digits, n - holes, eqs, kept)
            complete &= done
            for split in found:
                values = iter(split)
                out.append(tuple(None if k in left_out else next(values) for k in range(n)))
            if len(out) > MAX_SPLITS:
                return out, False
    return out, complete


def solve(runs: list[Run], eqs: list[Equation]) -> Solution:
    sol = Solution()
    where = {ref: i for i, run in enumerate(runs) for ref in run.refs}
    inside = [[e for e in eqs if all(where.get(c) == i for c in e.cells)] for i in range(len(runs))]
    across = [e for e in eqs if all(c in where for c in e.cells) and len({where[c] for c in e.cells}) > 1]
    options: list[list[tuple[int | None, ...]]] = []
    holed: set[int] = set()  # runs whose options leave blank cells
    for i, run in enumerate(runs):
        found, complete = splits(run.digits, len(run.refs), inside[i], run.refs)
        opts: list[tuple[int | None, ...]] = list(found)
        if complete and not found:
            # No split satisfies the sums inside the run: the digits are defective or a blank cell
            # is missing from them. A blank is tried in each position (its cell unknown); the
            # equations across runs decide between the positions, or the cells stay null.
            raw, _ = splits(run.digits, len(run.refs), [], run.refs)
            if inside[i]:
                sol.broken += inside[i]
            holes, complete = blank_splits(run.digits, len(run.refs), inside[i], run.refs)
            opts = holes if complete else []
            holed.add(i)
            sol.candidates[i] = [_with_fraction(s, run.fraction) for s in raw] or holes[:MAX_SPLITS]
        sol.capped |= not complete
        options.append(opts if complete else [])
        if not complete:
            sol.candidates[i] = found
    all_across = across
    doubtful, across = _unchecked(runs, options, all_across)
    joint = _search(runs, options, across)
    if joint is None and holed:
        # Too many ways to place the blanks: the runs with blanks take no part in the search.
        options = [[] if i in holed else o for i, o in enumerate(options)]
        doubtful, across = _unchecked(runs, options, all_across)
        joint = _search(runs, options, across)
    if joint is None:
        sol.capped = True
    if joint is not None and across and any(not joint[i] for i in range(len(runs)) if options[i]):
        # No split of the published digits satisfies every equation: find the equations that
        # cannot hold (one equation, else one rule's, else all) and solve under the others.
        joint = None
        rules = list(dict.fromkeys(e.rule_id for e in across))
        trials = [[e] for e in across] + [[e for e in across if e.rule_id == r] for r in rules] + [across]
        for drop in trials:
            kept = [e for e in across if e not in drop]
            trial = _search(runs, options, kept)
            if trial is not None and all(trial[i] for i in range(len(runs)) if options[i]):
                sol.broken += [e for e in drop if _fixed_breaks(e, runs, options)] or drop[:1]
                doubtful |= {c for e in drop for c in e.cells}
                joint = trial
                break
    if joint is None:
        doubtful |= {c for e in all_across for c in e.cells}  # nothing across the runs was checked
    else:
        # An equation with a blank cell in some solution checks nothing of its other cells.
        for e in across:
            if any(split[runs[where[c]].refs.index(c)] is None for c in e.cells for split in joint[where[c]]):
                doubtful |= set(e.cells)
    for i, run in enumerate(runs):
        chosen = sorted(joint[i], key=_order) if joint is not None and options[i] else options[i]
        for k, ref in enumerate(run.refs):
            seen = {s[k] for s in chosen}
            value = next(iter(seen)) if len(seen) == 1 else None
            if value is not None and ref not in doubtful and i not in holed:
                sol.values[ref] = _with_fraction(chosen[0], run.fraction)[k]  # type: ignore[arg-type]
                if len(run.digits) != len(run.refs):
                    sol.decoded.add(ref)
            else:
                sol.values[ref] = None
        if len(chosen) > 1 or (not chosen and options[i]):
            chosen = chosen or options[i]
            sol.candidates[i] = [_with_fraction(s, run.fraction) for s in chosen]  # type: ignore[arg-type]
    return sol


def _unchecked(
    runs: list[Run], options: list[list[tuple[int | None, ...]]], across: list[Equation]
) -> tuple[set[str], list[Equation]]:
    """The cells of the equations over runs that take no part in the search (those equations check
    nothing), and the equations that can be checked."""
    active = {ref for i, run in enumerate(runs) if options[i] for ref in run.refs}
    doubtful = {c for e in across if not all(c in active for c in e.cells) for c in e.cells}
    return doubtful, [e for e in across if all(c in active for c in e.cells)]


def _order(split: tuple[int | None, ...]) -> tuple[int, ...]:
    return tuple(-1 if v is None else v for v in split)


def _fixed_breaks(eq: Equation, runs: list[Run], options: list[list[tuple[int | None, ...]]]) -> bool:
    """Whether ``eq`` fails on cells whose runs split one way only."""
    values: dict[str, int | None] = {}
    for run, opts in zip(runs, options, strict=True):
        if len(opts) == 1:
            values.update(zip(run.refs, opts[0], strict=True))
    return all(c in values for c in eq.cells) and not eq.holds(values)


def _search(
    runs: list[Run], options: list[list[tuple[int | None, ...]]], across: list[Equation]
) -> list[set[tuple[int | None, ...]]] | None:
    """For each run, the splits that may take part in a solution of ``across``: the splits left
    when each equation has removed those no choice of the other runs' splits can satisfy (repeated
    until nothing changes), narrowed to the exact solutions when a bounded search over what is left
    completes. A set is empty when no solution exists."""
    live = _consistent(runs, options, across)
    if any(options[i] and not live[i] for i in range(len(runs))):
        return [set(x) for x in live]
    exact = _backtrack(runs, live, across)
    return exact if exact is not None else [set(x) for x in live]


def _consistent(
    runs: list[Run], options: list[list[tuple[int | None, ...]]], across: list[Equation]
) -> list[list[tuple[int | None, ...]]]:
    """Each run's splits that, for every equation, some choice of the other runs' splits satisfies
    (a blank cell satisfies any; sums of the other runs' parts are kept as sets of numbers)."""
    live = [list(o) for o in options]
    at = {ref: (i, k) for i, run in enumerate(runs) for k, ref in enumerate(run.refs)}
    changed = True
    while changed:
        changed = False
        for eq in across:
            sign = {c: 1 for c in eq.left} | {c: -1 for c in eq.right}
            involved = sorted({at[c][0] for c in eq.cells})

            def part(i: int, split: tuple[int | None, ...], sign: dict[str, int] = sign) -> int | None:
                total = 0
                for c, sg in sign.items():
                    j, k = at[c]
                    if j == i:
                        if split[k] is None:
                            return None
                        total += sg * split[k]
                return total

            parts = {i: [part(i, sp) for sp in live[i]] for i in involved}
            free = {i for i in involved if None in parts[i]}
            if len(free) > 1:
                continue  # another run's blank can always make up the difference
            sums = [set[int]({0})]
            for i in involved:
                sums.append({a + b for a in sums[-1] for b in parts[i] if b is not None})
            after = [set[int]({0})]
            for i in reversed(involved):
                after.append({a + b for a in after[-1] for b in parts[i] if b is not None})
            after.reverse()
            for n, i in enumerate(involved):
                if free - {i}:
                    continue
                before, rest = sums[n], after[n + 1]
                keep = [
                    sp
                    for sp, v in zip(live[i], parts[i], strict=True)
                    if v is None or any(-v - a in rest for a in before)
                ]
                if len(keep) != len(live[i]):
                    live[i] = keep
                    changed = True
    return live


def _backtrack(
    runs: list[Run], options: list[list[tuple[int | None, ...]]], across: list[Equation]
) -> list[set[tuple[int | None, ...]]] | None:
    """For each run, the splits that take part in some solution of ``across``; None when the search
    was cut short (a bound hit)."""
    order = sorted((i for i in range(len(runs)) if options[i]), key=lambda i: len(options[i]))
    position = {i: k for k, i in enumerate(order)}
    ready: dict[int, list[Equation]] = {}
    for eq in across:
        involved = {position[i] for i in order if set(runs[i].refs) & set(eq.cells)}
        ready.setdefault(max(involved), []).append(eq)
    used: list[set[tuple[int | None, ...]]] = [set() for _ in runs]
    values: dict[str, int | None] = {}
    chosen: list[tuple[int | None, ...]] = [()] * len(runs)
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
