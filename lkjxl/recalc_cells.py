"""Parse a sheet's cells into arrays: positions, kinds, numbers, text, formula cells.

Recalculating a national set means reading ≈550 workbooks of ≈8,500 cells in
seconds, so a workbook's sheets are parsed with numpy over their bytes, all in one
pass (cell starts, references, types and values found by vectorised byte tests); a
sheet parsed alone is parsed that way when big, with one regex pass when small —
never cell by cell through an XML parser. Each also records the
sheet's layout *signature* (formula positions and the raw bytes of every `<f>`
element). Anything neither expects (namespace prefixes, cells without `r`, inline
strings, ISO dates) goes through ElementTree. The `<dimension>` element is never
read: bounds come from the cells present.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from xml.etree.ElementTree import iterparse

import numpy as np

from .recalc_parse import col_index, parse_cell
from .recalc_read import (
    BLANK,
    BOOL,
    ERR,
    NUM,
    STR,
    Formula,
    SharedStrings,
    Sheet,
    UnreadableWorkbook,
    check_namespace,
    text_of,
)

SMALL_SHEET = 48 * 1024  # bytes; below this one regex pass beats numpy's per-call overhead


def parse_cells(sheet: Sheet, shared: SharedStrings) -> None:
    parse_sheets([sheet], shared)


def parse_sheets(sheets: list[Sheet], shared: SharedStrings) -> None:
    """Parse the cells of sheets of one workbook: those the vectorised path reads together in one pass
    (`_joint`), the rest one by one — a small sheet with one regex pass, anything unusual with ElementTree."""
    todo = [sheet for sheet in sheets if not sheet.parsed]
    for sheet in todo:
        check_namespace(sheet.data or b"", b"worksheet", f"sheet {sheet.name} bukan lembar kerja Excel yang sah")
    for sheet in _joint(todo, shared):
        sheet.parsed = True
    for sheet in todo:
        if not sheet.parsed:
            data = sheet.data or b""
            small = len(data) < SMALL_SHEET
            if not (_small_sheet(sheet, data, shared) if small else _fast_sheet(sheet, data, shared)):
                _slow_sheet(sheet, data, shared)
            sheet.parsed = True


# -- the fast path ------------------------------------------------------------------


_CHUNK = 1 << 16  # bytes compared at a time: a mask of a whole region would be a large temporary


class _Tags:
    """Every tag of a sheet's sheetData region data[start:stop]: where its '<' is and the two bytes after it.

    One pass finds the tags; a pattern is then a comparison over them, and the tag after tag i is
    tag i + 1 (a `<v>`'s `</v>`, a `<f>`'s `</f>`). Positions are in `data`, read in place: the '<'
    at `stop` (of `</sheetData>`) is one more tag that matches no pattern, and the bytes after it
    let lookahead run without bounds checks.
    """

    def __init__(self, data: bytes, start: int, stop: int):
        if len(data) - stop < 64:  # no </sheetData>, or little after it: a padded copy
            data = data[:stop] + b"<" + b"\0" * 63
        self.data, self.start, self.stop = data, start, stop
        self.a = np.frombuffer(data, np.uint8)
        self.lt = _found(self.a, ord("<"), start, stop + 1)
        self.head = self.a[1:][self.lt].astype(np.uint16)
        self.head |= self.a[2:][self.lt].astype(np.uint16) << 8

    def named(self, pattern: bytes) -> np.ndarray:
        """Mask over the tags that begin with `pattern`: '<' and two bytes."""
        return self.head == int.from_bytes(pattern[1:], "little")

    def then(self, at: np.ndarray, byte: int) -> np.ndarray:
        """Whether the third byte after '<' of each of the tags `at` is `byte`."""
        return self.a[3:][self.lt[at]] == byte

    @cached_property
    def gt(self) -> np.ndarray:
        """Positions of every '>' of the region, for tags not read at fixed offsets."""
        return _found(self.a, ord(">"), self.start, self.stop)


def _found(a: np.ndarray, byte: int, start: int, stop: int) -> np.ndarray:
    """Positions of `byte` in a[start:stop]."""
    parts = [np.flatnonzero(a[i : min(i + _CHUNK, stop)] == byte) + i for i in range(start, stop, _CHUNK)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _cell_refs(a: np.ndarray, cs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """0-based (rows, cols) of the cells starting at `cs` (`<c r="AB12"`) and where each start tag goes
    on after the reference; None if malformed."""
    if not np.all(_at(a, cs + 3, b'r="')):
        return None
    chars = [a[6 + k :][cs] for k in range(3)]
    letter = [ch - np.uint8(65) < 26 for ch in chars]
    letter[1] &= letter[0]  # letters count only from the first on
    letter[2] &= letter[1]
    col = chars[0] - np.int64(64)
    col = np.where(letter[1], col * 26 + chars[1] - 64, col)
    col = np.where(letter[2], col * 26 + chars[2] - 64, col)
    p = cs + 6 + letter[0] + letter[1] + letter[2]
    row, digits = _digits(a, p, 7)
    after = p + digits
    if not (np.all(letter[0]) and np.all(digits >= 1) and np.all(a[after] == ord('"'))):
        return None
    return row - 1, col - 1, after + 1


def _digits(a: np.ndarray, p: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, digit count) of the decimal digits starting at each position `p`."""
    value = np.zeros(p.size, np.int64)
    digits = np.zeros(p.size, np.int64)
    for _ in range(most):
        digit = a[p + digits] - np.uint8(48)  # other bytes wrap above 9
        found = digit < 10
        if not found.any():
            break
        value = np.where(found, value * 10 + digit, value)
        digits += found
    return value, digits


