"""Validate agency-years against their format's rules: Great Expectations for the tables, plain
Python for the narrative, headings and deadline. The result is plain ``Finding``s.

One ``validate_batch`` call is one Great Expectations session: the frames hold every agency-year
of the batch (``nianbao.validation.frames``) and each frame is validated once against its suite from
``expectations/`` (``nianbao.validation.suites``), so a build of hundreds of reports pays GX's import and
per-run cost once. Great Expectations is imported lazily: ``import nianbao`` stays fast.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from nianbao.format import Format, Rule
from nianbao.rules import Instance, kind_of
from nianbao.rules.wording import cell_label, quoted
from nianbao.validation import children, suites
from nianbao.validation.children import Family
from nianbao.validation.findings import Finding
from nianbao.validation.frames import AgencyYearKey, build_frames, key_of
from nianbao.validation.previous import PreviousReport, previous_for

__all__ = [
    "Finding",
    "Instance",
    "ValidationFailed",
    "expectations_dir",
    "key_of",
    "previous_unreadable",
    "previous_year",
    "validate_batch",
    "validate_files",
    "validate_one",
]
from nianbao.errors import NianbaoError
from nianbao.model import AgencyYear
from nianbao.params import ParamsError, load_params
from nianbao.project import project_or_none


class ValidationFailed(NianbaoError, RuntimeError):
    """Great Expectations could not evaluate a suite (not a finding: a broken set-up)."""

    lead = "校验无法进行："


# --- where the suites are ----------------------------------------------------------------------------


def expectations_dir(start: str | Path | None = None) -> Path | None:
    """The project's ``expectations/`` folder (found from ``start`` or the cwd), if there is one."""
    project = project_or_none(start)
    return project.expectations_dir if project and project.expectations_dir.is_dir() else None


def load_suites(fmt: Format, suites_dir: Path | None) -> dict[str, dict[str, Any]]:
    """The committed suites of ``fmt`` (generated in memory when no project folder holds them)."""
    loaded = suites.load(suites_dir, fmt)
    if suites_dir is not None and suites_dir.is_dir():
        changed = suites.stale(suites_dir, fmt)
        if changed:
            warnings.warn(
                f"{suites_dir}: {', '.join(changed)} 与格式 {fmt.version} 的规则不一致；"
                "请运行 `nianbao expectations` 重新生成",
                stacklevel=3,
            )
    return loaded


# --- Great Expectations ----------------------------------------------------------------------------------


def _quiet_gx() -> Any:
    """Import Great Expectations with its analytics, logging and progress bars turned off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx


def run_gx(frames: Mapping[str, Any], suite_data: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Validate each frame against its suite in one ephemeral GX context; frame → expectation results."""
    gx = _quiet_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("nianbao")
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": list(suites.KEY_COLUMNS)}
    out: dict[str, list[Any]] = {}
    for frame_name, data in suite_data.items():
        # The suite is built whole, then registered once (adding expectations to a registered suite is slow).
        suite = gx.ExpectationSuite(**data)
        if len(suite.expectations) != len(data["expectations"]):
            raise ValidationFailed(f"校验规则集 {data['name']} 中有 Great Expectations 无法读取的规则")
        suite = context.suites.add(suite)
        batch = source.add_dataframe_asset(frame_name).add_batch_definition_whole_dataframe(frame_name)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=frame_name, data=batch, suite=suite)
        )
        result = definition.run(batch_parameters={"dataframe": frames[frame_name]}, result_format=result_format)
        for r in result.results:
            info = r.exception_info or {}
            if info.get("raised_exception"):
                raise ValidationFailed(
                    f"Great Expectations 无法执行 {data['name']} 中的 {r.expectation_config.type}"
                    f"（{r.expectation_config.kwargs}）：{info.get('exception_message')}"
                )
        out[frame_name] = list(result.results)
    return out


# --- rule instances: what a finding names (the rule's kind defines them) -----------------------------


def instances(fmt: Format, rule: Rule) -> list[Instance]:
    """Every instance of a table rule, in template order."""
    return kind_of(rule).instances(fmt, rule)


def failure_message(inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
    """Chinese message for a rule instance that Great Expectations found not to hold."""
    return kind_of(inst.rule).message(inst, item, prev, left, right)


# --- findings from GX results -------------------------------------------------------------------------


def _py(v: Any) -> Any:
    """A GX result value as a plain Python number (or None)."""
    if v is None:
        return None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, Decimal | int) and not isinstance(v, bool):
        return v
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        return int(v) if v.is_integer() else Decimal(str(v))
    return v


