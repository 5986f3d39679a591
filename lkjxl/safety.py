"""Refuse hostile input workbooks before they cost anything (docs/security.md).

`inspect` looks at a file the way customs looks at a parcel: the size on the label, the
magic bytes, the zip's table of contents, then the XML as a byte stream with a hard cap —
never parsing, expanding or following anything on the way. A refusal carries a stable
code and tells the operator, in Indonesian, what to do. Readers call `inspect` before a
file reaches openpyxl, and map `Refusal` to exit code 2.

Output side: `is_formula_like` and `safe_text` keep operator text from ever becoming a
formula in a CSV export; workbooks lkjxl writes store text with `write_string` only.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from xml.parsers import expat

from zlib_ng import zlib_ng  # the same deflate, inflated in less than half zlib's time

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Ceilings checked before anything is decompressed or parsed (docs/security.md).

    Override with `Limits(max_members=5000)` or `Limits.parse("max_file_bytes=80MB")`.
    """

    max_file_bytes: int = 50 * MB  # the .xlsx file itself, from stat
    max_uncompressed_bytes: int = 200 * MB  # sum of all parts' declared sizes
    max_members: int = 2000  # parts in the zip
    max_ratio: int = 200  # uncompressed / compressed, per part ...
    ratio_min_bytes: int = 1 * MB  # ... for parts at least this big: small XML compresses well
    max_xml_member_bytes: int = 100 * MB  # any one part (every part but images is scanned as XML)
    max_rows: int = 100_000  # a sheet's declared <dimension> beyond these is a warning
    max_cols: int = 1_000

    @classmethod
    def parse(cls, text: str) -> Limits:
        """Limits from `name=value,...` (values take k/M/G suffixes), e.g. for a command-line option."""
        known = {f.name for f in fields(cls)}
        values: dict[str, int] = {}
        for item in filter(None, (s.strip() for s in text.split(","))):
            name, _, raw = item.partition("=")
            name = name.strip()
            if name not in known:
                raise ValueError(f"batas '{name}' tidak dikenal; pilih: {', '.join(sorted(known))}")
            match = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)[bB]?\s*", raw)
            if not match:
                raise ValueError(f"nilai batas '{item}' tidak sah; contoh: max_file_bytes=80MB")
            values[name] = int(match[1]) << {"": 0, "k": 10, "m": 20, "g": 30}[match[2].lower()]
        return cls(**values)


class Refusal(Exception):
    """An input lkjxl will not open: a stable `code`, an Indonesian `message` saying what to do, the `path`."""

    def __init__(self, code: str, message: str, path: Path):
        super().__init__(code, message, path)
        self.code = code
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.code}]"


# What the operator should do, per refusal code; a specific sentence about the file goes first.
ACTIONS = {
    "UNREADABLE": "Periksa nama dan lokasi berkas.",
    "NOT_XLSX": "Buka berkas di Excel, lalu Simpan Sebagai → Buku Kerja Excel (*.xlsx), dan kirim ulang.",
    "TRUNCATED_ZIP": "Berkas rusak atau terpotong (mungkin unduhan atau lampiran surel belum lengkap). "
    "Minta pengirim mengirim ulang berkas aslinya.",
    "ZIP_BOMB": "Berkas tidak dibuka karena berbahaya (bom zip); jangan dibuka di komputer lain. "
    "Minta pengirim mengisi ulang templat resmi dan mengirimkannya lagi.",
    "TOO_MANY_MEMBERS": "Berkas tidak dibuka karena berisi terlalu banyak bagian untuk sebuah buku kerja. "
    "Minta pengirim mengisi ulang templat resmi dan mengirimkannya lagi.",
    "TOO_LARGE": "Hapus gambar atau lembar tambahan lalu simpan ulang; bila ukurannya memang wajar, "
    "naikkan batas (docs/security.md).",
    "MACRO_ENABLED": "Buka di Excel dan Simpan Sebagai → Buku Kerja Excel (*.xlsx) — tanpa makro — lalu kirim ulang.",
    "ENCRYPTED": "Buka di Excel dengan kata sandinya, hapus kata sandi (File → Info → Lindungi Buku Kerja → "
    "Enkripsi dengan Kata Sandi → kosongkan), simpan, lalu kirim ulang.",
    "LEGACY_XLS": "Buka di Excel dan simpan sebagai .xlsx (Buku Kerja Excel).",
    "UNSAFE_XML": "Berkas tidak dibuka. Minta pengirim mengisi ulang templat resmi dan mengirimkannya lagi.",
    "NOT_A_WORKBOOK": "Buka berkas di Excel, lalu Simpan Sebagai → Buku Kerja Excel (*.xlsx), dan kirim ulang.",
}
CODES = tuple(ACTIONS)


