"""Write recomputed values as the cached results of a workbook's formula cells.

openpyxl would drop every cached value on save (EXCEL_NOTES.md "Reading"), so the
copy is made at the XML level: in each sheet part holding formulas, the `<v>` of
every recomputed formula cell is replaced and its `t` attribute set to match the
value; every other part is copied with its content unchanged. The target is
written to a temporary file in its folder and renamed into place.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from html import escape
from pathlib import Path

from . import outfile
from .recalc_parse import parse_cell
from .recalc_read import BOOL, ERR, NUM, STR, UnreadableWorkbook, open_book

_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_T = re.compile(rb'\st="[^"]*"')
_V = re.compile(rb"<(?:\w+:)?v\s*/>|<((?:\w+:)?)v\b[^>]*>.*?</\1v>|<((?:\w+:)?)is\b[^>]*>.*?</\2is>", re.S)
_F_END = re.compile(rb"<(?:\w+:)?f\b[^>]*/>|</(?:\w+:)?f>")


def cached_xml(kind: int, num: float, txt) -> tuple[bytes, bytes]:
    """(t attribute, <v> text) for a value, as Excel writes them."""
    if kind == NUM:
        text = repr(float(num))
        return b"", (text[:-2] if text.endswith(".0") else text).encode()
    if kind == BOOL:
        return b' t="b"', b"1" if num else b"0"
    if kind == ERR:
        return b' t="e"', escape(str(txt), quote=False).encode("utf-8")
    if kind == STR:
        return b' t="str"', escape(str(txt), quote=False).encode("utf-8")
    return b"", b""


def patch_sheet(data: bytes, values: dict[tuple[int, int], tuple[int, float, object]]) -> bytes:
    """The sheet XML with the cached value of each (row, col) in `values` replaced."""

    def cell(m: re.Match) -> bytes:
        prefix, attrs, body = m.group(1), m.group(2), m.group(3)
        ref = _REF.search(attrs)
        if body is None or ref is None or b"<" not in body:
            return m.group(0)
        new = values.get(parse_cell(ref.group(1).decode()))
        if new is None:
            return m.group(0)
        t, v = cached_xml(*new)
        body = _V.sub(b"", body)
        end = _F_END.search(body)
        if end is None:
            return m.group(0)
        at = end.end()
        vtag = b"<" + prefix + b"v>" + v + b"</" + prefix + b"v>"
        attrs = _T.sub(b"", attrs).rstrip(b"/") + t
        return b"<" + prefix + b"c" + attrs + b">" + body[:at] + vtag + body[at:] + b"</" + prefix + b"c>"

    return _CELL.sub(cell, data)


def write_cached(src: Path, dst: Path, sheets: dict[str, dict[tuple[int, int], tuple[int, float, object]]]) -> None:
    """Copy `src` to `dst` with the given cached values (per sheet name, per 0-based (row, col))."""
    z, book, _ = open_book(src)
    parts = {s.part: sheets[s.name] for s in book.sheets if sheets.get(s.name)}
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        with z, outfile.replacing(dst) as raw, zipfile.ZipFile(raw, "w") as out:
            for info in z.infolist():
                data = z.read(info)
                if info.filename in parts:
                    data = patch_sheet(data, parts[info.filename])
                out.writestr(info, data)
    except (zipfile.BadZipFile, OSError, zlib.error) as exc:
        raise UnreadableWorkbook(f"gagal menulis {dst.name}: {exc}") from exc