def _unexpected(result: Any) -> list[dict[str, Any]]:
    return list((result.result or {}).get("unexpected_index_list") or [])


def _finding(rule: Rule, status: str, key: AgencyYearKey, table: str | None, message: str, **kw: Any) -> Finding:
    severity = rule.severity if status == "failed" else "warning"
    return Finding(
        rule_id=rule.id,
        severity=severity,
        status=status,  # type: ignore[arg-type]
        agency_id=key[0],
        year=key[1],
        table=table,
        message=message,
        title=rule.title,
        **kw,
    )


def _findings_from_gx(
    fmt: Format,
    results: Mapping[str, list[Any]],
    items: Mapping[AgencyYearKey, AgencyYear],
    prevs: Mapping[AgencyYearKey, AgencyYear | PreviousReport],
) -> dict[AgencyYearKey, list[tuple[int, Finding]]]:
    """Findings per agency-year, each with its sort position (rule order, then template order)."""
    out: dict[AgencyYearKey, list[tuple[int, Finding]]] = {k: [] for k in items}
    rule_order = {r.id: i for i, r in enumerate(fmt.rules)}
    cell_order = {
        table.cell_ref(rec, f.key): n
        for n, (table, (rec, f)) in enumerate((t, c) for t in fmt.tables.values() for c in t.cells())
    }
    blanks: dict[AgencyYearKey, set[str]] = {k: set() for k in items}
    failed: set[tuple[str, AgencyYearKey, str]] = set()
    by_rule = {r.id: r for r in fmt.rules}

    def pos(rule: Rule, n: int) -> int:
        return rule_order[rule.id] * 100_000 + n

    for frame_results in results.values():
        for r in frame_results:
            if r.success:
                continue
            rule = by_rule[r.expectation_config.meta["rule_id"]]
            kind = kind_of(rule)
            kwargs = r.expectation_config.kwargs
            for row in _unexpected(r):
                key = (str(row["agency_id"]), int(row["year"]))
                if key not in items:
                    continue
                ref = str(row["key"])
                if kind.frame == "cells":
                    value = _py(row.get(kwargs["column"]))
                    failure = kind.cell_failure(fmt, ref, value, r.expectation_config.meta.get("check"))
                    if failure.status == "blank":
                        blanks[key].add(ref)
                    table = ref.split(".", 1)[0]
                    f = _finding(
                        rule,
                        failure.status,
                        key,
                        table,
                        failure.message,
                        cells=(ref,),
                        left=failure.left,
                        where=cell_label(fmt, ref),
                    )
                    out[key].append((pos(rule, cell_order.get(ref, 0)), f))
                else:
                    failed.add((rule.id, key, ref))
                    left, right = _py(row.get(kwargs["column_A"])), _py(row.get(kwargs["column_B"]))
                    inst_list = _instances(fmt, rule)
                    n, inst = next((i, x) for i, x in enumerate(inst_list) if x.key == ref)
                    message = failure_message(inst, items[key], prevs.get(key), left, right)
                    f = _finding(
                        rule,
                        "failed",
                        key,
                        inst.table.key,
                        message,
                        left=left,
                        right=right,
                        difference=left - right,
                        cells=inst.cells,
                        where=inst.where,
                        roles=_roles(inst),
                    )
                    out[key].append((pos(rule, n), f))

    # Sums with a blank operand: Great Expectations skipped them; say so instead of passing them.
    for rule in suites.gx_rules(fmt):
        for n, inst in enumerate(_instances(fmt, rule)):
            for key, item in items.items():
                if (rule.id, key, inst.key) in failed:
                    continue
                missing = [c for c in inst.cells if c in blanks[key]]
                prev = prevs.get(key)
                if inst.prev_cells:
                    if prev is None:
                        continue  # no previous year: the cross-year rule does not apply
                    apart = _not_comparable(inst, prev)
                    if apart:
                        f = _finding(
                            rule, "not_evaluated", key, inst.table.key, apart, cells=inst.cells, where=inst.where
                        )
                        out[key].append((pos(rule, n), f))
                        continue
                    missing += [c for c in inst.prev_cells if prev.tables.get(c) is None]
                if not missing:
                    continue
                labels = inst.labels or {}
                names = "、".join(
                    (f"{item.year - 1}年度" if c in inst.prev_cells else "") + quoted(labels.get(c, c)) for c in missing
                )
                message = f"{inst.where}：{names}为空白，此项无法校验（{rule.title}）。"
                f = _finding(rule, "not_evaluated", key, inst.table.key, message, cells=inst.cells, where=inst.where)
                out[key].append((pos(rule, n), f))
    return out


