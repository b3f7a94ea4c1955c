"""The no-op proof (``nianbao.batch.noop``): a build that changed nothing is answered again by ``stat``
alone, with the same summary, and anything its answer rests on sends the next build the whole way."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nianbao.batch import noop, pipeline
from nianbao.project import DEFAULT_FORMATS, Project
from support import SEED_ID, make_project, nianbao

BAD = "agency: {id: bad-agency, name: 坏数据局}\nyear: 2023\ntables: [\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed agency-year built, and a params file that fails (a failure is part of a no-op's answer)."""
    project = make_project(tmp_path_factory.mktemp("noop"))
    bad = project / "params" / "bad-agency" / "2023.yaml"
    bad.parent.mkdir()
    bad.write_text(BAD, encoding="utf-8")
    result = nianbao("build", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    return project


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project whose proof is written (by a no-op build run in this process)."""
    copy = tmp_path / "p"
    shutil.copytree(built, copy, symlinks=True)
    (copy / "build" / noop.PROOF).unlink(missing_ok=True)
    settle()
    whole_way(copy)
    assert (copy / "build" / noop.PROOF).is_file(), "a no-op build with nothing recent wrote no proof"
    return copy


def settle() -> None:
    """Let what was just written grow older than the file system's clock could tell apart."""
    time.sleep(noop.RACY_SECONDS + 0.1)


def build(project: Path, **options: object) -> pipeline.Summary:
    p = Project(project)
    return pipeline.build(p, [p.params_dir], jobs=1, **options)  # type: ignore[arg-type]


def whole_way(project: Path) -> pipeline.Summary:
    return build(project)


def asked(project: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> dict[str, object]:
    return noop.question(pipeline.discover([project / "params"]), formats)


def proven(project: Path) -> bool:
    return noop.answer(Project(project), asked(project)) is not None


def test_a_no_op_build_is_answered_from_the_proof_without_reading_a_record(
    project: Path, monkeypatch: pytest.MonkeyPatch
):
    full = whole_way(project)  # the whole way (it reads every record), same answer
    assert len(full.skipped) == 2 and [s.params_file for s in full.failing] == ["params/bad-agency/2023.yaml"]

    def no_records(*args: object) -> list[object]:
        raise AssertionError("the proof's answer read the state records")

    monkeypatch.setattr(pipeline, "all_states", no_records)
    seen: list[tuple[str, str]] = []
    replayed = build(project, on_result=lambda kind, state: seen.append((kind, state.params_file)))
    assert replayed.states == full.states and replayed.skipped == full.skipped and replayed.failed == full.failed
    assert replayed.overview == full.overview and replayed.exit_code() == full.exit_code() == 2
    kinds = [("skipped", s) for s in full.skipped] + [("failed", s) for s in full.failed]
    assert seen == [(kind, s.params_file) for kind, s in kinds]


def test_the_command_line_says_the_same_with_and_without_the_proof(project: Path):
    proof = project / "build" / noop.PROOF
    with_proof = nianbao("build", cwd=project)
    assert proof.is_file()
    proof.unlink()
    without = nianbao("build", cwd=project)
    assert (with_proof.returncode, with_proof.stdout) == (without.returncode, without.stdout) == (2, without.stdout)
    assert "未变跳过 1 份，失败 1 份" in without.stdout


def _edit_params_same_size_and_time(p: Path) -> None:
    f = p / "params" / SEED_ID / "2023.yaml"
    st = f.stat()
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("year: 2023", "year: 2024", 1), encoding="utf-8")  # same length
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # only the change time tells


def _output(p: Path, name: str = "report.pdf") -> Path:
    return p / "build" / "2023" / SEED_ID / name


CHANGES: dict[str, Callable[[Path], None]] = {
    "params edited, same size and time": _edit_params_same_size_and_time,
    "params added": lambda p: shutil.copytree(p / "params" / SEED_ID, p / "params" / "other-agency"),
    "reviewers' decisions added": lambda p: (
        (p / "reviews" / SEED_ID).mkdir(parents=True)
        or (p / "reviews" / SEED_ID / "2023.yaml").write_text("decisions: []\n", encoding="utf-8")
    ),
    "output touched": lambda p: os.utime(_output(p)),
    "output removed": lambda p: _output(p, "report.docx").unlink(),
    "notebook edited": lambda p: (p / "notebooks" / "annual_report.ipynb").open("a").write(" "),
    "suite added": lambda p: (p / "expectations" / "extra.json").write_text("{}", encoding="utf-8"),
    "state record rewritten": lambda p: (p / "build" / ".state" / "2023" / f"{SEED_ID}.json").write_bytes(
        (p / "build" / ".state" / "2023" / f"{SEED_ID}.json").read_bytes()
    ),
    "index page damaged": lambda p: (p / "build" / "index.html").write_text("<p>改坏了</p>", encoding="utf-8"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_anything_the_answer_rests_on_sends_the_build_the_whole_way(project: Path, change: str):
    assert proven(project)
    CHANGES[change](project)
    assert not proven(project)


def test_another_question_is_not_answered_by_the_proof(project: Path):
    assert proven(project)
    assert noop.answer(Project(project), asked(project, ("html",))) is None  # --to html
    one = noop.question([project / "params" / SEED_ID / "2023.yaml"], DEFAULT_FORMATS)
    assert noop.answer(Project(project), one) is None  # one params file, not params/


def test_a_package_installed_beside_sends_the_build_the_whole_way(built: Path, tmp_path: Path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    copy = tmp_path / "p"
    shutil.copytree(built, copy, symlinks=True)
    settle()
    whole_way(copy)
    assert proven(copy)
    (site / "somepackage-1.0.dist-info").mkdir()  # what pip leaves: the versions in every key may differ
    assert not proven(copy)


def test_a_force_build_never_takes_the_proof_and_drops_it(project: Path, monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []
    monkeypatch.setattr(noop, "answer", lambda *a: calls.append(1))
    (project / "params" / SEED_ID / "2023.yaml").unlink()  # nothing to execute in this test
    summary = build(project, force=True)
    assert not calls and not (project / "build" / noop.PROOF).exists()
    assert summary.removed == [f"params/{SEED_ID}/2023.yaml"]


def test_no_proof_is_written_while_what_it_rests_on_is_recent(project: Path):
    proof = project / "build" / noop.PROOF
    os.utime(_output(project))  # same bytes, new time: the build updates the record, just now
    whole_way(project)
    assert not proof.exists()
    settle()
    whole_way(project)
    assert proof.is_file() and proven(project)


def test_a_proof_that_cannot_be_read_counts_as_none(project: Path):
    proof = project / "build" / noop.PROOF
    proof.write_bytes(proof.read_bytes()[:1000])
    assert not proven(project)
    proof.write_text('{"layout": 0}', encoding="utf-8")
    assert not proven(project)


def test_a_proof_that_cannot_be_written_does_not_fail_the_build(project: Path):
    proof = project / "build" / noop.PROOF
    proof.unlink()
    proof.mkdir()  # in the way, as a full disk or a read-only file would be
    settle()
    result = nianbao("build", cwd=project)
    assert result.returncode == 2 and "未变跳过 1 份，失败 1 份" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and proof.is_dir()


def test_a_file_changed_while_the_build_ran_is_not_vouched_for(project: Path):
    """The params file is edited after the build read it, and the build goes on for longer than the racy
    second: the proof must not vouch for the edited file (its change time is after the build began)."""
    proof = project / "build" / noop.PROOF
    proof.unlink()
    params = project / "params" / SEED_ID / "2023.yaml"

    def edit_once(kind: str, state: object) -> None:
        if params.read_text(encoding="utf-8").endswith("\n# edited\n"):
            return
        with params.open("a", encoding="utf-8") as f:
            f.write("# edited\n")
        time.sleep(noop.RACY_SECONDS + 0.2)

    build(project, on_result=edit_once)
    assert not proof.exists() and not proven(project)