@dataclass(frozen=True)
class Member:
    """One part of the zip as its central directory declares it (declared sizes can lie; the scan checks)."""

    name: str
    size: int
    compressed: int


@dataclass(frozen=True)
class Notice:
    """A non-fatal finding of the inspection: the file is opened, but the reader should know."""

    code: str  # BOGUS_DIMENSION, EXTERNAL_LINK, EMBEDDED_OBJECT
    message: str
    part: str = ""


@dataclass
class Inspection:
    """What `inspect` learnt about a file it accepts."""

    path: Path
    members: list[Member]
    uncompressed_bytes: int
    compressed_bytes: int
    workbook_part: str
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → part
    dimensions: dict[str, str] = field(default_factory=dict)  # sheet name (or part) → declared ref, untrusted
    external_links: list[str] = field(default_factory=list)  # reported, never followed
    warnings: list[Notice] = field(default_factory=list)
    # Each part as inflated and verified here (size, CRC), so a reader need not inflate it again.
    parts: dict[str, tuple[int, bytes]] = field(default_factory=dict, repr=False)  # name → (CRC, bytes)
    # The bytes inspected and their zip directory: a reader reads these, not the file again.
    archive: tuple[bytes, list[zipfile.ZipInfo]] | None = field(default=None, repr=False)


def inspect(path: Path, limits: Limits = Limits()) -> Inspection:  # noqa: B008 - Limits is frozen
    """Check that `path` is an .xlsx workbook that is safe to hand to a reader, or raise `Refusal`.

    Cost is bounded by `limits`, not by what the file claims: nothing is decompressed until
    the central directory passes, and every part is read as a capped stream. The file is
    opened once, read-only.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise _refusal("UNREADABLE", path, f"Berkas tidak dapat dibaca ({exc.strerror}).") from None
    if not stat.S_ISREG(st.st_mode):
        raise _refusal("UNREADABLE", path, "Ini bukan berkas biasa (folder, perangkat atau pipa).")
    if st.st_size > limits.max_file_bytes:
        raise _refusal("TOO_LARGE", path, f"Berkas {_size(st.st_size)}, melebihi batas {_size(limits.max_file_bytes)}.")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise _refusal("UNREADABLE", path, f"Berkas tidak dapat dibaca ({exc.strerror}).") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(2048)
        if head.startswith(_OLE_MAGIC):
            fh.seek(0)
            raise _ole_refusal(_ole_streams(fh), path)
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise _refusal("NOT_XLSX", path, _sniff(head))
        _check_central_directory(fh, size, limits, path)
        fh.seek(0)
        raw = fh.read()  # at most max_file_bytes; parts are inflated from these bytes
        try:
            archive = zipfile.ZipFile(io.BytesIO(raw))
        except _ZIP_ERRORS:
            raise _refusal("TRUNCATED_ZIP", path, "Daftar isi zip tidak dapat dibaca.") from None
        with archive:
            infos = archive.infolist()
            _check_directory(infos, len(raw), limits, path)
            return _Scan(raw, infos, limits, path).run()


# -- formula injection ---------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (or a DDE command) in a CSV or a paste.

    Leading spaces do not disarm it: some importers strip them.
    """
    return text.lstrip(" \u00a0")[:1] in FORMULA_TRIGGERS if text else False


def safe_text(value: str) -> str:
    """A text value for a CSV cell that no spreadsheet will evaluate: formula-like text gets a leading `'`.

    Only for free-text columns (names, notes, hambatan); numbers go out as numbers. Workbooks
    need no prefix: lkjxl stores text with XlsxWriter's `write_string`, never `write`.
    """
    return "'" + value if is_formula_like(value) else value


