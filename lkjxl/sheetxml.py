"""Sheet rows written as XML directly, spliced into a package XlsxWriter made.

XlsxWriter costs ≈12 µs per cell and ≈100 µs per formula (it scans each formula for
future functions); a national consolidated workbook holds ≈3.5 M cells. So XlsxWriter
still writes every part of the workbook — styles, names, charts, conditional formats,
each sheet's title and header rows — and the rows below are generated here (≈0.35 µs
per cell) and spliced into each sheet part before `</sheetData>` while the package is
copied into place. Cells look as XlsxWriter writes them in constant-memory mode:
text as inline strings (always text, never a formula, whatever it starts with),
control characters as `_xHHHH_`, formulas with their cached value. Numbers are
written with `repr`, which round-trips every float and keeps every int exact.

The copy (`zipout`) keeps XlsxWriter's member order and timestamps, so equal inputs
give equal bytes, and goes to a temporary file renamed into place, so a failed write
never leaves a partial workbook under the real name.
"""

from __future__ import annotations

import io
import itertools
import math
import multiprocessing
import os
import queue
import re
import struct
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from . import outfile, zipout
from .xlexpr import col_letter

STRMAX = 32767  # Excel's longest cell text, in UTF-16 units; XlsxWriter truncates to it
ERRORS = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
ROWS_PER_CHUNK = 2000

_ESCAPE = re.compile(r"_x[0-9a-fA-F]{4}_")  # text that reads like an escape is escaped itself
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")  # not allowed (or not kept) in XML text


def style_index(fmt) -> int:
    """The xf index of an XlsxWriter format, registered so that styles.xml holds it.

    XlsxWriter numbers a format when a cell of its own first uses it; cells written
    here use formats it never sees.
    """
    return fmt._get_xf_index()


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline(text: str) -> str:
    """`<is>` of an inline-string cell: truncated, control characters escaped, whitespace kept."""
    if len(text) > STRMAX // 2 and len(text.encode("utf-16-le")) > 2 * STRMAX:
        text = text.encode("utf-16-le")[: 2 * STRMAX].decode("utf-16-le", "ignore")
    if "_x" in text:
        text = _ESCAPE.sub(r"_x005F\g<0>", text)
    text = escape(_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<is><t{space}>{text}</t></is>"


def number(x: int | float) -> str:
    """A number as `<v>` text: exact for int, round-trip for float; NaN and infinity do not exist in a cell."""
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"{x!r} tidak dapat ditulis sebagai angka Excel")
        return repr(float(x))  # float(): a subclass's repr (numpy's 'np.float64(1.5)') is not a number
    return repr(int(x))


def _s(style: int) -> str:
    return f' s="{style}"' if style else ""


def tail(value, style: int = 0) -> str:
    """A cell after its reference (`<c r="A1` + this): None or '' a blank, written only when styled."""
    s = _s(style)
    if value is None or value == "":
        return f'"{s}/>' if style else ""
    if isinstance(value, bool):
        return f'"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'"{s}><v>{number(value)}</v></c>'
    if isinstance(value, str):
        return f'"{s} t="inlineStr">{inline(value)}</c>'
    raise TypeError(f"nilai sel {value!r} ({type(value).__name__}) tidak didukung")


def value_cell(ref: str, value, style: int = 0) -> str:
    """One cell: a number, text (never a formula), a boolean, or a blank ('' when unstyled)."""
    end = tail(value, style)
    return f'<c r="{ref}{end}' if end else ""


def formula_cell(ref: str, formula: str, cached, style: int = 0) -> str:
    """A formula with its cached value, typed as XlsxWriter types it (None: an empty cache)."""
    kind = ""
    if cached is None or cached == "":
        cached = ""
    elif isinstance(cached, bool):
        kind, cached = ' t="b"', int(cached)
    elif isinstance(cached, str):
        kind, cached = (' t="e"' if cached in ERRORS else ' t="str"'), escape(cached)
    else:
        cached = number(cached)
    return f'<c r="{ref}"{_s(style)}{kind}><f>{escape(formula.removeprefix("="))}</f><v>{cached}</v></c>'