def _roles(inst: Instance) -> dict[str, str]:
    """What each cell of a failed instance plays: the two sides of a balance, else the checked cell
    (the total: the instance's first cell) and the cells it is compared with."""
    for b in kind_of(inst.rule).balances(inst.table, inst.rule):
        if b.key == inst.key:
            return {**dict.fromkeys(b.left, "left"), **dict.fromkeys(b.right, "right")}
    total, *parts = inst.cells
    return {total: "total", **dict.fromkeys(parts, "part")}


def _not_comparable(inst: Instance, prev: AgencyYear | PreviousReport) -> str:
    """The "不可比" message when last year's report (another format) has no cell comparable to what the
    rule instance needs; "" when it has them all."""
    if not isinstance(prev, PreviousReport):
        return ""
    apart = [c for c in inst.prev_cells if c in prev.not_comparable]
    if not apart:
        return ""
    labels = inst.labels or {}
    names = "、".join(quoted(labels.get(c, c)) for c in apart)
    reasons = "；".join(dict.fromkeys(prev.not_comparable[c] for c in apart))
    return (
        f"{inst.where}：{prev.year}年度报告使用{prev.published_in.name}，其{names}与本年不可比（{reasons}），"
        f"此项不校验（{inst.rule.title}）。"
    )


_INSTANCES: dict[tuple[str, str], list[Instance]] = {}


def _instances(fmt: Format, rule: Rule) -> list[Instance]:
    cache_key = (fmt.version, rule.id)
    if cache_key not in _INSTANCES:
        _INSTANCES[cache_key] = instances(fmt, rule)
    return _INSTANCES[cache_key]


# --- public API ---------------------------------------------------------------------------------------


def validate_batch(
    items: Sequence[AgencyYear],
    previous: Mapping[AgencyYearKey, AgencyYear] | None = None,
    *,
    suites_dir: Path | str | None = "auto",
    families: Mapping[AgencyYearKey, Family] | None = None,
) -> dict[AgencyYearKey, list[Finding]]:
    """Validate every agency-year of ``items`` in one Great Expectations session.

    ``previous`` offers other agency-years (keyed by their own ``(agency_id, year)``) for the
    cross-year rules; agency-years in ``items`` serve as each other's previous year too. ``families``
    gives an agency-year its children and parent (``nianbao.validation.children``) for the roll-up rule;
    without one it is not checked.
    ``suites_dir`` is the folder of committed suites (default: the project's ``expectations/``).
    Returns ``(agency_id, year)`` → findings, in rule order; an agency-year without findings maps to [].
    """
    by_key: dict[AgencyYearKey, AgencyYear] = {}
    for item in items:
        key = key_of(item)
        if key in by_key:
            raise ValueError(f"{key[0]} {key[1]}年度在同一批中出现了两次")
        by_key[key] = item
    pool = {**(previous or {}), **by_key}
    directory = expectations_dir() if suites_dir == "auto" else (Path(suites_dir) if suites_dir else None)

    out: dict[AgencyYearKey, list[Finding]] = {}
    by_format: dict[str, list[AgencyYear]] = {}
    for item in items:
        by_format.setdefault(item.format, []).append(item)
    for group in by_format.values():
        fmt = group[0].fmt
        group_keys = {key_of(i): i for i in group}
        prevs = {
            k: prev
            for k in group_keys
            if (k[0], k[1] - 1) in pool and (prev := previous_for(pool[(k[0], k[1] - 1)], fmt)) is not None
        }
        frames = build_frames(fmt, group, _unique(prevs.values()))
        results = run_gx(frames, load_suites(fmt, directory))
        found = _findings_from_gx(fmt, results, group_keys, prevs)
        rule_order = {r.id: i for i, r in enumerate(fmt.rules)}
        for key, item in group_keys.items():
            plain = plain_findings(item, prevs.get(key), (families or {}).get(key))
            positioned = found[key] + [(rule_order[f.rule_id] * 100_000 + n, f) for n, f in enumerate(plain)]
            out[key] = [f for _, f in sorted(positioned, key=lambda pf: pf[0])]
    return out


