"""From a report read into blocks to an agency-year: title, preface, sections, tables, closing.

Whatever the form, a report is: a title (often on two lines), an opening paragraph, the six
sections, and a closing with the issuing agency and the date. ``assemble`` finds each part,
reads the tables, records how the report deviates from the format, and validates the result
through ``nianbao.params.from_mapping`` — so an imported report is exactly as acceptable to
``nianbao run`` as a hand-made params file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pypinyin import lazy_pinyin

from nianbao.errors import NianbaoError
from nianbao.format import Format, available_formats, format_for_year, get_format, outdated_notice
from nianbao.importers.document import SourceBlock, SourceDoc
from nianbao.importers.import_report import ImportReport
from nianbao.importers.inline import restructure
from nianbao.importers.labels import CN_DIGITS, TERMINAL, aliases, fold, versions
from nianbao.importers.sections import Found, find_sections, heading_issues
from nianbao.importers.table_reader import read_table
from nianbao.model import AgencyYear
from nianbao.params import ParamsError, from_mapping
from nianbao.values import TableValues

DATE = re.compile(r"^\(?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*\)?$")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
YEAR = re.compile(r"(\d{4})\s*年")
SUBHEAD = re.compile(rf"^\([{CN_DIGITS}]+\)")
# "二、工作机制保障" inside 总体情况: an agency that numbers its narrative topics 一…六 before the
# tables, whose numbering restarts at 一、 (the format's sections are found by their words).
TOPIC_HEAD = re.compile(rf"^[{CN_DIGITS}]{{1,2}}、")
MAX_SUBHEAD = 30
MAX_SIGNATURE = 40
MAX_TITLE = 60
MAX_LEADING_WORD = 2  # a text block this short before the title is a page label, not part of it


@dataclass
class ImportResult:
    """What an import produced: the params (None when they could not be made) and the report."""

    params: AgencyYear | None
    data: dict[str, Any]
    report: ImportReport


def derive_agency_id(name: str) -> str:
    """A folder-safe id from the agency's name: its pinyin, letters and digits only, lower case
    (乌拉特中旗海流图镇人民政府 → wulatezhongqihailiutuzhenrenminzhengfu); names whose pinyin is
    longer than 48 letters are cut to 40 and get 8 hex digits of the name's SHA-1 appended."""
    text = re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(name)).lower())
    if len(text) > 48 or not text:
        text = f"{text[:40]}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}".lstrip("-")
    return text


def _date(text: str) -> dt.date | None:
    m = DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