def _at(a: np.ndarray, p: np.ndarray, pattern: bytes) -> np.ndarray:
    """Whether `pattern` (up to four bytes) is written at each position `p`: one 4-byte read each."""
    words = np.ndarray((a.size - 3,), "<u4", a, 0, (1,))[p]
    if len(pattern) < 4:
        words &= (1 << 8 * len(pattern)) - 1
    return words == int.from_bytes(pattern, "little")


def _usual_attributes(a: np.ndarray, p: np.ndarray):
    """(self-closing, style, type letter, is t="str") of start tags that go on from `p` (after r="…") as
    Excel, LibreOffice, XlsxWriter and openpyxl write them: [ s="digits"][ t="x" or t="str"] then '>'
    or '/>'. Read at those offsets, without scanning the region; None if a tag is written otherwise."""
    has_s = _at(a, p, b' s="')
    style, digits = _digits(a, p + 4, 6)
    p = np.where(has_s, p + 5 + digits, p)
    if not np.all(~has_s | (a[p - 1] == ord('"'))):
        return None
    has_t = _at(a, p, b' t="')
    is_str = has_t & _at(a, p + 4, b'str"')
    if not np.all(~has_t | is_str | (a[5:][p] == ord('"'))):
        return None
    tcode = np.where(has_t, a[4:][p], ord("n"))
    p = p + has_t * (6 + 2 * is_str)
    self_closing = a[p] == ord("/")
    if not np.all(a[p + self_closing] == ord(">")):
        return None
    return self_closing, np.where(has_s, style, 0).astype(np.int32), tcode, is_str


def _scanned_attributes(tags: _Tags, cs: np.ndarray):
    """The same for start tags written in any other way: ` s="` and ` t="` found anywhere before
    each tag's first '>'."""
    a, n = tags.a, cs.size
    tag_end = tags.gt[np.searchsorted(tags.gt, cs)]
    spaces = _found(a, ord(" "), tags.start, tags.stop)
    tq, owner = _attribute(a, spaces, ord("t"), cs, tag_end)
    sq, sowner = _attribute(a, spaces, ord("s"), cs, tag_end)
    style = np.zeros(n, np.int32)
    style[sowner] = _digits(a, sq + 4, 6)[0]
    tcode = np.full(n, ord("n"), np.int64)
    tcode[owner] = a[tq + 4]
    is_str = np.zeros(n, bool)
    is_str[owner] = (a[tq + 4] == ord("s")) & (a[tq + 5] == ord("t"))
    return a[tag_end - 1] == ord("/"), style, tcode, is_str


