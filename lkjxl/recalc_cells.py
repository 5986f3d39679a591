"""Parse a sheet's cells into arrays: positions, kinds, numbers, text, formula cells.

Recalculating a national set means reading ≈550 workbooks of ≈8,500 cells in
seconds, so a big sheet is parsed with numpy over its bytes (cell starts,
references, types and values found by vectorised byte tests), a small one with one
regex pass — never cell by cell through an XML parser. Each also records the
sheet's layout *signature* (formula positions and the raw bytes of every `<f>`
element). Anything neither expects (namespace prefixes, cells without `r`, inline
strings, ISO dates) goes through ElementTree. The `<dimension>` element is never
read: bounds come from the cells present.
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import iterparse

import numpy as np

from .recalc_parse import col_index, parse_cell
from .recalc_read import BLANK, BOOL, ERR, NUM, STR, Formula, SharedStrings, Sheet, UnreadableWorkbook, text_of

SMALL_SHEET = 48 * 1024  # bytes; below this one regex pass beats numpy's per-call overhead


def parse_cells(sheet: Sheet, shared: SharedStrings) -> None:
    if not sheet.parsed:
        data = sheet.data or b""
        small = len(data) < SMALL_SHEET
        if not (_small_sheet(sheet, data, shared) if small else _fast_sheet(sheet, data, shared)):
            _slow_sheet(sheet, data, shared)
        sheet.parsed = True


# -- the fast path ------------------------------------------------------------------


class _Tags:
    """Tag positions of one sheetData region, found once and tested by pattern."""

    def __init__(self, region: bytes):
        self.a = np.frombuffer(region + b"\0" * 16, np.uint8)  # padded: lookahead needs no bounds checks
        self.lt = np.flatnonzero(self.a == 60)
        self.next = [self.a[self.lt + i] for i in (1, 2, 3)]

    def starts(self, pattern: bytes) -> np.ndarray:
        """Positions where `pattern` ('<' and up to three more bytes) begins."""
        ok = self.next[0] == pattern[1]
        for i, ch in enumerate(pattern[2:], start=1):
            ok &= self.next[i] == ch
        return self.lt[ok]

    def spans(self, starts: np.ndarray, ends: np.ndarray) -> bytes:
        """The bytes of [start, end] spans, concatenated (each span keeps its closing byte as separator)."""
        lengths = ends - starts + 1
        offsets = np.cumsum(lengths) - lengths
        index = np.arange(int(lengths.sum())) + np.repeat(starts - offsets, lengths)
        return self.a[index].tobytes()

    def cell_refs(self, cs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """0-based (rows, cols) of the cells starting at `cs` (`<c r="AB12"`), or None if malformed."""
        a, p = self.a, cs + 6
        if not (np.all(a[cs + 3] == ord("r")) and np.all(a[cs + 4] == ord("=")) and np.all(a[cs + 5] == ord('"'))):
            return None
        col = np.zeros(cs.size, np.int64)
        width = np.zeros(cs.size, np.int64)
        for k in range(3):
            ch = a[p + k]
            letter = (ch >= 65) & (ch <= 90) & (width == k)
            col = np.where(letter, col * 26 + ch - 64, col)
            width += letter
        row, digits = _digits(a, p + width, 7)
        if not (np.all(width >= 1) and np.all(digits >= 1) and np.all(a[p + width + digits] == ord('"'))):
            return None
        return row - 1, col - 1


def _digits(a: np.ndarray, p: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, digit count) of the decimal digits starting at each position `p`."""
    value = np.zeros(p.size, np.int64)
    digits = np.zeros(p.size, np.int64)
    for _ in range(most):
        ch = a[p + digits]
        digit = (ch >= 48) & (ch <= 57)
        if not digit.any():
            break
        value = np.where(digit, value * 10 + ch - 48, value)
        digits += digit
    return value, digits


def _attribute(a: np.ndarray, spaces: np.ndarray, letter: int, cs: np.ndarray, tag_end: np.ndarray):
    """(positions, owning cell) of a one-letter attribute (` t="`, ` s="`) inside the cells' start tags."""
    q = spaces[(a[spaces + 1] == letter) & (a[spaces + 2] == ord("=")) & (a[spaces + 3] == ord('"'))]
    owner = np.searchsorted(cs, q, "right") - 1
    keep = (owner >= 0) & (q < tag_end[np.maximum(owner, 0)])
    return q[keep], owner[keep]