class Body:
    """The rows of one sheet below what XlsxWriter wrote: cells set in any order, written in order."""

    def __init__(self):
        self.cells: dict[int, dict[int, str]] = {}

    def value(self, row: int, col: int, value, style: int = 0) -> None:
        xml = value_cell(col_letter(col) + str(row + 1), value, style)
        if xml:
            self.cells.setdefault(row, {})[col] = xml

    def formula(self, row: int, col: int, formula: str, cached, style: int = 0) -> None:
        self.cells.setdefault(row, {})[col] = formula_cell(col_letter(col) + str(row + 1), formula, cached, style)

    @property
    def last(self) -> tuple[int, int]:
        """(row, col) of the bottom-right cell, 0-based; (-1, -1) when empty."""
        return max(self.cells, default=-1), max((max(c) for c in self.cells.values() if c), default=-1)

    def rows(self) -> Iterator[str]:
        for row in sorted(self.cells):
            cells = self.cells[row]
            yield f'<row r="{row + 1}">' + "".join(cells[c] for c in sorted(cells)) + "</row>"


class Table:
    """A large table of records streamed as rows, one style per column.

    `convert` maps values other than str, int, float and None (dates, booleans) to one
    of those. Text is escaped once per distinct value and column. Blanks are left out,
    or, with `blanks`, written as styled empty cells (a bordered grid keeps its lines).
    """

    def __init__(
        self,
        first_row: int,
        records: Sequence[dict],
        keys: Sequence[str],
        styles: Sequence[int],
        convert: Callable,
        *,
        blanks: bool = False,
    ):
        self.first_row, self.records, self.keys, self.convert = first_row, records, list(keys), convert
        self.styles, self.blanks = list(styles), blanks

    @property
    def last(self) -> tuple[int, int]:
        return (self.first_row + len(self.records) - 1, len(self.keys) - 1) if self.records else (-1, -1)

    def rows(self) -> Iterator[str]:
        columns = [
            (key, f'<c r="{col_letter(c)}', style, _s(style), tail(None, style) if self.blanks else "", {})
            for c, (key, style) in enumerate(zip(self.keys, self.styles, strict=True))
        ]
        for n, record in enumerate(self.records, start=self.first_row + 1):
            r = str(n)
            out = [f'<row r="{r}">']
            append, get = out.append, record.get
            for key, start, style, s, blank, tails in columns:  # the innermost loop: ≈3.5 M cells in a national write
                v = get(key)
                t = type(v)
                if t is int:
                    append(f'{start}{r}"{s}><v>{v}</v></c>')
                elif t is float:
                    append(f'{start}{r}"{s}><v>{number(v)}</v></c>')
                elif v is not None and v != "":
                    known = v if t is str else (t, v)  # True == 1 == Decimal(1): other types keyed with their type
                    end = tails.get(known)  # each text (or other value) becomes XML once per column
                    if end is None:
                        end = tails[known] = self._tail(v if t is str else self._converted(v), style)
                    if end:
                        append(start + r + end)
                elif blank:
                    append(start + r + blank)
            append("</row>")
            yield "".join(out)

    def _converted(self, value):
        value = self.convert(value)
        if value is not None and type(value) not in (str, int, float):
            raise TypeError(f"nilai sel {value!r} ({type(value).__name__}) tidak didukung")
        return value

    @staticmethod
    def _tail(value, style: int) -> str:
        return "" if value is None or value == "" else tail(value, style)


_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"/>')


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def dimension(part_head: str, last: tuple[int, int]) -> str:
    """The `<dimension>` of a sheet part widened to cover the body's last (row, col)."""
    m = _DIMENSION.search(part_head)
    if m is None or last[0] < 0:
        return part_head
    left, top, right, bottom = m.group(1), m.group(2), m.group(3) or m.group(1), m.group(4) or m.group(2)
    row, col = max(last[0] + 1, int(bottom)), max(last[1], _col_index(right))
    return f'{part_head[: m.start()]}<dimension ref="{left}{top}:{col_letter(col)}{row}"/>{part_head[m.end() :]}'


def chunks(body: Body | Table) -> Iterator[bytes]:
    """A body's rows as UTF-8, ROWS_PER_CHUNK rows at a time."""
    rows = body.rows()
    while batch := list(itertools.islice(rows, ROWS_PER_CHUNK)):
        yield "".join(batch).encode("utf-8")