def _attribute(a: np.ndarray, spaces: np.ndarray, letter: int, cs: np.ndarray, tag_end: np.ndarray):
    """(positions, owning cell) of a one-letter attribute (` t="`, ` s="`) inside the cells' start tags."""
    q = spaces[(a[spaces + 1] == letter) & (a[spaces + 2] == ord("=")) & (a[spaces + 3] == ord('"'))]
    owner = np.searchsorted(cs, q, "right") - 1
    keep = (owner >= 0) & (q < tag_end[np.maximum(owner, 0)])
    return q[keep], owner[keep]


class _Cells:
    """Which cell a tag is in: the last cell started before it, if that cell has not ended (at its
    `</c>`) — in a region of several sheets, a cell never owns a tag of the next sheet's region."""

    def __init__(self, tags: _Tags, is_cell: np.ndarray, cs: np.ndarray, self_closing: np.ndarray, end: np.ndarray):
        self.lt, self.cs, self.self_closing, self.end = tags.lt, cs, self_closing, end
        self.before = np.cumsum(is_cell, dtype=np.int32)  # per tag: cells started at or before it

    @classmethod
    def of(cls, tags: _Tags, is_cell: np.ndarray, cs: np.ndarray, self_closing: np.ndarray) -> _Cells | None:
        """None unless each cell that is not self-closing ends with a `</c>` before the next cell starts."""
        opened = np.flatnonzero(~self_closing)
        closes = tags.lt[tags.named(b"</c")]
        if closes.size != opened.size:
            return None
        following = np.append(cs[1:], tags.stop)[opened]
        if not (np.all(closes > cs[opened]) and np.all(closes < following)):
            return None
        end = cs + 1  # a self-closing cell owns nothing (`owners` refuses it first)
        end[opened] = closes
        return cls(tags, is_cell, cs, self_closing, end)

    def owners(self, at: np.ndarray) -> np.ndarray | None:
        """The cell each of the tags `at` is in; None unless each is inside a different, open cell."""
        owner = self.before[at] - 1
        if not at.size:
            return owner
        if owner[0] < 0 or np.any(np.diff(owner) == 0) or np.any(self.self_closing[owner]):
            return None
        if np.any(self.lt[at] > self.end[owner]):  # after its cell's </c>: in no cell
            return None
        return owner


def _values(tags: _Tags, cells: _Cells) -> tuple[np.ndarray, np.ndarray] | None:
    """[start, end) of each cell's `<v>` text, (0, 0) for a cell without one; None unless every `<v>`
    holds plain text up to its `</v>`, at most one per cell."""
    at, closes = np.flatnonzero(tags.named(b"<v>")), tags.named(b"</v")
    if np.count_nonzero(closes) != at.size or tags.named(b"<v/").any():
        return None
    if not (np.all(closes[at + 1]) and np.all(tags.then(at + 1, ord(">")))):
        return None
    owner = cells.owners(at)
    if owner is None:
        return None
    vstart, vend = np.zeros(cells.cs.size, np.int64), np.zeros(cells.cs.size, np.int64)
    vstart[owner], vend[owner] = tags.lt[at] + 3, tags.lt[at + 1]
    return vstart, vend