def _numbers(tags: _Tags, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """float() of each [start, end) span; None if one is not a number. Spans of up to 15 digits —
    amounts, shared-string indices, most of a sheet — are read with arrays (exact: below 2^53);
    the others with float()."""
    a, lengths = tags.a, ends - starts
    value = np.zeros(starts.size, np.int64)
    plain = (lengths >= 1) & (lengths <= 15)
    for k in range(int(lengths.max(initial=0).clip(max=15))):
        ch = a[starts + k].astype(np.int64)  # within the padding past the region's end
        inside = k < lengths
        plain &= ~inside | ((ch >= 48) & (ch <= 57))
        value = np.where(inside, value * 10 + ch - 48, value)
    out = value.astype(float)
    rest = np.flatnonzero(~plain)
    if rest.size:
        words = tags.spans(starts[rest], ends[rest]).decode("ascii", "replace").split("<")
        try:
            out[rest] = list(map(float, words[:-1]))
        except ValueError:
            return None
    return out


def _fast_sheet(sheet: Sheet, data: bytes, shared: SharedStrings) -> bool:
    """Vectorised parse of an un-prefixed sheet; False when the slow path must do it."""
    start = data.find(b"<sheetData")
    if start < 0:
        return b"sheetData" not in data  # no cells at all, or a prefixed document
    end = data.rfind(b"</sheetData>")
    tags = _Tags(data[start : end if end > 0 else len(data)])
    a = tags.a
    if any(tags.starts(p).size for p in (b"<is>", b"<is ", b"<c>", b"<c/")):
        return False
    cs = tags.starts(b"<c ")
    n = cs.size
    sheet.signature = b""
    if n == 0:
        return True
    # r="A1" is the first attribute: Excel, LibreOffice, XlsxWriter and openpyxl all write it so.
    refs = tags.cell_refs(cs)
    if refs is None:
        return False
    rows, cols = refs
    keys = rows * 16384 + cols
    if n > 1 and not np.all(keys[1:] > keys[:-1]):
        return False
    gt = np.flatnonzero(a == 62)
    tag_end = gt[np.searchsorted(gt, cs)]
    self_closing = a[tag_end - 1] == ord("/")
    spaces = np.flatnonzero(a[:-6] == 32)
    tq, owner = _attribute(a, spaces, ord("t"), cs, tag_end)  # ' t="x' inside each start tag
    sq, sowner = _attribute(a, spaces, ord("s"), cs, tag_end)
    style = np.zeros(n, np.int32)
    style[sowner] = _digits(a, sq + 4, 6)[0]
    tcode = np.full(n, ord("n"), np.int64)
    tcode[owner] = a[tq + 4]
    is_str = np.zeros(n, bool)
    is_str[owner] = (a[tq + 4] == ord("s")) & (a[tq + 5] == ord("t"))
    if np.any((tcode != ord("n")) & (tcode != ord("s")) & (tcode != ord("b")) & (tcode != ord("e"))):
        return False  # inlineStr, d (ISO dates)
    # Values <v>…</v>; a cell without one is blank (a formula without a cached value, too).
    vs, ve = tags.starts(b"<v>"), tags.starts(b"</v>")
    if vs.size != ve.size or tags.starts(b"<v/>").size:
        return False
    vowner = np.searchsorted(cs, vs, "right") - 1
    if vs.size and (vowner[0] < 0 or np.any(np.diff(vowner) == 0) or np.any(self_closing[vowner])):
        return False
    vstart, vend = np.zeros(n, np.int64), np.zeros(n, np.int64)
    vstart[vowner], vend[vowner] = vs + 3, ve
    kind, num, txt = np.zeros(n, np.int8), np.zeros(n), np.empty(n, object)
    numeric = np.flatnonzero((vend > vstart) & ~is_str & (tcode != ord("e")))
    if numeric.size:
        values = _numbers(tags, vstart[numeric], vend[numeric])
        if values is None:
            return False
        num[numeric] = values
        kind[numeric] = NUM
        code = tcode[numeric]
        strings = numeric[code == ord("s")]
        if strings.size:
            idx = num[strings].astype(np.int64)
            if np.any(idx < 0) or np.any(idx >= len(shared)):
                return False
            kind[strings] = STR
            txt[strings] = shared.texts[idx]
            num[strings] = 0.0
        kind[numeric[code == ord("b")]] = BOOL
    texty = np.flatnonzero((is_str | (tcode == ord("e"))) & (vstart > 0))
    if texty.size:  # formula results cached as text: one join and split, not a slice per cell
        words = tags.spans(vstart[texty], vend[texty]).split(b"<")[:-1]
        txt[texty] = [text_of(w) for w in words]
        kind[texty] = np.where(tcode[texty] == ord("e"), ERR, STR)
    # Formulas: <f>…</f>, <f …>…</f> or <f …/>, at most one per cell.
    fs = np.sort(np.concatenate([tags.starts(b"<f>"), tags.starts(b"<f "), tags.starts(b"<f/")]))
    fowner = np.searchsorted(cs, fs, "right") - 1
    if fs.size and (fowner[0] < 0 or np.any(np.diff(fowner) == 0) or np.any(self_closing[fowner])):
        return False
    sheet.rows, sheet.cols = rows.astype(np.int32), cols.astype(np.int32)
    sheet.kind, sheet.num, sheet.txt, sheet.style = kind, num, txt, style
    sheet.formula_cells = fowner.astype(np.int64)
    if fs.size:
        ftag = gt[np.searchsorted(gt, fs)]
        closes = tags.starts(b"</f>")
        after_open = np.minimum(np.searchsorted(closes, fs), max(closes.size - 1, 0))
        fend = np.where(a[ftag - 1] == ord("/"), ftag, closes[after_open] + 3 if closes.size else ftag)
        sheet.signature = keys[fowner].tobytes() + tags.spans(fs, fend)
    return True


_SMALL_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]+)")?(?: t="(\w+)")?(?: s="([0-9]+)")?'
    rb"(?:/>|>(<f(?:>[^<]*</f>| [^>]*?/>| [^>]*>[^<]*</f>))?(<v>[^<]*</v>)?</c>)"
)
_COLUMNS: dict[bytes, int] = {}


