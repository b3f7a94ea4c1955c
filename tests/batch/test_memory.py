"""Freed memory goes back to the system between reports, without a full collection after each one."""

from __future__ import annotations

import gc

from nianbao.batch import memory


def test_release_trims_every_time_and_collects_cycles_only_now_and_then(monkeypatch):
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or 0)
    for _ in range(2 * memory.FULL_COLLECT_EVERY):
        memory.release()
    assert len(collected) == 2  # 0.2 s each in a worker with WeasyPrint loaded: not after every report
    assert memory._malloc_trim() is not None  # glibc here: the trim really runs


def test_the_kernel_release_leaves_no_name_in_the_notebook_namespace():
    namespace: dict = {}
    exec(memory.KERNEL_RELEASE, namespace)
    assert set(namespace) == {"__builtins__"}