def _formulas(tags: _Tags, cells: _Cells) -> tuple[np.ndarray, list] | None:
    """(owning cell, raw bytes) of each formula element (`<f>…</f>`, `<f …>…</f>` or `<f …/>`, at most
    one per cell); None if one is written otherwise."""
    attributed, short = tags.named(b"<f "), tags.named(b"<f/")
    at = np.flatnonzero(tags.named(b"<f>") | attributed | short)
    owner = cells.owners(at)
    if owner is None or not np.all(tags.then(at[short[at]], ord(">"))):  # <f/> only
        return None
    fs, closing = tags.lt[at], ~short[at]
    fend = np.where(closing, tags.lt[at + 1] + 3, fs + 3)
    with_attributes = np.flatnonzero(attributed[at])
    if with_attributes.size:  # its first '>' ends the tag, unless an attribute value holds one
        tag_end = tags.gt[np.searchsorted(tags.gt, fs[with_attributes])]
        closes_itself = tags.a[tag_end - 1] == ord("/")
        closing[with_attributes] = ~closes_itself
        fend[with_attributes] = np.where(closes_itself, tag_end, fend[with_attributes])
    after = at[closing] + 1
    if not (np.all(tags.named(b"</f")[after]) and np.all(tags.then(after, ord(">")))):
        return None
    return owner, _slices(tags.data, fs, fend + 1)


def _slices(data: bytes, starts: np.ndarray, ends: np.ndarray) -> list[bytes]:
    """data[start:end] for each span: slicing the part costs less than gathering its bytes with numpy."""
    return list(map(data.__getitem__, map(slice, starts.tolist(), ends.tolist())))


_WIDE = 24  # bytes read for each number, right-aligned: up to 18 characters are read with arrays
_U64 = np.uint64
# _SPAN_WORDS[k]: a window's three 8-byte words masked to its last k bytes
_SPAN_WORDS = (np.arange(_WIDE) >= _WIDE - np.arange(_WIDE + 1)[:, None]).astype(np.uint8).view(_U64) * _U64(0xFF)


def _records(a: np.ndarray, p: np.ndarray, size: int) -> np.ndarray:
    """The `size` bytes from each position `p`, one row each: one gather of fixed-size records."""
    return np.ndarray((a.size - size + 1,), f"V{size}", a, 0, (1,))[p].view(np.uint8).reshape(p.size, size)


