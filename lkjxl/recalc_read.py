"""Open an .xlsx for recalculation: its parts, sheets, defined names and shared strings.

The package is read into memory once and parts are inflated from it directly; the
cells of a sheet are parsed by `recalc_cells`. Formula text is extracted only when a
workbook's formula layout has not been seen before (`formulas_of`).
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join, normpath

import numpy as np
from zlib_ng import zlib_ng  # the same deflate, inflated in less than half zlib's time

BLANK, NUM, STR, BOOL, ERR = 0, 1, 2, 3, 4

_SHEET = re.compile(rb"<sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_NAME = re.compile(rb"<definedName\b([^>]*)>([^<]*)</definedName>")
_RELS = re.compile(rb"<Relationship\b([^>]*)/?>")
_SI = re.compile(rb"<(?:\w+:)?si(?:\s*/>|>(.*?)</(?:\w+:)?si>)", re.S)
_T = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")
_RPH = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_F = re.compile(rb"<f\b([^>]*?)(?:/>|>([^<]*)</f>)", re.S)
_DECODED: dict[bytes, str] = {}  # shared-string and text bytes → str; the same labels recur across a set


# Excel reads a part only in SpreadsheetML's namespace (transitional or strict). A root in another
# one (a damaged file: `xmlns="httporg/spreadsheetml/..."`) shows no cells in Excel or openpyxl,
# while the parsers here match tags by name and would read it as if shown.
_MAIN = (b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main")
_ROOTS = {
    root: re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?" + root + rb"\b([^>]*)>")
    for root in (b"worksheet", b"workbook", b"sst")
}


def check_namespace(data: bytes, root: bytes, what: str) -> None:
    """Refuse a part whose `root` element (`worksheet`, `workbook`, `sst`) is outside SpreadsheetML's
    namespace; `what` names the part for the message. A part without that root (a chartsheet,
    say) is left to the reader."""
    found = _ROOTS[root].search(data, 0, 4096)
    if found is None:
        return
    prefix = b":" + found[1] if found[1] else b""
    declared = re.search(rb"\sxmlns" + re.escape(prefix) + rb'\s*=\s*["\']([^"\']*)', found[2])
    if declared is None or declared[1] not in _MAIN:
        raise UnreadableWorkbook(f"{what} (namespace XML rusak)")


class UnreadableWorkbook(Exception):
    """Not an .xlsx lkjxl can read (not a zip, no workbook part, a broken part)."""


@dataclass
class Formula:
    """One formula cell's `<f>` element: text (None for a shared-formula follower) and attributes."""

    text: str | None
    kind: str = "normal"  # normal | shared | array | dataTable
    shared_index: str | None = None
    ref: str | None = None


@dataclass
class Sheet:
    """The cells of one sheet as parallel arrays, in row-major order."""

    name: str
    part: str
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    cols: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    num: np.ndarray = field(default_factory=lambda: np.zeros(0))
    txt: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    style: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # cellXfs index (`s`), 0 if none
    dated: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # ISO-date cells (t="d"): txt holds it
    formula_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # indices into the arrays
    signature: bytes = b""  # formula positions + raw `<f>` bytes
    formulas: list[Formula] | None = None  # parallel to formula_cells, extracted on demand
    data: bytes | None = None  # the part's XML while formulas may still be needed
    parsed: bool = False

    def keys(self) -> np.ndarray:
        return self.rows.astype(np.int64) * 16384 + self.cols


@dataclass
class Book:
    path: Path
    sheets: list[Sheet]
    names: dict[tuple[str, int | None], str]  # (NAME upper-case, local sheet index or None) → text
    signature: bytes = b""  # sheet names and defined names, as the layout signature starts
    shared: SharedStrings | None = None
    states: dict[str, str] = field(default_factory=dict)  # sheet name → visible | hidden | veryHidden
    written: dict[str, str] = field(default_factory=dict)  # workbook-level names as written → text

    def sheet(self, name: str) -> Sheet | None:
        low = name.lower()
        return next((s for s in self.sheets if s.name.lower() == low), None)


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def text_of(raw: bytes) -> str:
    out = _DECODED.get(raw)
    if out is None:
        out = raw.decode("utf-8")
        if "&" in out:
            out = html.unescape(out)
        if len(_DECODED) < 200_000:
            _DECODED[raw] = out
    return out


MAX_PART = 512 * 2**20  # an inflated part larger than this is refused (zip bombs)


