"""Shared fixtures (the helpers themselves live in ``support.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SEED_ID, make_project, nianbao


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed report built once by `nianbao run` in a project copy; returns its output folder."""
    project = make_project(tmp_path_factory.mktemp("project"))
    nianbao("run", f"params/{SEED_ID}/2023.yaml", cwd=project, check=True)
    return project / "build" / "2023" / SEED_ID
