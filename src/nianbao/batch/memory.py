"""Give freed memory back to the system between reports.

A worker renders hundreds of reports and its warm kernel runs hundreds of notebooks. Each report
allocates and frees tens of megabytes (WeasyPrint's layout, font subsetting, pandas frames); glibc's
allocator keeps what was freed inside its heap, so a long-lived process holds its high-water mark for
good, and two workers whose PDFs peaked at different moments each hold their own. ``release`` — called
by a pool worker after each job and by the warm kernel before each notebook — asks glibc to return free
pages (``malloc_trim``: under a millisecond; a no-op where the C library is not glibc) and, every
``FULL_COLLECT_EVERY`` calls, collects reference cycles first: a full ``gc.collect()`` in a process that
has WeasyPrint or pandas loaded takes 0.2 s, which after every report made a build a third slower.
Measured in ``benchmarks/RESULTS.md`` (peak memory of a 1,000-report build).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
from collections.abc import Callable
from functools import cache

FULL_COLLECT_EVERY = 25
_calls = itertools.count(1)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None


def release() -> None:
    """Return the allocator's free pages to the system (collecting cycles first, now and then)."""
    if next(_calls) % FULL_COLLECT_EVERY == 0:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# What the warm kernel runs before each notebook (after its namespace is reset); leaves no name behind.
KERNEL_RELEASE = "__import__('nianbao.batch.memory', fromlist=['release']).release()"