# -- the steps of inspect --------------------------------------------------------------

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error)
_CD_BYTES_PER_MEMBER = 512  # a central-directory record: 46 bytes, the name and a few extra fields
_CHUNK = 256 * 1024
_PART_CHUNK = 4 << 20  # inflated at a time: a satker workbook's parts (< 1 MB) in one call, never joined
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".ico")


def _refusal(code: str, path: Path, detail: str) -> Refusal:
    return Refusal(code, f"{detail} {ACTIONS[code]}".strip(), path)


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bita"


def _sniff(head: bytes) -> str:
    """A sentence saying what a non-zip file seems to be, since it usually is something ordinary."""
    if not head:
        return "Berkas kosong (0 bita)."
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"%pdf"):
        return "Berkas ini PDF, bukan Excel."
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "Berkas ini XML Spreadsheet 2003, bukan .xlsx."
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in text:
        return (
            "Berkas ini halaman web (HTML) yang diberi nama Excel — biasanya hasil 'ekspor ke Excel' dari aplikasi web."
        )
    if b"\0" not in head:
        return "Berkas ini teks biasa (misalnya CSV) yang diberi nama Excel."
    return "Isi berkas tidak dikenali sebagai buku kerja Excel."


_OLE_STREAMS = ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument", "PowerPoint Document")
_OLE_NEEDLES = {name: (name + "\0").encode("utf-16-le").lower() for name in _OLE_STREAMS}


def _ole_streams(fh) -> set[str]:
    """Names of interest among an OLE2 compound file's directory entries.

    Directory entries are 128-byte records on 128-byte boundaries (sector sizes are
    multiples of 128): a UTF-16LE name, its byte length at +64 and the entry type at +66.
    Matching aligned records avoids walking sector chains a hostile file could loop.
    """
    found: set[str] = set()
    offset = 0
    while chunk := fh.read(_CHUNK):  # a multiple of 128, so records never straddle chunks
        low = chunk.lower()  # names compare case-insensitively; lowering ASCII keeps UTF-16LE aligned
        for name, needle in _OLE_NEEDLES.items():
            i = low.find(needle)
            while i >= 0:
                if (offset + i) % 128 == 0 and offset + i >= 512:
                    length, kind = struct.unpack_from("<HB", chunk, i + 64) if i + 67 <= len(chunk) else (0, 0)
                    if length == len(needle) and kind in (1, 2):
                        found.add(name)
                i = low.find(needle, i + 1)
        offset += len(chunk)
    return found


def _ole_refusal(streams: set[str], path: Path) -> Refusal:
    if streams & {"EncryptionInfo", "EncryptedPackage"}:
        return _refusal("ENCRYPTED", path, "Berkas dilindungi kata sandi (terenkripsi) sehingga isinya tidak terbaca.")
    if streams & {"WordDocument", "PowerPoint Document"}:
        return _refusal("NOT_XLSX", path, "Berkas ini dokumen Word atau PowerPoint format lama, bukan Excel.")
    if streams & {"Workbook", "Book"}:
        return _refusal("LEGACY_XLS", path, "Berkas .xls (format lama).")
    return _refusal("NOT_XLSX", path, "Berkas ini dokumen Office format lama yang bukan buku kerja Excel.")