def _eights(rows: np.ndarray) -> np.ndarray:
    """Each row of one-digit values (0-9) read as a decimal number; `rows` is overwritten. Each 8 bytes
    are one 64-bit word whose eight digits three multiply-and-shift steps combine (the SWAR parse)."""
    v = rows.view(_U64).ravel()
    t = v >> _U64(8)
    v *= _U64(10)
    v += t  # each byte pair: 0-99
    np.right_shift(v, _U64(16), out=t)
    t &= _U64(0xFF000000FF)
    t *= _U64(1 + (10000 << 32))
    v &= _U64(0xFF000000FF)
    v *= _U64(100 + (1000000 << 32))
    v += t
    v >>= _U64(32)  # each word: 0-99999999
    words = v.view(np.int64).reshape(rows.shape[0], rows.shape[1] // 8)
    out = words[:, 0].copy()
    for k in range(1, words.shape[1]):
        out *= 10**8
        out += words[:, k]
    return out


def _counts(mask: np.ndarray) -> np.ndarray:
    """True bytes per row of a boolean matrix whose rows are 8-byte words."""
    words = mask.view(_U64)
    total = words[:, 0].copy()
    for k in range(1, words.shape[1]):
        total += words[:, k]
    total *= _U64(0x0101010101010101)  # the byte sum lands in the top byte
    total >>= _U64(56)
    return total.view(np.int64)


def _numbers(tags: _Tags, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """float() of each [start, end) span; None if one is not a number.

    Spans of up to 18 bytes of an optional '-', digits and at most one '.' (amounts, shared-string
    indices, cached results: nearly all) are read with arrays: their digits make an integer M, and
    for M ≤ 2^53 and k digits after the point, M / 10^k is exactly float()'s correctly rounded value.
    The others with float(). Large temporaries are updated in place: fresh ones cost page faults.
    """
    lengths = ends - starts
    fits = (lengths <= 18) & (ends >= _WIDE)
    chars = _records(tags.a, np.where(fits, ends - _WIDE, 0), _WIDE)  # a span's last byte in the last column
    chars.view(_U64)[...] &= _SPAN_WORDS.take(np.where(fits, lengths, 0), axis=0)  # bytes before it: 0
    point = chars == ord(".")
    points = _counts(point)
    decimals = np.flatnonzero(points == 1)
    scale = _eights(point[decimals].view(np.uint8))  # 10^k for k digits after the point
    del point
    chars -= np.uint8(48)
    digit = chars < 10
    digits = _counts(digit)
    chars *= digit
    del digit
    whole = _eights(chars)  # the point counts as a 0 digit: dropped below
    minus = tags.a[starts] == ord("-")
    plain = fits & (digits >= 1) & (points <= 1) & (digits + points + minus == lengths)
    out = whole.astype(float)
    fraction = whole[decimals] % scale
    mantissa = (whole[decimals] - fraction) // 10 + fraction
    plain[decimals] &= mantissa <= 2**53
    out[decimals] = mantissa / scale
    out = np.where(minus, -out, out)
    rest = np.flatnonzero(~plain)
    if rest.size:
        try:
            out[rest] = [float(w.decode("ascii", "replace")) for w in _slices(tags.data, starts[rest], ends[rest])]
        except ValueError:
            return None
    return out


_READ_TYPES = np.isin(np.arange(256), [ord(t) for t in "nsbe"])  # t="…" by first letter: the path reads these


def _fast_sheet(sheet: Sheet, data: bytes, shared: SharedStrings) -> bool:
    """Vectorised parse of an un-prefixed sheet; False when the slow path must do it."""
    start = data.find(b"<sheetData")
    if start < 0:
        return b"sheetData" not in data  # no cells at all, or a prefixed document
    end = data.rfind(b"</sheetData>")
    return _scan(data, start, max(end if end > 0 else len(data), start), shared, [(sheet, start)])


def _joint(sheets: list[Sheet], shared: SharedStrings) -> list[Sheet]:
    """Parse the sheets' cell regions, laid end to end, in one `_scan`; the sheets it parsed.

    numpy's fixed cost per call makes a sheet cost ≈ 0.5 ms however small it is; a workbook's
    sheets scanned together pay it once."""
    regions, at, size = [], [], 0
    for sheet in sheets:
        data = sheet.data or b""
        start, end = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
        if 0 <= start < end:
            regions.append(data[start:end])
            at.append((sheet, size))
            size += end - start
    if len(regions) < 2:
        return []
    regions.append(b"<" + b"\0" * 63)  # the '<' that ends the last region, and room to read past it
    return [sheet for sheet, _ in at] if _scan(b"".join(regions), 0, size, shared, at) else []


def _scan(data: bytes, start: int, stop: int, shared: SharedStrings, sheets: list[tuple[Sheet, int]]) -> bool:
    """Parse the cells of data[start:stop], which holds the sheetData regions of `sheets`, each given
    with where its region starts; False (nothing set) when a region is written in a way this does not read."""
    tags = _Tags(data, start, stop)
    if any(tags.named(p).any() for p in (b"<is", b"<c>", b"<c/")):
        return False
    is_cell = tags.named(b"<c ")
    cs = tags.lt[np.flatnonzero(is_cell)]
    n = cs.size
    if n == 0:
        for sheet, _ in sheets:
            sheet.signature = b""
        return True
    starts = np.array([at for _, at in sheets])
    bounds = np.searchsorted(cs, np.append(starts, stop))  # each sheet's first cell, and n
    # r="A1" is the first attribute: Excel, LibreOffice, XlsxWriter and openpyxl all write it so.
    refs = _cell_refs(tags.a, cs)
    if refs is None:
        return False
    rows, cols, after_ref = refs
    keys = rows * 16384 + cols
    rising = keys[1:] > keys[:-1]
    if len(sheets) > 1:  # a sheet's first cell follows another sheet's last
        rising |= np.diff(np.repeat(np.arange(len(sheets)), np.diff(bounds))) != 0
    if not np.all(rising):
        return False
    self_closing, style, tcode, is_str = _usual_attributes(tags.a, after_ref) or _scanned_attributes(tags, cs)
    if not np.all(_READ_TYPES[tcode]):
        return False  # inlineStr, d (ISO dates)
    cells = _Cells.of(tags, is_cell, cs, self_closing)
    # Values <v>…</v>; a cell without one is blank (a formula without a cached value, too).
    values = _values(tags, cells) if cells is not None else None
    if values is None:
        return False
    vstart, vend = values
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
    if texty.size:  # formula results cached as text
        txt[texty] = [text_of(w) for w in _slices(tags.data, vstart[texty], vend[texty])]
        kind[texty] = np.where(tcode[texty] == ord("e"), ERR, STR)
    formulas = _formulas(tags, cells)
    if formulas is None:
        return False
    fowner, elements = formulas
    fowner, rows, cols = fowner.astype(np.int64), rows.astype(np.int32), cols.astype(np.int32)
    cuts, fcuts = bounds.tolist(), np.searchsorted(fowner, bounds).tolist()  # sheet j: cells cuts[j]:cuts[j + 1]
    for j, (sheet, _) in enumerate(sheets):
        a, b, fa, fb = cuts[j], cuts[j + 1], fcuts[j], fcuts[j + 1]
        sheet.rows, sheet.cols = rows[a:b], cols[a:b]
        sheet.kind, sheet.num, sheet.txt, sheet.style = kind[a:b], num[a:b], txt[a:b], style[a:b]
        sheet.formula_cells = fowner[fa:fb] - a
        sheet.signature = keys[fowner[fa:fb]].tobytes() + b"".join(elements[fa:fb]) if fb > fa else b""
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
    rows, cols, styles = [0] * n, [0] * n, [0] * n  # lists: a numpy item assignment costs more than the parse
    kinds, nums, texts = [BLANK] * n, [0.0] * n, [None] * n
    known = len(shared)
    formulas, elements = [], []
    for i, (letters, digits, s1, t, s2, f, v) in enumerate(found):
        col = _COLUMNS.get(letters)
        if col is None:
            col = _COLUMNS[letters] = col_index(letters.decode())
        rows[i], cols[i] = int(digits) - 1, col
        if s1 or s2:
            styles[i] = int(s1 or s2)
        if f:
            formulas.append(i)
            elements.append(f)
        if not v:
            continue
        v = v[3:-4]
        if t in (b"str", b"e"):
            kinds[i], texts[i] = (ERR if t == b"e" else STR), text_of(v)
        elif not v:
            continue
        elif t == b"s":
            k = int(v)
            if not 0 <= k < known:  # the general path says what an index outside the table is
                return False
            kinds[i], texts[i] = STR, shared.texts[k]
        elif t == b"b":
            kinds[i], nums[i] = BOOL, float(v == b"1")
        elif t in (b"", b"n"):
            try:
                kinds[i], nums[i] = NUM, float(v)
            except ValueError:
                return False
        else:
            return False
    txt = np.empty(n, object)
    txt[:] = texts
    rows, cols = np.array(rows, np.int32), np.array(cols, np.int32)
    keys = rows.astype(np.int64) * 16384 + cols
    if n > 1 and not np.all(keys[1:] > keys[:-1]):
        return False
    sheet.rows, sheet.cols, sheet.txt, sheet.style = rows, cols, txt, np.array(styles, np.int32)
    sheet.kind, sheet.num = np.array(kinds, np.int8), np.array(nums, float)
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
                k = int(text)  # outside the table: no text it could show, so an error the checks report
                kind, txt = (STR, shared.texts[k]) if 0 <= k < len(shared) else (ERR, "#REF!")
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
