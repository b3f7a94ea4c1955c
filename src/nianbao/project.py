"""Where things live: the project root, its notebook, params and build folders.

A project is the folder holding ``notebooks/annual_report.ipynb``; commands find it from the working
folder upwards and refuse to run elsewhere (``ProjectNotFound``) rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nianbao.errors import ProjectNotFound

NOTEBOOK = Path("notebooks") / "annual_report.ipynb"
# The 图解 notebook, executed after the report's for graphic.html and its charts.
GRAPHIC_NOTEBOOK = Path("notebooks") / "graphic.ipynb"
# What every report is published as, besides report.ipynb, review.html and findings.json
# (keys of nianbao.publish.outputs.OUTPUTS).
DEFAULT_FORMATS: tuple[str, ...] = ("html", "pdf", "docx")


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def notebook(self) -> Path:
        return self.root / NOTEBOOK

    @property
    def graphic_notebook(self) -> Path:
        return self.root / GRAPHIC_NOTEBOOK

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def expectations_dir(self) -> Path:
        """The committed Great Expectations suites (``nianbao expectations`` writes them)."""
        return self.root / "expectations"

    @property
    def reviews_dir(self) -> Path:
        """Reviewers' decisions, committed: reviews/<agency-id>/<year>.yaml (``nianbao review`` writes them)."""
        return self.root / "reviews"

    def reviews_file(self, agency_id: str, year: int) -> Path:
        return self.reviews_dir / agency_id / f"{year}.yaml"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def out_dir(self, agency_id: str, year: int) -> Path:
        """build/<year>/<agency-id>/ — where one agency-year's outputs go."""
        return self.build_dir / str(year) / agency_id


def project_or_none(start: str | Path | None = None) -> Project | None:
    """The nearest folder at or above ``start`` (default: cwd) holding the report notebook, if any."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / NOTEBOOK).is_file():
            return Project(folder)
    return None


def find_project(start: str | Path | None = None) -> Project:
    """The nearest folder at or above ``start`` (default: cwd) holding the report notebook.

    Raises ``ProjectNotFound`` naming the folder searched and the file a project needs.
    """
    project = project_or_none(start)
    if project is None:
        here = Path(start or Path.cwd()).resolve()
        raise ProjectNotFound(
            f"这里不是 nianbao 项目：{here} 及其上级文件夹中都没有 {NOTEBOOK.as_posix()}。"
            f"请在含有 {NOTEBOOK.as_posix()} 的项目文件夹（或其子文件夹）中运行。"
        )
    return project
