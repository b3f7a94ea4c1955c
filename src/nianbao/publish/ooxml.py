"""Office Open XML packages (the Word report, the 问题清单 workbook) with no clock in them.

A .docx or .xlsx is a zip: each entry carries the time it was written and ``docProps/core.xml`` the
created and modified times, so saving the same content twice gives different bytes. nianbao's outputs
are deterministic, so every package it writes goes through here: entries get one fixed zip time and the
core properties a time taken from the content (or none), never from the clock.
"""

from __future__ import annotations

import io
import re
import zipfile

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
_CORE = "docProps/core.xml"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def without_clock(data: bytes, when: str | None = None) -> bytes:
    """``data`` (a zip package) with every entry dated ``ZIP_TIME``, in the same order and compression,
    and the created / modified core properties set to ``when`` (W3CDTF, e.g. "2024-01-31T00:00:00Z") or
    removed when it is None."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            blob = src.read(item)
            if item.filename == _CORE:
                if when is None:
                    blob = re.sub(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>", b"", blob)
                else:
                    blob = _STAMP.sub(rb"\g<1>" + when.encode("ascii") + rb"\g<2>", blob)
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = item.compress_type
            info.external_attr = 0o644 << 16
            dst.writestr(info, blob)
    return out.getvalue()