def _check_central_directory(fh, size: int, limits: Limits, path: Path) -> None:
    """Count the central directory's records before zipfile builds an object for each.

    zipfile reads records until the directory's declared byte size is used up, whatever
    the end record's count says, so the records themselves are counted here.
    """
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise _refusal("TRUNCATED_ZIP", path, "Akhir arsip zip tidak ditemukan.")
    entries, cd_size = struct.unpack_from("<HL", tail, pos + 10)
    cd_end = size - tail_len + pos
    if pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07":  # zip64: the counts live in the zip64 end record
        cd_end -= 20 + 56
        fh.seek(max(cd_end, 0))
        record = fh.read(56)
        if len(record) == 56 and record.startswith(b"PK\x06\x06"):
            entries, cd_size = struct.unpack_from("<QQ", record, 32)
    too_many = f"Zip berisi lebih dari {limits.max_members} bagian."
    if entries > limits.max_members or cd_size > limits.max_members * _CD_BYTES_PER_MEMBER:
        raise _refusal("TOO_MANY_MEMBERS", path, too_many)
    if not 0 <= cd_size <= cd_end:
        raise _refusal("TRUNCATED_ZIP", path, "Daftar isi zip lebih besar dari berkasnya.")
    fh.seek(cd_end - cd_size)
    directory = fh.read(cd_size)
    count = at = 0
    while at + 46 <= len(directory):
        if directory[at : at + 4] != b"PK\x01\x02":
            raise _refusal("TRUNCATED_ZIP", path, "Daftar isi zip rusak.")
        at += 46 + sum(struct.unpack_from("<3H", directory, at + 28))
        count += 1
        if count > limits.max_members:
            raise _refusal("TOO_MANY_MEMBERS", path, too_many)


def _check_directory(infos: list[zipfile.ZipInfo], size: int, limits: Limits, path: Path) -> None:
    """Every check the central directory allows, before a byte is decompressed."""
    if len(infos) > limits.max_members:
        raise _refusal("TOO_MANY_MEMBERS", path, f"Zip berisi {len(infos)} bagian (batas {limits.max_members}).")
    names = [i.filename.lower() for i in infos]
    if len(set(names)) != len(names):
        raise _refusal("TRUNCATED_ZIP", path, "Zip berisi bagian dengan nama ganda.")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refusal("ENCRYPTED", path, "Arsip zip dilindungi kata sandi.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refusal(
                "TRUNCATED_ZIP", path, f"Bagian '{info.filename}' memakai kompresi yang tidak dipakai Excel."
            )
    end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:  # parts sharing bytes: the "overlapping" zip bomb
            raise _refusal("ZIP_BOMB", path, "Bagian-bagian zip saling tumpang-tindih.")
        end = info.header_offset + 30 + info.compress_size  # a lower bound: name and extra field follow
        if end > size:
            raise _refusal("TRUNCATED_ZIP", path, f"Bagian '{info.filename}' melewati akhir berkas.")
    for info in infos:
        if info.file_size >= limits.ratio_min_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _refusal(
                "ZIP_BOMB",
                path,
                f"Bagian '{info.filename}' mengembang dari {_size(info.compress_size)} menjadi {_size(info.file_size)}.",
            )
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        compressed = sum(i.compress_size for i in infos)
        code = "ZIP_BOMB" if total > limits.max_ratio * max(compressed, 1) else "TOO_LARGE"
        raise _refusal(
            code,
            path,
            f"Isi berkas {_size(total)} setelah dibuka, melebihi batas {_size(limits.max_uncompressed_bytes)}.",
        )
    for info in infos:
        if info.file_size > limits.max_xml_member_bytes:
            raise _refusal(
                "TOO_LARGE",
                path,
                f"Bagian '{info.filename}' {_size(info.file_size)}, melebihi batas {_size(limits.max_xml_member_bytes)}.",
            )
    if any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in names):
        raise _refusal("MACRO_ENABLED", path, "Berkas berisi makro (VBA atau lembar makro).")
    if "[content_types].xml" not in names:
        raise _refusal("NOT_A_WORKBOOK", path, _zip_kind(set(names)))
    if "xl/workbook.bin" in names:
        raise _refusal("NOT_A_WORKBOOK", path, "Berkas ini buku kerja biner (.xlsb), bukan .xlsx.")


def _zip_kind(names: set[str]) -> str:
    if "mimetype" in names and "content.xml" in names:
        return "Berkas ini OpenDocument (.ods/.odt, misalnya dari LibreOffice), bukan .xlsx."
    if any(n.startswith(("word/", "ppt/")) for n in names):
        return "Berkas ini dokumen Word atau PowerPoint, bukan Excel."
    return "Berkas ini arsip zip biasa, bukan buku kerja Excel."


