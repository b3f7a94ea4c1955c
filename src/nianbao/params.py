"""Read one agency-year's params file (YAML) into an AgencyYear, with errors a person can act on.

Every problem names the file, and for table cells the table, the row and the column by their
Chinese labels, and says what was expected. All problems of a file are reported at once.

Input is bounded before it can cost anything: a file larger than ``MAX_FILE_BYTES`` is refused before
it is read, YAML anchors and aliases are refused while parsing (a 1 KB "billion laughs" file would
otherwise expand to gigabytes), every text is at most ``MAX_TEXT_CHARS`` characters and holds no
control characters (they would reach reviewers' terminals), and messages quote values shortened
(``values.shown``), never whole.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nianbao.errors import NianbaoError
from nianbao.model import AgencyYear
from nianbao.values import Problem, TableProblems, clip, shown

MAX_FILE_BYTES = 1024 * 1024  # a params file with every narrative is ~10–50 KB
MAX_TEXT_CHARS = 20_000  # one paragraph, heading or name
# C0 controls but tab and newline, DEL and the C1 controls (ESC sequences, bells, …).
CONTROL = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)}


class SafeNoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors and aliases: params never need them, a bomb needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"不允许使用 YAML 别名（*{str(event.anchor)[:40]}）", event.start_mark
            )
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise yaml.composer.ComposerError(
                None, None, f"不允许使用 YAML 锚点（&{str(anchor)[:40]}）", event.start_mark
            )
        return super().compose_node(parent, index)


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


# How the top-level fields are called in messages.
FIELD_NAMES = {
    "agency": "机关",
    "agency.id": "机关代码",
    "agency.name": "机关名称",
    "year": "年度",
    "format": "格式版本",
    "title": "标题",
    "issued": "发布日期",
    "index_number": "索引号",
    "parent": "上级机关",
    "scope": "统计范围",
    "preface": "开头段落",
    "sections": "正文各部分",
    "tables": "统计表",
    "signature": "落款机关",
    "source": "来源",
}

PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "string_too_short": "不能为空",
    "date_type": "应为日期",
}


class ParamsError(NianbaoError):
    """A params file that cannot be used, with every problem found in it."""

    def __init__(self, file: str | Path, problems: list[Problem]):
        self.file = str(file)
        self.problems = problems
        lines = [f"{self.file}: 参数有误（{len(problems)} 处）："]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _where(path: str) -> str:
    for key in sorted(FIELD_NAMES, key=len, reverse=True):
        if path == key or path.startswith(key + ".") or path.startswith(key + "["):
            return FIELD_NAMES[key]
    return ""


def problems_from_validation(err: ValidationError, data: Any) -> list[Problem]:
    problems: list[Problem] = []
    for e in err.errors(include_url=False):
        error = (e.get("ctx") or {}).get("error")
        if isinstance(error, TableProblems):
            problems.extend(error.problems)
            continue
        # A narrative block is "str | Subhead": report the union's failure once, plainly.
        loc = tuple(p for p in e["loc"] if p not in {"str", "Subhead"})
        path = _loc(loc)
        if any(p.path == path for p in problems):
            continue
        kind = e["type"]
        if kind == "extra_forbidden":
            parent = data
            for part in loc[:-1]:
                parent = parent.get(part, {}) if isinstance(parent, Mapping) else {}
            known = [k for k in AgencyYear.model_fields] if len(loc) == 1 else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"，是否应为 {close[0]!r}？" if close else ""
            message = f"未知字段 {shown(loc[-1])}{hint}"
        elif kind == "value_error":
            message = str(error) if error is not None else e["msg"]
        elif kind == "string_too_short" and (e.get("ctx") or {}).get("min_length", 1) > 1:
            message = f"至少应有 {e['ctx']['min_length']} 个字，实际为 {shown(e.get('input'))}"
        elif kind in {"greater_than_equal", "less_than_equal"}:
            message = f"应在 2000 至 2100 之间，实际为 {shown(e.get('input'))}"
        elif kind in PYDANTIC_MESSAGES:
            message = PYDANTIC_MESSAGES[kind] + ("" if kind == "missing" else f"，实际为 {shown(e.get('input'))}")
        else:
            message = e["msg"]
        if path.startswith("sections.") and kind in {"string_type", "model_type"}:
            message = "正文段落应为文字，或 {subhead: 小标题}"
        problems.append(Problem(path, _where(path), clip(message, 500)))
    return problems


def from_mapping(data: Any, source: str | Path = "<params>") -> AgencyYear:
    """Validate an already-parsed params mapping (as papermill injects it)."""
    if not isinstance(data, Mapping):
        raise ParamsError(source, [Problem("", "", f"文件内容应为映射（键: 值），实际为 {type(data).__name__}")])
    try:
        return AgencyYear.model_validate(dict(data))
    except ValidationError as err:
        raise ParamsError(source, problems_from_validation(err, data)) from None


def read_yaml(path: Path) -> Any:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ParamsError(path, [Problem("", "", "找不到此参数文件")]) from None
    if size > MAX_FILE_BYTES:
        raise ParamsError(
            path, [Problem("", "", f"文件过大：{size:,} 字节，参数文件最多 {MAX_FILE_BYTES:,} 字节（1 MiB）")]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(path, [Problem("", "", "找不到此参数文件")]) from None
    except UnicodeDecodeError as err:
        raise ParamsError(path, [Problem("", "", f"文件应为 UTF-8 编码：{err}")]) from None
    try:
        return yaml.load(text, Loader=SafeNoAliasLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        reason = getattr(err, "problem", None) or str(err)
        raise ParamsError(path, [Problem("", at, f"YAML 格式错误：{clip(reason, 200)}")]) from None


def text_problems(data: Any, path: str = "") -> list[Problem]:
    """Texts (keys and values) that are too long or hold control characters, each with where it is."""
    problems: list[Problem] = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            sub = f"{path}.{k}" if path else str(k)
            if isinstance(k, str):
                problems += _text_problem(k, path or "", "键名")
            problems += text_problems(v, sub[:200])
    elif isinstance(data, list):
        for i, v in enumerate(data):
            problems += text_problems(v, f"{path}[{i}]")
    elif isinstance(data, str):
        problems += _text_problem(data, path, "")
    return problems


def _text_problem(text: str, path: str, what: str) -> list[Problem]:
    out = []
    if len(text) > MAX_TEXT_CHARS:
        out.append(Problem(path, _where(path), f"{what}文字过长：{len(text):,} 个字，每项最多 {MAX_TEXT_CHARS:,} 个字"))
    bad = next((i for i, c in enumerate(text) if ord(c) in CONTROL), None)
    if bad is not None:
        out.append(
            Problem(
                path,
                _where(path),
                f"{what}含有控制字符 {text[bad]!a}（第 {bad + 1} 个字），请删除：{shown(text, 60)}",
            )
        )
    return out


def load_params(path: str | Path, name: str | None = None) -> AgencyYear:
    """Load ``params/<agency-id>/<year>.yaml``; raise ParamsError listing every problem.

    ``name`` is how messages call the file (default: ``path`` as given).
    """
    path = Path(path)
    shown_as = name or str(path)
    try:
        data = read_yaml(path)
        problems = text_problems(data)
        if problems:
            raise ParamsError(shown_as, problems)
        params = from_mapping(data, shown_as)
    except ParamsError as err:
        raise ParamsError(shown_as, err.problems) from None
    problems = []
    # The layout params/<agency-id>/<year>.yaml is how the build finds and names reports.
    if path.stem.isdigit() and int(path.stem) != params.year:
        problems.append(Problem("year", "年度", f"文件名为 {path.name}，但 year 为 {params.year}"))
    if path.parent.name and path.parent.name != params.agency.id and path.parent.parent.name == "params":
        problems.append(
            Problem(
                "agency.id", "机关代码", f"文件位于 params/{path.parent.name}/，但 agency.id 为 {params.agency.id!r}"
            )
        )
    if problems:
        raise ParamsError(shown_as, problems)
    return params


def dump_params(params: AgencyYear) -> str:
    """YAML text for ``params`` (block style, Chinese kept readable)."""
    return yaml.dump(params.to_params(), Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=100)
