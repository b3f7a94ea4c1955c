"""Where things live: the project root, its notebook, params and build folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NOTEBOOK = Path("notebooks") / "annual_report.ipynb"
# What every report is published as, besides report.ipynb, review.html and findings.json
# (keys of nianbao.publish.outputs.OUTPUTS).
DEFAULT_FORMATS: tuple[str, ...] = ("html", "pdf")


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def notebook(self) -> Path:
        return self.root / NOTEBOOK

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def expectations_dir(self) -> Path:
        """The committed Great Expectations suites (``nianbao expectations`` writes them)."""
        return self.root / "expectations"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def out_dir(self, agency_id: str, year: int) -> Path:
        """build/<year>/<agency-id>/ — where one agency-year's outputs go."""
        return self.build_dir / str(year) / agency_id


def find_project(start: str | Path | None = None) -> Project:
    """The nearest folder at or above ``start`` (default: cwd) holding the report notebook."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / NOTEBOOK).is_file():
            return Project(folder)
    return Project(Path.cwd().resolve())
