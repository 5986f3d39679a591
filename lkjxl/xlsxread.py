"""A small, fast .xlsx reader: values, formulas, styles and names in one pass.

openpyxl must load a workbook twice to see both formulas and cached values, and
costs ≈100 ms per satker workbook; checking a national set needs a few ms. This
reader streams each part once with ElementTree, keeps only what the checks use,
and never trusts the `<dimension>` element.

XML is parsed with the standard library only after `safety.inspect` has refused
hostile archives (DOCTYPE/ENTITY declarations, bombs): `load` runs it unless the
caller already did. defusedxml would do the same job 2.4× slower per part.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join, normpath
from xml.etree.ElementTree import iterparse  # noqa: S405 - inputs pass safety.inspect first

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
M = "{{{}}}".format(NS["m"])
_CELL = re.compile(r"([A-Z]{1,3})(\d+)")
_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}  # built-in date and time formats


def _is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or a time (d, y, h, s outside quotes)."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0])
    return "#" not in section and "0" not in section and bool(re.search(r"[dyhs]", section, re.I))


_PERCENT_FORMATS = {9, 10}


@dataclass
class RawCell:
    value: object  # str | float | bool | None; errors as str starting with '#'
    formula: str | None = None
    style: int = 0
    error: bool = False


@dataclass
class RawSheet:
    name: str
    state: str = "visible"
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)  # 0-based (row, col)
    protected: bool = False
    merged: list[str] = field(default_factory=list)


@dataclass
class Style:
    locked: bool = True
    percent: bool = False
    date: bool = False


@dataclass
class RawBook:
    sheets: dict[str, RawSheet]
    names: dict[str, str]  # name → reference text, e.g. Realisasi!$B$6:$B$15
    styles: list[Style]
    properties: dict[str, str]
    external_links: int = 0

    def style(self, cell: RawCell) -> Style:
        return self.styles[cell.style] if cell.style < len(self.styles) else Style()


def cell_text(value) -> str:
    """A cell value as the text Excel shows for a key or label: 1971.0 is '1971', None is ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_ref(ref: str) -> tuple[int, int]:
    """'AB12' → (11, 27), 0-based (row, col)."""
    m = _CELL.fullmatch(ref.replace("$", ""))
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def load(path: Path, *, inspected: bool = False) -> RawBook:
    """Read a workbook; `inspected=True` when `safety.inspect` already accepted the file."""
    if not inspected:
        from . import safety

        safety.inspect(path)
    with zipfile.ZipFile(path) as z:
        members = set(z.namelist())
        sheets_meta, names = _workbook(z)
        rels = _rels(z, "xl/_rels/workbook.xml.rels")
        shared = _shared_strings(z) if "xl/sharedStrings.xml" in members else []
        styles = _styles(z) if "xl/styles.xml" in members else []
        sheets = {}
        for name, rid, state in sheets_meta:
            target = rels.get(rid, "")
            part = normpath(join("xl", target)) if not target.startswith("/") else target.lstrip("/")
            sheet = RawSheet(name, state)
            if part in members:
                _sheet(z, part, sheet, shared)
            sheets[name] = sheet
        props = _custom_properties(z) if "docProps/custom.xml" in members else {}
        if "docProps/core.xml" in members:
            props |= _core_properties(z)
        links = sum(1 for m in members if m.startswith("xl/externalLinks/") and m.endswith(".xml"))
    return RawBook(sheets, names, styles, props, links)


def _workbook(z: zipfile.ZipFile):
    sheets, names = [], {}
    for _, el in iterparse(z.open("xl/workbook.xml")):
        if el.tag == M + "sheet":
            sheets.append((el.get("name"), el.get("{{{}}}id".format(NS["r"])), el.get("state", "visible")))
        elif el.tag == M + "definedName" and el.get("localSheetId") is None:
            names[el.get("name")] = el.text or ""
    return sheets, names


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    if part not in z.namelist():
        return {}
    return {el.get("Id"): el.get("Target", "") for _, el in iterparse(z.open(part)) if el.tag.endswith("Relationship")}


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    out: list[str] = []
    parts: list[str] = []
    phonetic = False  # <rPh> runs hold reading aids, not cell text
    for event, el in iterparse(z.open("xl/sharedStrings.xml"), events=("start", "end")):
        if el.tag == M + "rPh":
            phonetic = event == "start"
        elif event == "start" and el.tag == M + "si":
            parts = []
        elif event == "end" and el.tag == M + "t" and el.text and not phonetic:
            parts.append(el.text)
        elif event == "end" and el.tag == M + "si":
            out.append("".join(parts))
            el.clear()
    return out