def plain_findings(
    item: AgencyYear, prev: AgencyYear | PreviousReport | None = None, family: Family | None = None
) -> list[Finding]:
    """Findings of the rules checked in plain Python (text, headings, deadline; with last year's report
    ``prev`` at hand, the year-over-year kinds too; with its ``family``, the roll-up), in rule order."""
    out = [f for rule in item.fmt.rules for f in kind_of(rule).check(item, rule)]
    if family is not None:
        out += [f for rule in item.fmt.rules for f in kind_of(rule).check_family(item, family, rule)]
    if prev is not None:
        out += [
            f
            for rule in item.fmt.rules
            if kind_of(rule).frame is None
            for f in kind_of(rule).check_years(item, prev, rule)
        ]
    return out


def _unique(items: Iterable[AgencyYear]) -> list[AgencyYear]:
    seen: dict[AgencyYearKey, AgencyYear] = {}
    for i in items:
        seen.setdefault(key_of(i), i)
    return list(seen.values())


def validate_one(
    params: AgencyYear, previous: AgencyYear | None = None, *, suites_dir: Path | str | None = "auto"
) -> list[Finding]:
    """Validate one agency-year (a batch of one); ``previous`` is its previous year's agency-year, if any."""
    pool = {key_of(previous): previous} if previous is not None else None
    return validate_batch([params], pool, suites_dir=suites_dir)[key_of(params)]


def previous_year_file(params_file: str | Path) -> Path | None:
    """``params/<agency-id>/<year-1>.yaml`` beside ``params_file``, when it exists."""
    path = Path(params_file)
    if not path.stem.isdigit():
        return None
    prev = path.with_name(f"{int(path.stem) - 1}{path.suffix}")
    return prev if prev.is_file() else None


def previous_year(params_file: str | Path) -> AgencyYear | None:
    """The previous year's agency-year of ``params_file``, or None; raises ParamsError when that file is bad."""
    prev = previous_year_file(params_file)
    return load_params(prev) if prev else None


@dataclass
class FileValidation:
    """``validate_files`` result for one params file: findings, or the params problem that stopped it."""

    path: Path
    params: AgencyYear | None = None
    findings: list[Finding] | None = None
    error: ParamsError | None = None
    previous_error: ParamsError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def validate_files(
    paths: Iterable[str | Path], *, suites_dir: Path | str | None = "auto"
) -> dict[Path, FileValidation]:
    """Load and validate params files in one batch (with their previous years from disk).

    A file that fails to load is reported (``error``), never validated; a broken previous-year file
    leaves the cross-year rules unevaluated and is reported as ``previous_error``.
    """
    out: dict[Path, FileValidation] = {}
    items: list[AgencyYear] = []
    pool: dict[AgencyYearKey, AgencyYear] = {}
    for p in paths:
        path = Path(p)
        if path in out:
            continue
        fv = out[path] = FileValidation(path)
        try:
            fv.params = load_params(path)
        except ParamsError as err:
            fv.error = err
            continue
        items.append(fv.params)
        try:
            prev = previous_year(path)
        except ParamsError as err:
            fv.previous_error = err
            prev = None
        if prev is not None:
            pool.setdefault(key_of(prev), prev)
    if suites_dir == "auto" and items:
        first = next(iter(out))
        suites_dir = expectations_dir(first.resolve().parent)
    families = {
        key_of(fv.params): family
        for fv in out.values()
        if fv.params is not None and (family := _family_on_disk(fv.path, fv.params, pool)) is not None
    }
    results = validate_batch(items, pool, suites_dir=suites_dir, families=families) if items else {}
    for fv in out.values():
        if fv.params is not None:
            fv.findings = results[key_of(fv.params)]
            if fv.previous_error is not None:
                fv.findings += previous_unreadable(fv.params, fv.previous_error)
    return out


def _family_on_disk(path: Path, params: AgencyYear, loaded: Mapping[AgencyYearKey, AgencyYear]) -> Family | None:
    """The children and parent of ``params`` when ``path`` lies in a project's params/<agency-id>/ (else None:
    a file elsewhere has no tree to be read from, and the roll-up rule is not checked)."""
    params_dir = path.absolute().parent.parent
    if params_dir.name != "params" or path.parent.name != params.agency.id:
        return None
    tree = children.scan(params_dir)
    return children.family(tree, params.agency.id, params.year, loaded={**loaded, key_of(params): params})


def previous_unreadable(params: AgencyYear, err: ParamsError) -> list[Finding]:
    """The cross-year rules, reported as not evaluated because last year's params file is bad."""
    fmt = params.fmt
    return [
        _finding(
            rule,
            "not_evaluated",
            key_of(params),
            rule.table,
            f"{params.year - 1}年度参数文件 {err.file} 有误（{len(err.problems)} 处），无法校验“{rule.title}”。",
        )
        for rule in fmt.rules
        if kind_of(rule).cross_year
    ]