def _small_sheet(sheet: Sheet, data: bytes, shared: SharedStrings) -> bool:
    """One regex pass for a small sheet written in the usual attribute order; False when unusual."""
    start = data.find(b"<sheetData")
    if start < 0:
        return b"sheetData" not in data
    end = data.rfind(b"</sheetData>")
    region = data[start : end if end > 0 else len(data)]
    found = _SMALL_CELL.findall(region)
    if len(found) != region.count(b"<c ") or b"<c>" in region or b"<c/>" in region:
        return False
    n = len(found)
    rows, cols, style = np.empty(n, np.int32), np.empty(n, np.int32), np.zeros(n, np.int32)
    kind, num, txt = np.zeros(n, np.int8), np.zeros(n), np.empty(n, object)
    formulas, elements = [], []
    for i, (letters, digits, s1, t, s2, f, v) in enumerate(found):
        col = _COLUMNS.get(letters)
        if col is None:
            col = _COLUMNS[letters] = col_index(letters.decode())
        rows[i], cols[i] = int(digits) - 1, col
        if s1 or s2:
            style[i] = int(s1 or s2)
        if f:
            formulas.append(i)
            elements.append(f)
        if not v:
            continue
        v = v[3:-4]
        if t in (b"str", b"e"):
            kind[i], txt[i] = (ERR if t == b"e" else STR), text_of(v)
        elif not v:
            continue
        elif t == b"s":
            k = int(v)
            if k >= len(shared):
                return False
            kind[i], txt[i] = STR, shared.texts[k]
        elif t == b"b":
            kind[i], num[i] = BOOL, float(v == b"1")
        elif t in (b"", b"n"):
            try:
                kind[i], num[i] = NUM, float(v)
            except ValueError:
                return False
        else:
            return False
    keys = rows.astype(np.int64) * 16384 + cols
    if n > 1 and not np.all(keys[1:] > keys[:-1]):
        return False
    sheet.rows, sheet.cols, sheet.kind, sheet.num, sheet.txt, sheet.style = rows, cols, kind, num, txt, style
    sheet.formula_cells = np.array(formulas, np.int64)
    sheet.signature = keys[sheet.formula_cells].tobytes() + b"".join(elements) if formulas else b""
    return True