_NEEDLES = tuple(word.encode(enc) for word in ("<!doctype", "<!entity") for enc in ("ascii", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(n) for n in _NEEDLES) - 1
_XML_DECL = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_XML_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be"}
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"']([^\"']{0,40})[\"']")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
# Elements whose attributes say where things are; everything else streams past unrecorded.
_WANTED = {"Default", "Override", "Relationship", "sheet", "ddeLink", "oleLink", "connection", "webPr", "textPr"}
_Events = list[tuple[str, dict[str, str]]]
_PARSED: dict[tuple[bytes, int], _Events] = {}  # (part's bytes, cap) → its events, for a part parsed without refusal


class _Scan:
    """Stream every part once with a hard cap; structural parts also go through a handler-only parser."""

    def __init__(self, raw: bytes, infos: list[zipfile.ZipInfo], limits: Limits, path: Path):
        self.raw, self.infos, self.limits, self.path = raw, infos, limits, path
        self.names = {i.filename.lower(): i.filename for i in infos}
        self.events: dict[str, _Events] = {}  # lower-cased part name → (element, attributes) of interest
        self.declared_dims: dict[str, str] = {}
        self.parts: dict[str, tuple[int, bytes]] = {}

    def run(self) -> Inspection:
        first = next(i for i in self.infos if i.filename.lower() == "[content_types].xml")
        self._stream(first, parse=True)
        workbook = self._workbook_part()
        workbook_rels = _rels_name(workbook)
        for info in self.infos:
            name = info.filename.lower()
            if info is first or info.is_dir() or name.endswith(_IMAGE_SUFFIXES):
                continue  # images are never parsed by a reader
            parse = name in (workbook, workbook_rels, "xl/connections.xml") or name.startswith("xl/externallinks/")
            self._stream(info, parse)
        sheets = self._sheets(workbook)
        inspection = Inspection(
            path=self.path,
            members=[Member(i.filename, i.file_size, i.compress_size) for i in self.infos],
            uncompressed_bytes=sum(i.file_size for i in self.infos),
            compressed_bytes=sum(i.compress_size for i in self.infos),
            workbook_part=self.names[workbook],
            sheets=sheets,
            parts=self.parts,
            archive=(self.raw, self.infos),
        )
        self._dimensions(inspection)
        self._external(inspection)
        embedded = [i.filename for i in self.infos if i.filename.lower().startswith(("xl/embeddings/", "xl/activex/"))]
        if embedded:
            inspection.warnings.append(
                Notice(
                    "EMBEDDED_OBJECT",
                    f"Berkas memuat {len(embedded)} objek sisipan/ActiveX; objek itu tidak dibuka dan tidak disalin.",
                    embedded[0],
                )
            )
        return inspection

    # -- streaming ------------------------------------------------------------------
    def _stream(self, info: zipfile.ZipInfo, parse: bool = False) -> None:
        """Read one part in chunks, counting real bytes: the declared size is a claim, not a fact."""
        name = info.filename.lower()
        seen = crc = 0
        tail = b""
        chunks = []
        # Every needle holds '<!' in its encoding, so '!' (found by memchr, 40× faster than a search
        # for '<!' among an XML part's many '<') and then '<!' must occur before lower() is paid for.
        marks = (b"<!",)
        try:
            for chunk in self._inflate(info):
                if seen == 0:
                    self._check_declaration(chunk, info.filename)
                    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in chunk[:4]:
                        marks = (b"<!", b"<\0!")  # UTF-16, as a parser would detect it
                    if name.startswith("xl/worksheets/") and (m := _DIMENSION.search(chunk, 0, 64 * 1024)):
                        self.declared_dims[name] = m[1].decode("ascii", "replace")
                seen += len(chunk)
                crc = zlib_ng.crc32(chunk, crc)
                if seen > info.file_size:
                    raise _refusal(
                        "ZIP_BOMB",
                        self.path,
                        f"Bagian '{info.filename}' lebih besar dari ukuran yang dinyatakannya ({info.file_size} bita).",
                    )
                window = tail + chunk
                if b"!" in window and any(m in window for m in marks) and any(n in window.lower() for n in _NEEDLES):
                    raise _refusal(
                        "UNSAFE_XML",
                        self.path,
                        f"Bagian '{info.filename}' memuat deklarasi DOCTYPE/ENTITY, yang tidak pernah dibuat Excel.",
                    )
                tail = window[-_OVERLAP:]
                chunks.append(chunk)
            if seen != info.file_size or crc != info.CRC:
                raise zipfile.BadZipFile(info.filename)
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if parse:  # only bytes proven free of DOCTYPE reach the parser
                self.events[name] = self._events(info.filename, data)
            if name.endswith((".xml", ".rels")):  # what readers parse; embedded objects are never opened
                self.parts[info.filename] = (crc, data)
        except Refusal:
            raise
        except expat.ExpatError:
            raise _refusal("NOT_A_WORKBOOK", self.path, f"Bagian '{info.filename}' bukan XML yang sah.") from None
        except (*_ZIP_ERRORS, zlib.error, zlib_ng.error, NotImplementedError, RuntimeError):
            raise _refusal("TRUNCATED_ZIP", self.path, f"Bagian '{info.filename}' rusak.") from None

    def _inflate(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """A part's bytes in chunks, inflated straight from the file's bytes (zipfile's stream costs
        more per part than the inflating), and one byte past the declared size if there is one: the
        declared size is a claim, the caller counts."""
        from .recalc_read import stored_bytes

        data = stored_bytes(self.raw, info)
        budget = info.file_size + 1
        if info.compress_type == zipfile.ZIP_STORED:
            for at in range(0, min(len(data), budget), _PART_CHUNK):
                yield bytes(data[at : min(at + _PART_CHUNK, budget)])
            return
        inflater = zlib_ng.decompressobj(-15)
        while budget > 0 and (chunk := inflater.decompress(data, min(_PART_CHUNK, budget))):
            budget -= len(chunk)
            data = inflater.unconsumed_tail
            yield chunk

    def _events(self, part: str, data: bytes) -> _Events:
        """The `_WANTED` elements of a structural part, parsed once per content and cap: a
        national set repeats its few workbook.xml texts (≈300 elements each, 0.5 ms to parse)."""
        cap = 10 * self.limits.max_members
        events = _PARSED.get((data, cap))
        if events is None:
            events = []
            parser = self._parser(part, events, cap)
            parser.Parse(data, True)
            if len(_PARSED) >= 64:
                _PARSED.clear()
            _PARSED[(data, cap)] = events
        return events

    def _parser(self, part: str, events: _Events, cap: int):
        """An expat parser that builds no tree, records up to `cap` `_WANTED` elements and refuses any DTD."""
        parser = expat.ParserCreate(namespace_separator="}")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = tag.rpartition("}")[2]
            if local in _WANTED:
                if len(events) >= cap:
                    raise _refusal("TOO_LARGE", self.path, f"Bagian '{part}' memuat lebih dari {cap} rujukan.")
                events.append((local, attrs))

        def dtd(*_args) -> None:  # the byte scan already refuses these; this is the second lock
            raise _refusal("UNSAFE_XML", self.path, f"Bagian '{part}' memuat deklarasi DOCTYPE/ENTITY.")

        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = dtd
        parser.EntityDeclHandler = dtd
        return parser

    def _check_declaration(self, head: bytes, part: str) -> None:
        """OOXML parts are UTF-8 or UTF-16; a declared switch to another encoding could slip past a byte scan.

        Parts without an XML declaration (binary ones too) pass: expat then reads UTF-8 or UTF-16 only.
        """
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            match = _XML_DECL.match(head[:400].decode("utf-16", "replace").encode("ascii", "replace"))
            encoding = match[1].decode("ascii").lower() if match else "utf-16"
        else:
            match = _XML_DECL.match(head.removeprefix(b"\xef\xbb\xbf"))
            encoding = match[1].decode("ascii", "replace").lower() if match else "utf-8"
        if encoding not in _XML_ENCODINGS:
            raise _refusal(
                "UNSAFE_XML", self.path, f"Bagian '{part}' memakai pengodean '{encoding}', bukan UTF-8/UTF-16."
            )

    # -- structure, from the recorded events -------------------------------------------
    def _workbook_part(self) -> str:
        """Refuse macro content types; return the workbook part's (lower-cased) name."""
        workbook = None
        for _tag, attrs in self.events["[content_types].xml"]:
            kind = attrs.get("ContentType", "").lower()
            if "macroenabled" in kind or "vbaproject" in kind or "macrosheet" in kind:
                raise _refusal("MACRO_ENABLED", self.path, f"Berkas dinyatakan berisi makro ({attrs['ContentType']}).")
            if kind in _MAIN_TYPES and attrs.get("PartName"):
                workbook = attrs["PartName"].lstrip("/").lower()
        workbook = workbook if workbook in self.names else "xl/workbook.xml"
        if workbook not in self.names:
            raise _refusal("NOT_A_WORKBOOK", self.path, "Arsip ini tidak memuat bagian buku kerja (xl/workbook.xml).")
        return workbook

    def _rels(self, part: str) -> dict[str, str]:
        """Relationship id → target (resolved to a part name unless external) of a part."""
        folder = posixpath.dirname(part)
        rels = {}
        for tag, attrs in self.events.get(_rels_name(part), ()):
            if tag == "Relationship" and "Id" in attrs:
                target = attrs.get("Target", "")
                if attrs.get("TargetMode") != "External":
                    target = posixpath.normpath(
                        target[1:] if target.startswith("/") else posixpath.join(folder, target)
                    )
                rels[attrs["Id"]] = target
        return rels

    def _sheets(self, workbook: str) -> dict[str, str]:
        rels = self._rels(workbook)
        sheets = {}
        for tag, attrs in self.events.get(workbook, ()):
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith("relationships}id")), "")
                target = rels.get(rid, "").lower()
                if target in self.names:
                    sheets[attrs.get("name", target)] = self.names[target]
        return sheets

    def _dimensions(self, inspection: Inspection) -> None:
        by_part = {part.lower(): name for name, part in inspection.sheets.items()}
        for part, ref in self.declared_dims.items():
            label = by_part.get(part, self.names[part])
            inspection.dimensions[label] = ref
            problem = self._dimension_problem(ref)
            if problem:
                inspection.warnings.append(
                    Notice(
                        "BOGUS_DIMENSION",
                        f"Lembar '{label}' menyatakan ukuran {ref} ({problem}); ukuran itu diabaikan, "
                        "pembaca hanya membaca rentang bernama.",
                        self.names[part],
                    )
                )

    def _dimension_problem(self, ref: str) -> str:
        last = _CELL.fullmatch(ref.rpartition(":")[2].strip())
        if not last:
            return "bukan rujukan sel yang sah"
        col = 0
        for letter in last[1].upper():
            col = col * 26 + ord(letter) - 64
        if int(last[2]) > self.limits.max_rows or col > self.limits.max_cols:
            return f"lebih dari {self.limits.max_rows} baris atau {self.limits.max_cols} kolom"
        return ""

    def _external(self, inspection: Inspection) -> None:
        """External workbooks, DDE/OLE links and data connections: listed, never followed."""
        links: list[tuple[str, str]] = []
        for name in sorted(self.events):
            for tag, attrs in self.events[name]:
                if name.startswith("xl/externallinks/_rels/") and tag == "Relationship" and attrs.get("Target"):
                    links.append((attrs["Target"], name))
                elif tag == "ddeLink":
                    links.append((f"DDE {attrs.get('ddeService', '')}|{attrs.get('ddeTopic', '')}", name))
                elif tag == "oleLink":
                    links.append((f"OLE {attrs.get('progId', '')}", name))
                elif name == "xl/connections.xml":
                    # the file or address only, never the connection string: it may hold a password
                    links.extend((attrs[a], name) for a in ("url", "sourceFile", "odcFile") if attrs.get(a))
        for target, part in links:
            inspection.external_links.append(target)
            inspection.warnings.append(
                Notice(
                    "EXTERNAL_LINK",
                    f"Buku kerja merujuk ke luar: {target}. Rujukan ini tidak pernah diikuti; "
                    "nilai yang tersimpan darinya bisa usang.",
                    self.names.get(part, part),
                )
            )


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")