class Package:
    """An .xlsx read into memory once; its parts inflated straight from those bytes with zlib-ng.

    zipfile's per-member machinery costs more than the inflating for a workbook's dozen small
    parts; zipfile still reads the directory (unless `safety.inspect` already did: `archive`),
    and anything unusual (other compression, encryption) goes through it.
    """

    def __init__(
        self,
        path: Path,
        inflated: dict[str, tuple[int, bytes]] | None = None,
        archive: tuple[bytes, list[zipfile.ZipInfo]] | None = None,
    ):
        self._zip = None
        if archive is None:
            raw = Path(path).read_bytes()
            self._zip = zipfile.ZipFile(io.BytesIO(raw))
            archive = raw, self._zip.infolist()
        self.raw, self._infolist = archive  # the file's bytes and zip directory, as inspected if they were
        self.infos = {info.filename: info for info in self._infolist}  # as zipfile's: the last of a name
        self.inflated = inflated or {}  # name → (CRC, bytes): parts `safety.inspect` inflated and verified

    @property
    def zip(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(io.BytesIO(self.raw))
        return self._zip

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        if self._zip is not None:
            self._zip.close()

    def __contains__(self, name: str) -> bool:
        return name in self.infos

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self._infolist

    def read(self, member: str | zipfile.ZipInfo) -> bytes:
        info = member if isinstance(member, zipfile.ZipInfo) else self.infos[member]
        crc, known = self.inflated.get(info.filename, (None, b""))
        if crc == info.CRC and len(known) == info.file_size:  # the same part of the same file
            return known
        if info.file_size > MAX_PART:
            raise UnreadableWorkbook(f"bagian {info.filename} terlalu besar ({info.file_size} bita)")
        if info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED) or info.flag_bits & 1:
            return self.zip.read(info)
        data = stored_bytes(self.raw, info)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            try:
                data = zlib_ng.decompressobj(-15).decompress(data, info.file_size + 1)
            except zlib_ng.error as exc:
                raise zipfile.BadZipFile(f"isi {info.filename} rusak") from exc
        else:
            data = bytes(data)
        if len(data) != info.file_size or zlib_ng.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"isi {info.filename} rusak")
        return data


def stored_bytes(raw: bytes, info: zipfile.ZipInfo) -> memoryview:
    """A member's bytes as stored in the zip `raw` (compressed or not), found from its local header."""
    h = info.header_offset
    if raw[h : h + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"header {info.filename} rusak")
    name_len, extra_len = struct.unpack_from("<HH", raw, h + 26)
    start = h + 30 + name_len + extra_len
    data = memoryview(raw)[start : start + info.compress_size]
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"isi {info.filename} rusak")
    return data


def open_book(
    path: Path,
    inflated: dict[str, tuple[int, bytes]] | None = None,
    archive: tuple[bytes, list[zipfile.ZipInfo]] | None = None,
) -> tuple[Package, Book, SharedStrings]:
    """The package, the workbook's sheets and names (cells not read yet), and raw shared strings;
    `inflated`, `archive`: parts already inflated, and the file and its directory already read
    (by `safety.inspect`)."""
    try:
        z = Package(path, inflated, archive)
        wb = z.read("xl/workbook.xml")
        rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in z else b""
        shared = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z else b""
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, zlib.error) as exc:
        raise UnreadableWorkbook(f"bukan berkas .xlsx yang terbaca: {exc}") from exc
    check_namespace(wb, b"workbook", "xl/workbook.xml bukan buku kerja Excel yang sah")
    check_namespace(shared, b"sst", "xl/sharedStrings.xml bukan daftar teks Excel yang sah")
    sheets, names, signature, states, written = _workbook_parts(wb, rels)
    book = Book(
        Path(path),
        [Sheet(name, part) for name, part in sheets],
        names,
        signature,
        SharedStrings(shared),
        states,
        written,
    )
    return z, book, book.shared


_WORKBOOKS: dict[tuple[bytes, bytes], tuple] = {}  # a set of one template shares its workbook.xml


def _workbook_parts(wb: bytes, rels_xml: bytes) -> tuple[list[tuple[str, str]], dict, bytes, dict, dict]:
    """(sheet name, part) in order, defined names, both as signature bytes, sheet states and the
    workbook-level names as written (the checking reader's fingerprint keeps their case), from
    workbook.xml."""
    known = _WORKBOOKS.get((wb, rels_xml))
    if known is not None:
        return known[0], dict(known[1]), known[2], dict(known[3]), dict(known[4])
    rels = {}
    for raw in _RELS.findall(rels_xml):
        a = _attrs(raw)
        rels[a.get(b"Id", b"").decode()] = a.get(b"Target", b"").decode()
    sheets, states = [], {}
    for raw in _SHEET.findall(wb):
        a = _attrs(raw)
        rid = next((v for k, v in a.items() if k.endswith(b":id")), b"").decode()
        target = rels.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
        name = text_of(a.get(b"name", b""))
        sheets.append((name, part))
        states[name] = a.get(b"state", b"visible").decode()
    if not sheets:
        raise UnreadableWorkbook("workbook.xml tanpa sheet")
    names: dict[tuple[str, int | None], str] = {}
    written: dict[str, str] = {}
    for raw_attrs, raw_text in _NAME.findall(wb):
        a = _attrs(raw_attrs)
        local = a.get(b"localSheetId")
        name, text = text_of(a.get(b"name", b"")), text_of(raw_text)
        names[(name.upper(), int(local) if local is not None else None)] = text
        if local is None:
            written[name] = text
    if len(_WORKBOOKS) > 256:
        _WORKBOOKS.clear()
    signature = repr([name for name, _ in sheets]).encode() + b"\0" + repr(sorted(names.items(), key=str)).encode()
    _WORKBOOKS[(wb, rels_xml)] = (sheets, names, signature, states, written)
    return sheets, dict(names), signature, dict(states), dict(written)