def _styles(z: zipfile.ZipFile) -> list[Style]:
    custom_formats: dict[int, str] = {}
    styles: list[Style] = []
    in_xfs = False
    for event, el in iterparse(z.open("xl/styles.xml"), events=("start", "end")):
        if el.tag == M + "numFmt" and event == "end":
            custom_formats[int(el.get("numFmtId", 0))] = el.get("formatCode", "")
        elif el.tag == M + "cellXfs":
            in_xfs = event == "start"
        elif in_xfs and el.tag == M + "xf" and event == "end":
            fmt = int(el.get("numFmtId", 0))
            code = custom_formats.get(fmt, "")
            protection = el.find(M + "protection")
            locked = protection is None or protection.get("locked", "1") not in ("0", "false")
            styles.append(
                Style(
                    locked=locked,
                    percent=fmt in _PERCENT_FORMATS or "%" in code,
                    date=fmt in _DATE_FORMATS or _is_date_format(code),
                )
            )
    return styles


def _sheet(z: zipfile.ZipFile, part: str, sheet: RawSheet, shared: list[str]) -> None:
    """Cells of one sheet part; a cell without `r` takes the next column of its row."""
    masters: dict[str, tuple[str, int, int]] = {}
    row, col = -1, -1
    for _, el in iterparse(z.open(part)):
        tag = el.tag
        if tag == M + "c":
            ref = el.get("r")
            if ref is None and row < 0:
                raise ValueError("sel tanpa posisi (atribut r)")
            row, col = split_ref(ref) if ref else (row, col + 1)
            f = el.find(M + "f")
            formula = f.text if f is not None else None
            if f is not None and f.get("t") == "shared":
                formula = _shared(formula, f.get("si", ""), row, col, masters)
            v = el.find(M + "v")
            kind = el.get("t", "n")
            inline = "".join(t.text or "" for t in el.iter(M + "t")) if kind == "inlineStr" else None
            _store(sheet, row, col, kind, v.text if v is not None else None, inline, formula, el.get("s"), shared)
            el.clear()
        elif tag == M + "row":
            el.clear()
        elif tag == M + "sheetProtection":
            sheet.protected = el.get("sheet") in ("1", "true")
        elif tag == M + "mergeCell":
            sheet.merged.append(el.get("ref", ""))


def _store(sheet: RawSheet, row: int, col: int, kind: str, text, inline, formula, style, shared) -> None:
    value: object
    if kind == "s":
        value = shared[int(text)] if text is not None and text.isdigit() and int(text) < len(shared) else None
    elif kind == "inlineStr":
        value = inline
    elif kind in ("str", "e"):
        value = text if text is not None else ("" if formula else None)
    elif kind == "b":
        value = text == "1"
    else:
        try:
            value = float(text) if text is not None else None
        except ValueError:
            value = text
        if isinstance(value, float) and not math.isfinite(value):
            value = text  # 'NaN'/'INF' in the XML: no number Excel has, kept as the text it is
    if value is None and formula is None and style is None:
        return
    sheet.cells[(row, col)] = RawCell(value, formula, int(style or 0), kind == "e")


def _shared(text: str | None, si: str, row: int, col: int, masters) -> str | None:
    """Excel stores filled-down formulas once; the others are the master moved by the offset."""
    if text:
        masters[si] = (text, row, col)
        return text
    if si not in masters:
        return None
    from openpyxl.formula.translate import Translator

    master, mrow, mcol = masters[si]
    return Translator("=" + master, origin=_a1(mrow, mcol)).translate_formula(_a1(row, col))[1:]


def _a1(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _core_properties(z: zipfile.ZipFile) -> dict[str, str]:
    """When the file was last saved (Excel and LibreOffice stamp dcterms:modified)."""
    for _, el in iterparse(z.open("docProps/core.xml")):
        if el.tag.endswith("}modified") and el.text:
            return {"modified": el.text.strip()}
    return {}


def _custom_properties(z: zipfile.ZipFile) -> dict[str, str]:
    props = {}
    for _, el in iterparse(z.open("docProps/custom.xml")):
        if el.tag.endswith("}property"):
            child = next(iter(el), None)
            props[el.get("name", "")] = (child.text or "") if child is not None else ""
    return props
