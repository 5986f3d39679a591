"""Compare .xlsx files part by part as normalised XML (the XlsxWriter test-suite way).

Bytes would fail on any zip detail; parsed and canonicalised XML fails only when
what Excel reads changes. Nothing volatile is stripped: lkjxl output must be stable.
"""

from __future__ import annotations

import difflib
import io
import zipfile
from pathlib import Path
from xml.etree.ElementTree import canonicalize


def parts(data: bytes | Path) -> dict[str, str]:
    raw = data.read_bytes() if isinstance(data, Path) else data
    out = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        for name in sorted(z.namelist()):
            body = z.read(name)
            if name.endswith((".xml", ".rels")):
                text = canonicalize(body.decode("utf-8"), strip_text=True)
                out[name] = text.replace("><", ">\n<")
            else:
                out[name] = body.hex()
    return out


def differences(actual: dict[str, str], expected: dict[str, str], context: int = 3) -> list[str]:
    """Readable unified diffs of every part that differs (empty when equal)."""
    report = []
    for name in sorted(set(actual) | set(expected)):
        a, e = actual.get(name), expected.get(name)
        if a == e:
            continue
        if a is None or e is None:
            report.append(f"part {name} only in {'expected' if a is None else 'actual'}")
            continue
        diff = difflib.unified_diff(
            e.splitlines(), a.splitlines(), f"golden/{name}", f"actual/{name}", n=context, lineterm=""
        )
        report.append("\n".join(list(diff)[:40]))
    return report