_TAG = re.compile(rb"<[^>]*>")
_T_OPEN = re.compile(rb"<t(?:\s[^>]*)?>")
_OUTSIDE_T = re.compile(rb"\x02[^\x01\x00]*|(?:^|(?<=\x00))[^\x01\x00]*")


class SharedStrings:
    """A workbook's shared strings (sharedStrings.xml), as an array of str.

    Thousands of items per workbook, so the usual un-prefixed part is decoded in a few
    passes over all of it — `<t>` text kept, every other tag and the whitespace between
    tags dropped, items split at `</si>` — rather than item by item.
    """

    def __init__(self, sst: bytes):
        start = sst.find(b"<si")
        body = sst[start:] if start >= 0 else b""
        kept = _plain(body)
        if kept is None and b"<si>" in body and b"<si/>" not in body and b"<rPh" not in body and b"\0" not in body:
            marked = _T_OPEN.sub(b"\x01", body.replace(b"</si>", b"\0").replace(b"</t>", b"\x02"))
            kept = _OUTSIDE_T.sub(b"", _TAG.sub(b"", marked)).replace(b"\x01", b"")
        if kept is not None:
            text = kept.decode("utf-8")
            texts = (html.unescape(text) if "&" in text else text).split("\0")[:-1]
        else:  # a prefixed document, phonetic runs, empty items: item by item
            texts = [shared_string(item) for item in _SI.findall(body)]
        self.texts = np.empty(len(texts), object)
        self.texts[:] = texts

    def __len__(self) -> int:
        return len(self.texts)


def _plain(body: bytes) -> bytes | None:
    """Items all of the form <si><t>…</t></si> (XlsxWriter, LibreOffice, most of Excel's): their
    texts ending in NUL, by plain byte replacement; None for anything else. The separator
    between two items is replaced as one 16-byte needle, which the search skips along faster
    than the short ones it used to take apart."""
    if not body:
        return b""
    if b"\0" in body:
        return None
    flat = body.replace(b'<t xml:space="preserve">', b"<t>")
    end = flat.rfind(b"</t></si>")
    if end < 0 or not flat.startswith(b"<si><t>") or b"<si" in flat[end + 9 :]:
        return None  # an item of another form, also after the last plain one
    texts = flat[7:end].replace(b"</t></si><si><t>", b"\0") + b"\0"
    return texts if b"<" not in texts else None


def shared_string(raw: bytes) -> str:
    """The text of one `<si>` item: its `<t>` runs, without phonetic `<rPh>` runs."""
    return "".join(text_of(t) for t in _T.findall(_RPH.sub(b"", raw) if b"<rPh" in raw else raw))


_PREFIXED_F = re.compile(rb"<\w+:f[\s>/]")


def has_formulas(data: bytes) -> bool:
    """Whether a sheet part may hold formulas (`<f>`, or `<x:f>` in a prefixed document)."""
    return b"<f>" in data or b"<f " in data or (b"<sheetData" not in data and _PREFIXED_F.search(data) is not None)


def read_part(z: Package, sheet: Sheet) -> None:
    """Inflate a sheet's XML (kept in `sheet.data` until the workbook's values are gathered)."""
    try:
        sheet.data = z.read(sheet.part)
    except KeyError:
        sheet.data = b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise UnreadableWorkbook(f"bagian {sheet.part} rusak: {exc}") from exc


def formulas_of(sheet: Sheet) -> list[Formula]:
    """The `<f>` elements of a parsed sheet, parallel to `formula_cells` (kept after the first call)."""
    if sheet.formulas is None:
        found = []
        for raw_attrs, raw_text in _F.findall(sheet.data or b""):
            a = _attrs(raw_attrs)
            kind = a.get(b"t", b"normal").decode()
            si, ref = a.get(b"si"), a.get(b"ref")
            text = None if kind == "shared" and not raw_text else text_of(raw_text)
            found.append(Formula(text, kind, si.decode() if si is not None else None, ref.decode() if ref else None))
        if len(found) != len(sheet.formula_cells):
            raise UnreadableWorkbook(f"rumus pada sheet {sheet.name} tidak terbaca")
        sheet.formulas = found
    return sheet.formulas