# -- the general path -----------------------------------------------------------------


def _slow_sheet(sheet: Sheet, data: bytes, shared: SharedStrings) -> None:
    """ElementTree parse for whatever the fast path refuses; the same arrays as a result."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # no entity expansion, ever (docs/security.md)
        raise UnreadableWorkbook(f"sheet {sheet.name} memuat DOCTYPE/ENTITY")
    rows, cols, kinds, nums, txts, styles, fcells, formulas = [], [], [], [], [], [], [], []
    row_no, col_no, ns = -1, -1, None
    try:
        for event, el in iterparse(_Bytes(data), events=("start", "end")):  # noqa: S314 - DOCTYPE refused above
            if ns is None:
                ns = el.tag[: el.tag.index("}") + 1] if el.tag.startswith("{") else ""
            local = el.tag[len(ns) :]
            if local == "row" and event == "start":
                r = el.get("r")
                row_no, col_no = (int(r) - 1 if r else row_no + 1), -1
            if event != "end" or local != "c":
                continue
            ref = el.get("r")
            row_no, col_no = parse_cell(ref) if ref else (row_no, col_no + 1)
            t = el.get("t", "n")
            v, f = el.find(ns + "v"), el.find(ns + "f")
            text = v.text if v is not None else None
            kind, num, txt = BLANK, 0.0, None
            if t == "s" and text is not None:
                kind, txt = STR, shared.texts[int(text)] if int(text) < len(shared) else ""
            elif t == "inlineStr":
                kind, txt = STR, "".join(x.text or "" for x in el.iter(ns + "t"))
            elif t in ("str", "e"):
                if v is not None:  # <v></v> is the empty string a formula gave
                    kind, txt = (ERR if t == "e" else STR), text or ""
            elif t == "b" and text is not None:
                kind, num = BOOL, float(text in ("1", "true"))
            elif t == "d" and text:
                kind, num, txt = NUM, _iso_serial(text), text  # the text kept: see Sheet.dated
            elif text:
                kind, num = NUM, float(text)
            if f is not None:
                fcells.append(len(rows))
                shared_follower = f.get("t") == "shared" and not f.text
                formulas.append(
                    Formula(
                        None if shared_follower else (f.text or ""), f.get("t", "normal"), f.get("si"), f.get("ref")
                    )
                )
            rows.append(row_no)
            cols.append(col_no)
            kinds.append(kind)
            nums.append(num)
            txts.append(txt)
            styles.append(int(el.get("s", 0)))
            el.clear()
    except (SyntaxError, ValueError, IndexError) as exc:
        raise UnreadableWorkbook(f"sheet {sheet.name} tidak terbaca: {exc}") from exc
    order = np.lexsort((np.array(cols, np.int64), np.array(rows, np.int64)))
    txt = np.empty(len(rows), object)
    txt[:] = txts
    sheet.rows, sheet.cols = np.array(rows, np.int32)[order], np.array(cols, np.int32)[order]
    sheet.kind, sheet.num, sheet.txt = np.array(kinds, np.int8)[order], np.array(nums, float)[order], txt[order]
    sheet.style = np.array(styles, np.int32)[order]
    sheet.dated = np.flatnonzero((sheet.kind == NUM) & (sheet.txt != None))  # noqa: E711 - elementwise
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    fc = position[np.array(fcells, np.int64)]
    by_position = np.argsort(fc, kind="stable")
    sheet.formula_cells = fc[by_position]
    sheet.formulas = [formulas[i] for i in by_position]
    listed = [(f.text, f.kind, f.shared_index, f.ref) for f in sheet.formulas]
    sheet.signature = sheet.keys()[sheet.formula_cells].tobytes() + repr(listed).encode()


def _iso_serial(text: str) -> float:
    return excel_serial(datetime.fromisoformat(text))


def excel_serial(moment: datetime) -> float:
    """A moment as Excel's serial number (1900 system, days from 1899-12-30)."""
    delta = moment - datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


class _Bytes:
    """A minimal file object over bytes for iterparse."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = len(self.data) - self.pos
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out
