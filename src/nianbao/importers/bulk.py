"""Import many published reports at once: one params file per report, and a summary for people.

``sources(paths)`` expands folders into the files an importer reads (by extension, sorted);
``import_many`` imports each on its own — a file that cannot be read or written is recorded with
the reason and the others go on — and returns one ``Outcome`` per file. Each outcome counts the
table cells read, blank, not readable with certainty and not found, as the summary table shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from nianbao.errors import NianbaoError
from nianbao.importers.assemble import ImportResult

# Columns of the summary: (heading, the import report's cell statuses counted there).
COUNTS: dict[str, tuple[str, ...]] = {
    "空白": ("blank",),
    "无法确定": ("ambiguous",),
    "未找到": ("not_found", "unreadable"),
}


@dataclass(frozen=True)
class Outcome:
    source: Path
    target: Path | None = None  # the params file written
    result: ImportResult | None = None
    error: str | None = None  # why no params file was written

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def read(self) -> int:
        if self.result is None or self.result.params is None:
            return 0
        return sum(v is not None for _, v in self.result.params.tables.items())

    def count(self, heading: str) -> int:
        if self.result is None:
            return 0
        return len(self.result.report.cells_with(*COUNTS[heading]))


def sources(paths: Iterable[Path], extensions: Iterable[str]) -> list[Path]:
    """The files named, with each folder replaced by the report files in it (and its subfolders)."""
    known = {e.lower() for e in extensions}
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in known)
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def import_many(
    files: list[Path],
    load: Callable[[Path], ImportResult],
    target_of: Callable[[ImportResult], Path],
    save: Callable[[ImportResult, Path], None],
) -> list[Outcome]:
    """Import each file; a failure (unreadable, not a report, the params file exists) is recorded."""
    out: list[Outcome] = []
    for path in files:
        try:
            if not path.is_file():
                out.append(Outcome(path, error=f"找不到文件：{path}"))
                continue
            result = load(path)
            if result.params is None:
                reason = "；".join(result.report.errors) or "未能生成参数文件"
                out.append(Outcome(path, result=result, error=reason))
                continue
            target = target_of(result)
            save(result, target)
            out.append(Outcome(path, target, result))
        except NianbaoError as err:
            out.append(Outcome(path, error=str(err)))
        except Exception as err:  # one report that breaks the importer must not stop the others
            out.append(Outcome(path, error=f"导入出错（{type(err).__name__}）：{err}"))
    return out