class Behind:
    """A Table's rows rendered and compressed by a forked process into a temporary file while
    this one writes the rest of the workbook: the national Data Anggaran is ≈160 MB of XML,
    ≈2.5 s of one core. The child's deflate segment is the one `save` would make here from
    `chunks(table)`; on systems other than Linux, or when the child fails, the rows are
    rendered here when asked for."""

    def __init__(self, table: Table):
        self.table, self.last = table, table.last
        self.process, self.file = None, None
        if sys.platform.startswith("linux"):  # fork is safe there; macOS and Windows render in place
            fd, self.file = tempfile.mkstemp(prefix="lkjxl-", suffix=".deflate")
            os.close(fd)
            self.process = multiprocessing.get_context("fork").Process(
                target=_render, args=(table, self.file), name="lkjxl-rows", daemon=True
            )
            self.process.start()

    def write_rows(self, member: zipout.Member) -> None:
        if self.process is not None:
            self.process.join()
            if self.process.exitcode == 0:
                with open(self.file, "rb") as rendered:
                    length = os.fstat(rendered.fileno()).st_size - _TRAILER.size
                    rendered.seek(length)
                    crc, size = _TRAILER.unpack(rendered.read(_TRAILER.size))
                    rendered.seek(0)
                    member.append(rendered, length, crc, size)
                return
        _write_behind(member, chunks(self.table))

    def close(self) -> None:
        """Stop the child if it still runs and remove its file (after use, or when a write failed)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()
        if self.file is not None:
            Path(self.file).unlink(missing_ok=True)


_TRAILER = struct.Struct("<QQ")  # after the child's segment: its CRC-32 and uncompressed size


def _render(table: Table, file: str) -> None:
    try:
        with open(file, "wb") as out:
            segment = zipout.Segment(out.write)
            _write_behind(segment, chunks(table))  # compressed in a thread as the rows come
            segment.close()
            out.write(_TRAILER.pack(segment.crc, segment.size))
    except Exception:  # noqa: BLE001 - the parent renders the rows again and reports what failed
        sys.exit(1)


def _ends(part: bytes, body: Body | Table | Behind) -> tuple[bytes, bytes]:
    """The sheet part before and after where the body's rows go (before `</sheetData>`), its
    `<dimension>` widened to cover them."""
    part = part.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    end = part.rindex(b"</sheetData>")
    return dimension(part[:end].decode("utf-8"), body.last).encode("utf-8"), part[end:]


def _write_behind(dest, chunks: Iterable[bytes]) -> None:
    """Compress and write in a second thread while the next rows are generated (zlib-ng releases the GIL)."""
    pending: queue.Queue = queue.Queue(maxsize=4)
    failed: list[BaseException] = []

    def drain() -> None:
        while (chunk := pending.get()) is not None:
            if not failed:
                try:
                    dest.write(chunk)
                except BaseException as exc:  # reported in the caller's thread  # noqa: BLE001
                    failed.append(exc)

    worker = threading.Thread(target=drain, name="lkjxl-zip")
    worker.start()
    try:
        for chunk in chunks:
            if failed:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        worker.join()
    if failed:
        raise failed[0]


def save(package: bytes, path: Path, bodies: dict[str, Body | Table | Behind]) -> None:
    """Copy an XlsxWriter package to `path` with the body rows of each named sheet part spliced in."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as source, outfile.replacing(Path(path)) as raw:
            out = zipout.Writer(raw)
            for info in source.infolist():
                out.member(
                    info.filename,
                    info.date_time,
                    info.external_attr,
                    _filler(source.read(info), bodies.get(info.filename)),
                )
            out.close()
    finally:
        for body in bodies.values():
            if isinstance(body, Behind):
                body.close()


def _filler(part: bytes, body: Body | Table | Behind | None):
    """What writes a member: the part as it is, or its head, the body's rows and its tail,
    each a segment of its own (so rows compressed by a Behind child fit between them)."""

    def fill(member: zipout.Member) -> None:
        if body is None:
            member.write(part)
            return
        head, tail = _ends(part, body)
        member.write(head)
        member.segment()
        if isinstance(body, Behind):
            body.write_rows(member)
        else:
            _write_behind(member, chunks(body))
        member.segment()
        member.write(tail)

    return fill