def _date_text(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


class UnsupportedFormat(NianbaoError):
    """The report follows a national format that has no data file (see format/known-formats.yaml)."""


def table2_labels(version: str) -> set[str]:
    """The folded column labels of a format's table 二, with their known variants (data only)."""
    fmt = get_format(version)
    variants = aliases(version).get("tables", {}).get("t2", {}).get("fields", {})
    return {
        fold(label)
        for blk in fmt.tables["t2"].blocks
        for f in blk.columns
        for label in (f.label, *variants.get(f.key, ()))
    }


def report_year(blocks: list[SourceBlock], first: int = 5) -> int | None:
    """The year the report's first text blocks name (its title, usually), as a hint for the format."""
    for block in [b for b in blocks if b.is_text][:first]:
        m = YEAR.search(block.text)
        if m:
            return int(m.group(1))
    return None


def detect_format(blocks: list[SourceBlock], path_name: str) -> Format:
    """The format whose table 二 column labels the report uses (table cells, or inside a paragraph
    of crawled text); when the labels do not decide, the format that applies to the report's year.
    A report in a known format without a data file is refused."""
    cells = {fold(c.text) for b in blocks if b.kind == "table" for row in b.rows for c in row}
    text = "\n".join(fold(b.text) for b in blocks if b.kind != "table")

    def hits(labels: set[str]) -> int:
        return sum(1 for label in labels if label in cells or label in text)

    scores: list[tuple[int, str, dict[str, Any] | None]] = [
        (hits(table2_labels(v)), v, None) for v in available_formats()
    ]
    for other in versions().get("unsupported", []):
        scores.append((hits({fold(label) for label in other["table2_labels"]}), str(other["version"]), other))
    top = max(s[0] for s in scores)
    best = [s for s in scores if s[0] == top]
    if top and len(best) == 1 and best[0][2] is not None:
        other = best[0][2]
        found = "、".join(label for label in other["table2_labels"] if hits({fold(label)}))
        supported = "、".join(get_format(v).name for v in available_formats())
        raise UnsupportedFormat(
            f"{path_name}：表二使用的栏目（{found}）属于{other['name']}（{other['document']}，"
            f"用于{other['years']}报告）；目前只支持{supported}，此报告未导入"
        )
    supported_best = [v for _, v, other in best if other is None]
    year = report_year(blocks)
    by_year = format_for_year(year) if year else None
    if by_year in supported_best or not supported_best:
        return get_format(by_year or available_formats()[-1])
    return get_format(supported_best[-1])


class Assembler:
    def __init__(self, doc: SourceDoc, agency_id: str | None):
        self.doc = doc
        self.agency_id = agency_id
        self.report = ImportReport(source=str(doc.path), form=doc.form, notes=list(doc.notes))
        self.blocks = doc.blocks
        self.fmt_suffix = ""
        self.meta_blocks: set[int] = set()  # metadata lines before the title's section (not preface)
        self.fmt: Format | None = None
        self._signed = False

    def run(self) -> ImportResult:
        data: dict[str, Any] = {}
        try:
            fmt = detect_format(self._table_section_hint(), self.doc.path.name)
        except UnsupportedFormat as err:
            self.report.errors.append(str(err))
            return ImportResult(None, data, self.report)
        self.report.format = fmt.version
        self.fmt = fmt
        self.fmt_suffix = fmt.title_suffix
        year_hint = report_year(self.blocks)
        notice = outdated_notice(fmt.version, year_hint) if year_hint else None
        if notice:
            self.report.notes.append(notice)
        al = aliases(fmt.version)
        flat = restructure(self.blocks, fmt, al.get("sections", {}), al.get("metadata", {}))
        self.blocks = flat.blocks
        self.report.notes += flat.notes
        if flat.title and not self.doc.title:
            self.doc.title = flat.title
        found = find_sections(self.blocks, fmt, al.get("sections", {}))
        self.report.headings = heading_issues(found, fmt)
        first = found[0].index if found else len(self.blocks)
        title_idx, title = self._title(first, fmt)
        closing_idx, signature, issued = self._closing(found)
        self._signed = signature is not None
        meta = self._metadata(first, al.get("metadata", {}))
        name = signature or meta.get("agency") or self._name_from_title(title)
        self._names_agree({"标题": self._name_from_title(title), "落款": signature, "网页信息": meta.get("agency")})
        if not name:
            name = self.doc.path.stem
            self.report.notes.append(f"未找到机关名称（落款、网页信息或标题中均没有），暂以文件名“{name}”代替")
        if issued is None and meta.get("issued"):
            issued = meta["issued"]
            self.report.notes.append(f"落款没有日期，发布日期取自网页信息“{_date_text(issued)}”")
        preface = [
            b.text
            for i, b in enumerate(self.blocks[:first])
            if b.is_text
            and i not in title_idx | self.meta_blocks
            and _date(b.text) is None
            and fold(b.text) != fold(name or "")
        ]
        sections: dict[str, list[Any]] = {}
        values: dict[str, Any] = {}
        ends = [f.index for f in found[1:]] + [closing_idx] if found else []
        for f, end in zip(found, ends, strict=True):
            blocks = self.blocks[f.index + 1 : end]
            if f.section.table:
                read = read_table(fmt, f.section.table, blocks, al)
                values.update(read.values)
                self.report.cells += read.cells
                self.report.labels += read.labels
                self.report.notes += read.notes
            else:
                sections[f.section.key] = self._narrative(blocks, f)
        for key in fmt.tables:
            if not any(ref.startswith(f"{key}.") for ref in values):
                read = read_table(fmt, key, [], al)
                values.update(read.values)
                self.report.cells += read.cells
        year = self._year(title, preface) or self._year(None, [b.text for b in self.blocks if b.is_text])
        if not title:
            self.report.notes.append("未找到报告标题")
        elif fold(fmt.title_suffix) not in fold(title):
            self.report.notes.append(f"标题“{title}”与格式“<机关名称><年份>年{fmt.title_suffix}”不一致")
        headings = {f.section.key: f.text for f in found if f.text != f.section.heading}
        missing = [s.key for s in fmt.sections if s.table is None and not sections.get(s.key)]
        tables = TableValues(fmt, {ref: values[ref] for _, t in fmt.tables.items() for ref in _refs(t)}).to_params()
        agency_id = self.agency_id or (derive_agency_id(name) if name else None)
        if self.agency_id is None and agency_id:
            self.report.notes.append(f"机关代码由机关名称的拼音生成：{agency_id}（可用 --agency-id 指定）")
        data = {
            "agency": {"id": agency_id, "name": name},
            "year": year,
            "format": fmt.version,
            "title": title,
            "issued": _date_text(issued) if issued else None,
            "preface": preface,
            "sections": sections,
            "tables": tables,
            "signature": signature or name,
            "source": {
                "file": self.doc.path.name,
                **({"headings": headings} if headings else {}),
                **({"missing": missing} if missing else {}),
            },
        }
        self._gaps(data, found, values)
        if self.report.errors:
            return ImportResult(None, data, self.report)
        try:
            params = from_mapping(data, self.doc.path)
        except ParamsError as err:
            self.report.errors += [str(p) for p in err.problems]
            return ImportResult(None, data, self.report)
        return ImportResult(params, data, self.report)

    def _gaps(self, data: dict[str, Any], found: list[Found], values: dict[str, Any]) -> None:
        """What the report lacks: listed in the import report; refused only when it is not an annual
        report at all (no section heading, no title of one) or no table was found."""
        if data["issued"] is None:
            self.report.notes.append("未找到发布日期（落款日期）：params 中 issued 为 null，校验时会提示")
        if not self._signed:
            self.report.notes.append("原文没有落款：落款以机关名称代替")
        if data["year"] is None:
            self.report.errors.append("未找到报告年度：标题、前言和正文中都没有“××××年”")
        title = fold(data["title"] or "")
        if not found and not any(word in title for word in ("年度报告", "年报")):
            self.report.errors.append(
                "不像政府信息公开工作年度报告：没有找到格式中的任何一个部分标题（一、总体情况……），"
                "标题中也没有“年度报告”或“年报”"
            )
        elif all(v is None for v in values.values()):
            tables = "、".join(t.name for t in self.fmt.tables.values()) if self.fmt else "表二、表三、表四"
            self.report.errors.append(f"未找到任何表格数据：按格式的行标签查找了{tables}，均未读到数字")

    def _names_agree(self, names: dict[str, str | None]) -> None:
        """Note where the title, the signature and the page's metadata name the agency differently
        (one name inside the other — "上海市科委" in "2024年上海市科委…" — is the same name)."""
        given = {where: fold(n) for where, n in names.items() if n}
        shown = {where: n for where, n in names.items() if n}
        for (a, x), (b, y) in itertools.combinations(given.items(), 2):
            if x not in y and y not in x:
                self.report.notes.append(
                    f"机关名称不一致：{a}中为“{shown[a]}”，{b}中为“{shown[b]}”（请核对是简称还是错字）"
                )

    # --- parts -------------------------------------------------------------------------------

    def _table_section_hint(self) -> list[SourceBlock]:
        return self.blocks

    def _title(self, first: int, fmt: Format) -> tuple[set[int], str | None]:
        if self.doc.title:
            idx = {i for i, b in enumerate(self.blocks[:first]) if b.is_text and fold(b.text) == fold(self.doc.title)}
            return idx, re.sub(r"\s+", "", self.doc.title)
        text, idx = "", set()
        end_mark = fold(fmt.title_suffix)[-4:]
        for i, b in enumerate(self.blocks[:first]):
            if not b.is_text:
                continue
            if not idx and len(fold(b.text)) <= MAX_LEADING_WORD:
                self.meta_blocks.add(i)  # a converter's page label before the title ("正文")
                continue
            if len(idx) == 3 or not _title_like(b.text):
                break
            text += b.text
            idx.add(i)
            if end_mark in fold(text):
                return idx, re.sub(r"\s+", "", text)
        first_text = next((i for i, b in enumerate(self.blocks[:first]) if b.is_text), None)
        if first_text is None or not _title_like(self.blocks[first_text].text):
            return set(), None
        return {first_text}, re.sub(r"\s+", "", self.blocks[first_text].text)

    def _closing(self, found: list[Found]) -> tuple[int, str | None, dt.date | None]:
        start = found[-1].index + 1 if found else 0
        end = len(self.blocks)
        for i in range(end - 1, max(start, end - 6) - 1, -1):
            block = self.blocks[i]
            if not block.is_text:
                break
            issued = _date(block.text)
            if issued is None:
                continue
            prev = self.blocks[i - 1] if i - 1 >= start else None
            if (
                prev is not None
                and prev.is_text
                and len(fold(prev.text)) <= MAX_SIGNATURE
                and not prev.text.endswith(TERMINAL)
                and _date(prev.text) is None
            ):
                return i - 1, prev.text, issued
            return i, None, issued
        return end, None, None

    def _metadata(self, first: int, labels: dict[str, list[str]]) -> dict[str, Any]:
        """Facts from a web page's metadata box (a table before the report's first section)."""
        meta: dict[str, Any] = {}
        for i, block in enumerate(self.blocks[:first]):
            # A short "发布日期：2020-01-31" line under a page's title is the same box, unboxed.
            line = unicodedata.normalize("NFKC", block.text).split(":", 1) if block.kind == "para" else []
            if len(line) == 2 and len(block.text) <= MAX_SIGNATURE:
                for key, names in labels.items():
                    if key not in meta and fold(line[0]) in {fold(n) for n in names} and line[1].strip():
                        meta[key] = line[1].strip()
                        self.meta_blocks.add(i)
            if block.kind != "table":
                continue
            for row in block.rows:
                for cell, nxt in itertools.pairwise(row):
                    for key, names in labels.items():
                        if key not in meta and fold(cell.text) in {fold(n) for n in names} and nxt.text:
                            meta[key] = nxt.text
        if "issued" in meta:
            m = ISO_DATE.search(meta["issued"])
            meta["issued"] = dt.date(*(int(g) for g in m.groups())) if m else _date(meta["issued"])
        return meta

    def _name_from_title(self, title: str | None) -> str | None:
        if not title:
            return None
        m = YEAR.search(title)
        if m and m.start() > 1:
            return title[: m.start()]
        # "2019年上海市人民政府办公厅政府信息公开工作年度报告": the name stands between year and title.
        rest = title[m.end() :] if m and m.start() == 0 else ""
        for suffix in (self.fmt_suffix, "政府信息公开年度报告", "政府信息公开工作年报"):
            if suffix and rest.endswith(suffix) and len(rest) > len(suffix) + 1:
                return rest[: -len(suffix)]
        return None

    def _year(self, title: str | None, preface: list[str]) -> int | None:
        for text in (title or "", *preface):
            m = YEAR.search(text)
            if m:
                return int(m.group(1))
        return None

    def _narrative(self, blocks: list[SourceBlock], f: Found) -> list[Any]:
        out: list[Any] = []
        for block in blocks:
            if block.kind == "table":
                self.report.notes.append(f"“{f.text}”部分中有一个表格，格式中此部分没有表格，未读取")
                continue
            folded = fold(block.text)
            is_subhead = block.kind == "heading" or (
                bool(SUBHEAD.match(folded) or TOPIC_HEAD.match(folded))
                and len(folded) <= MAX_SUBHEAD
                and "。" not in block.text.rstrip("。")
            )
            out.append({"subhead": block.text} if is_subhead else block.text)
        return out


def _title_like(text: str) -> bool:
    """A line that may be a title: short, not a sentence."""
    return len(fold(text)) <= MAX_TITLE and not text.rstrip().endswith(TERMINAL) and "。" not in text


def _refs(table: Any) -> list[str]:
    return [table.cell_ref(r, f.key) for r, f in table.cells()]


def assemble(doc: SourceDoc, agency_id: str | None = None) -> ImportResult:
    return Assembler(doc, agency_id).run()
