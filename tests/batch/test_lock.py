"""The build lock says how the last build ended, so a no-op build walks build/ for temporaries only after a kill."""

from __future__ import annotations

from pathlib import Path

from nianbao.batch.lock import build_lock


def test_the_lock_says_whether_the_last_holder_was_killed(tmp_path: Path):
    build = tmp_path / "build"
    with build_lock(build) as first:
        assert first.unclean  # no lock file yet: nothing says how an earlier build ended
        assert "pid" in first.path.read_text(encoding="utf-8")
    assert (build / ".lock").read_text(encoding="utf-8") == ""  # a holder that ends empties it
    with build_lock(build) as second:
        assert not second.unclean
    # A killed holder cannot empty the file: its line is still there for the next one.
    (build / ".lock").write_text("pid 1 · 主机 h · 开始于 2026-01-01T00:00:00Z\n", encoding="utf-8")
    with build_lock(build) as third:
        assert third.unclean


def test_an_exception_in_the_build_still_counts_as_a_clean_end(tmp_path: Path):
    build = tmp_path / "build"
    try:
        with build_lock(build):
            raise RuntimeError("a failing build")
    except RuntimeError:
        pass
    with build_lock(build) as held:
        assert not held.unclean
