"""Hostile input files for tests/test_safety.py, built at test time.

Each case is a function returning the file's bytes, with what `lkjxl.safety.inspect` must
say about it: a refusal code, or a warning code for files it opens. Real workbooks come
from XlsxWriter and are then altered part by part; the 1 GB zip bombs are assembled from
one repeated deflate block, so they cost about a megabyte and a fraction of a second.

    python tests/hostile.py [DIR]    # write the small cases to tests/files/hostile/ (or DIR)
"""

from __future__ import annotations

import io
import random
import struct
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

MIB = 1 << 20
GIB = 1 << 30
HOSTILE_DIR = Path(__file__).parent / "files" / "hostile"
_STAMP = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    build: Callable[[], bytes]
    refusal: str | None = None  # the Refusal.code inspect raises ...
    warning: str | None = None  # ... or the warning code of a file it opens
    large: bool = False  # generated at test time only, never committed


# -- building blocks -------------------------------------------------------------------


@cache
def base_workbook() -> bytes:
    """A small real workbook: a sheet of operator text and numbers, a formula, shared strings."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    wb.set_properties({"created": datetime(2024, 1, 1), "author": "hostile.py"})
    ws = wb.add_worksheet("Realisasi")
    ws.write_row(0, 0, ["Indikator", "Target", "Realisasi", "Hambatan"])
    ws.write_row(1, 0, ["Partisipasi pemilih", 77.5, 81.2, '=HYPERLINK("http://contoh")'])
    ws.write_formula(2, 2, "=C2/B2", None, 81.2 / 77.5)
    wb.close()
    return buffer.getvalue()


def rezip(source: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip with some parts replaced and others added, every part deflated."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, _STAMP), replace.get(info.filename, src.read(info)))
        for name, data in add.items():
            dst.writestr(zipfile.ZipInfo(name, _STAMP), data)
    return out.getvalue()


def edit(part: str, old: str, new: str, source: bytes | None = None) -> dict[str, bytes]:
    """`{part: text with old replaced by new}`, for `rezip(replace=...)`; fails loudly if old is absent."""
    with zipfile.ZipFile(io.BytesIO(source or base_workbook())) as zf:
        text = zf.read(part).decode("utf-8")
    assert old in text, f"{part} lacks {old!r}"
    return {part: text.replace(old, new, 1).encode("utf-8")}


def raw_zip(members: list[tuple[str, bytes, int, int, int]], offsets: list[int] | None = None) -> bytes:
    """A zip written by hand from (name, deflated data, crc, declared size, method), so sizes can lie.

    `offsets` makes central-directory entries point at the local header of another member.
    """
    out = io.BytesIO()
    local_offsets = []
    for name, data, crc, size, method in members:
        local_offsets.append(out.tell())
        raw = name.encode("utf-8")
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0))
        out.write(raw + data)
    directory = io.BytesIO()
    for i, (name, data, crc, size, method) in enumerate(members):
        raw = name.encode("utf-8")
        offset = local_offsets[offsets[i] if offsets else i]
        # signature, versions, flags, method, time, date, crc, sizes, name length,
        # then extra/comment length, disk, internal and external attributes (all 0), offset
        fixed = (b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset)
        directory.write(struct.pack("<4s6H3L5H2L", *fixed) + raw)
    start = out.tell()
    out.write(directory.getvalue())
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory.getvalue()), start, 0)
    )
    return out.getvalue()


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflated_zeros(size: int) -> bytes:
    """Raw deflate of `size` zero bytes (a multiple of 1 MiB) without compressing them all:
    after a full flush the compressor's state is reset, so every further MiB compresses to
    the same block and can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    return first + block * (size // MIB - 1) + c.flush()


def crc_of_zeros(size: int) -> int:
    crc, chunk = 0, bytes(MIB)
    for _ in range(size // MIB):
        crc = zlib.crc32(chunk, crc)
    return crc


def with_bomb(name: str, size: int, declared: int | None = None, crc: int | None = None) -> bytes:
    """The base workbook with part `name` replaced by `size` zero bytes, declaring `declared` bytes."""
    members = []
    with zipfile.ZipFile(io.BytesIO(base_workbook())) as zf:
        for info in zf.infolist():
            if info.filename == name:
                continue
            data = zf.read(info)
            members.append((info.filename, deflate(data), zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED))
    crc = crc_of_zeros(size) if crc is None else crc
    members.append((name, deflated_zeros(size), crc, size if declared is None else declared, zipfile.ZIP_DEFLATED))
    return raw_zip(members)


def ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding the given streams.

    Streams are padded to 4096 bytes so they live in regular sectors (no mini stream).
    """
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the directory's sort order
    datas = [streams[n].ljust(4096, b"\0") for n in names]
    fat = [fat_sect, end]  # sector 0: the FAT itself; sector 1: the directory
    starts = []
    for data in datas:
        starts.append(len(fat))
        count = len(data) // 512
        fat += [len(fat) + k + 1 for k in range(count - 1)] + [end]
    assert len(fat) <= 128, "one FAT sector is enough for these files"
    header = struct.pack(
        "<8s16s5H6s9L",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,  # little-endian
        9,  # 512-byte sectors
        6,  # 64-byte mini sectors
        b"\0" * 6,
        0,  # directory sectors (0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cutoff
        end,  # no mini FAT
        0,
        end,  # no DIFAT sectors
        0,
    )
    header += struct.pack("<109L", 0, *([free] * 108))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return struct.pack(
            "<64sHBB3L16sL16sLQ", raw, len(raw), kind, 1, free, right, child, b"\0" * 16, 0, b"\0" * 16, start, size
        )

    entries = [entry("Root Entry", 5, free, 1 if names else free, end, 0)]
    for i, (data, start) in enumerate(zip(datas, starts, strict=True)):
        entries.append(entry(names[i], 2, i + 2 if i + 1 < len(names) else free, free, start, len(data)))
    directory = b"".join(entries).ljust(512, b"\0")
    fat_sector = struct.pack(f"<{len(fat)}L", *fat).ljust(512, b"\xff")
    return header + fat_sector + directory + b"".join(datas)


# -- the cases ---------------------------------------------------------------------------

_CT = "[Content_Types].xml"
_SHEET = "xl/worksheets/sheet1.xml"
_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>&lol9;</t></si></sst>"
)
_EXTERNAL_BOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<externalBook r:id="rId1"><sheetNames><sheetName val="Data"/></sheetNames></externalBook></externalLink>'
)
EXTERNAL_TARGET = "http://127.0.0.1:9/pantau/realisasi.xlsx"
_EXTERNAL_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
    f'Target="{EXTERNAL_TARGET}" TargetMode="External"/></Relationships>'
)
_DDE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<ddeLink ddeService="cmd" ddeTopic="/c calc.exe"><ddeItems><ddeItem name="A0"/></ddeItems></ddeLink>'
    "</externalLink>"
)


def _external(part_xml: str, rels: str | None) -> bytes:
    """The base workbook with an external link part wired in as Excel does it."""
    add = {"xl/externalLinks/externalLink1.xml": part_xml.encode()}
    if rels:
        add["xl/externalLinks/_rels/externalLink1.xml.rels"] = rels.encode()
    replace = {
        **edit(
            "xl/workbook.xml",
            "</sheets>",
            '</sheets><externalReferences><externalReference r:id="rId99"/></externalReferences>',
        ),
        **edit(
            "xl/_rels/workbook.xml.rels",
            "</Relationships>",
            '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>',
        ),
        **edit(
            _CT,
            "</Types>",
            '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
        ),
    }
    return rezip(base_workbook(), replace, add)


def _too_many(count: int = 5000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo(_CT, _STAMP), b"<Types/>")
        for i in range(count):
            zf.writestr(zipfile.ZipInfo(f"xl/p{i}.xml", _STAMP), b"<a/>")
    return out.getvalue()


def _end_record_lies() -> bytes:
    """5,000 members, but an end record that claims one: zipfile believes the directory's byte size."""
    data = bytearray(_too_many())
    pos = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, pos + 8, 1, 1)
    return bytes(data)


def _overlapping() -> bytes:
    """Ten directory entries sharing one local header and its data: the 'overlapping' bomb."""
    data = b"<a/>" * 1000
    members = [(f"xl/p{i}.xml", deflate(data), zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED) for i in range(10)]
    return raw_zip(members, offsets=[0] * 10)


def _corrupt_member() -> bytes:
    """A sheet whose compressed bytes were damaged in transit (CRC or inflate error)."""
    data = bytearray(base_workbook())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(_SHEET)
    start = info.header_offset + 30 + len(_SHEET)
    for k in range(8):
        data[start + 40 + k] ^= 0x5A
    return bytes(data)


def _duplicate_part() -> bytes:
    """Two parts named alike: zip readers disagree on which one counts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rezip(base_workbook(), add={"xl/sharedStrings.xml": b"<sst/>"})


def _plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, _STAMP), data)
    return out.getvalue()


def _random_bytes() -> bytes:
    return random.Random(1971).randbytes(4096)


CASES: dict[str, Case] = {
    # not a zip
    "acak.xlsx": Case(_random_bytes, "NOT_XLSX"),
    "kosong.xlsx": Case(lambda: b"", "NOT_XLSX"),
    "halaman-web.xlsx": Case(
        lambda: (
            b"<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body><table>"
            b"<tr><td>Indikator</td><td>Realisasi</td></tr></table></body></html>\n"
        ),
        "NOT_XLSX",
    ),
    "tabel.xlsx": Case(lambda: b"Indikator;Target;Realisasi\nPartisipasi pemilih;77,5;81,2\n", "NOT_XLSX"),
    # broken zips
    "terpotong.xlsx": Case(lambda: base_workbook()[: len(base_workbook()) // 2], "TRUNCATED_ZIP"),
    "bagian-rusak.xlsx": Case(_corrupt_member, "TRUNCATED_ZIP"),
    "bagian-ganda.xlsx": Case(_duplicate_part, "TRUNCATED_ZIP"),
    # zip bombs
    "bom-1gb.xlsx": Case(lambda: with_bomb("xl/sharedStrings.xml", GIB), "ZIP_BOMB", large=True),
    "bom-ukuran-palsu.xlsx": Case(
        lambda: with_bomb("xl/sharedStrings.xml", GIB, declared=1024, crc=0), "ZIP_BOMB", large=True
    ),
    "bom-rasio.xlsx": Case(lambda: with_bomb("xl/sharedStrings.xml", 64 * MIB), "ZIP_BOMB"),
    "bom-tumpang-tindih.xlsx": Case(_overlapping, "ZIP_BOMB"),
    "terlalu-besar.xlsx": Case(lambda: bytes(50 * MIB + 1), "TOO_LARGE", large=True),  # refused on its stat
    "5000-bagian.xlsx": Case(_too_many, "TOO_MANY_MEMBERS", large=True),
    "jumlah-bagian-palsu.xlsx": Case(_end_record_lies, "TOO_MANY_MEMBERS", large=True),
    # macros, encryption, old formats
    "makro.xlsm": Case(
        lambda: rezip(base_workbook(), add={"xl/vbaProject.bin": ole2({"VBA": b"Attribute VB_Name"})}), "MACRO_ENABLED"
    ),
    "makro-jenis-isi.xlsx": Case(
        lambda: rezip(
            base_workbook(),
            edit(
                _CT,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ),
        ),
        "MACRO_ENABLED",
    ),
    "lembar-makro.xlsx": Case(
        lambda: rezip(base_workbook(), add={"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"}), "MACRO_ENABLED"
    ),
    "terenkripsi.xlsx": Case(
        lambda: ole2({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x00" * 8}),
        "ENCRYPTED",
    ),
    "format-lama.xls": Case(lambda: ole2({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"}), "LEGACY_XLS"),
    # XML
    "billion-laughs.xlsx": Case(
        lambda: rezip(base_workbook(), {"xl/sharedStrings.xml": _LAUGHS.encode()}), "UNSAFE_XML"
    ),
    "entitas-eksternal.xlsx": Case(
        lambda: rezip(
            base_workbook(),
            edit(
                "xl/workbook.xml",
                "<workbook ",
                '<!DOCTYPE workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<workbook ',
            ),
        ),
        "UNSAFE_XML",
    ),
    "doctype-utf16.xlsx": Case(
        lambda: rezip(
            base_workbook(),
            {"xl/sharedStrings.xml": _LAUGHS.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")},
        ),
        "UNSAFE_XML",
    ),
    "doctype-utf16-tanpa-bom.xlsx": Case(  # UTF-16 told by its first bytes only, as parsers detect it
        lambda: rezip(
            base_workbook(),
            {"xl/sharedStrings.xml": _LAUGHS.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")},
        ),
        "UNSAFE_XML",
    ),
    "pengodean-asing.xlsx": Case(
        lambda: rezip(base_workbook(), edit("xl/styles.xml", 'encoding="UTF-8"', 'encoding="UTF-7"')),
        "UNSAFE_XML",
    ),
    # zips that are not workbooks
    "arsip-biasa.xlsx": Case(lambda: _plain_zip({"laporan.txt": b"isi"}), "NOT_A_WORKBOOK"),
    "opendocument.xlsx": Case(
        lambda: _plain_zip(
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office:document/>"}
        ),
        "NOT_A_WORKBOOK",
    ),
    # opened, with a warning
    "tautan-eksternal.xlsx": Case(lambda: _external(_EXTERNAL_BOOK, _EXTERNAL_RELS), warning="EXTERNAL_LINK"),
    "tautan-dde.xlsx": Case(lambda: _external(_DDE, None), warning="EXTERNAL_LINK"),
    "dimensi-palsu.xlsx": Case(
        lambda: rezip(base_workbook(), edit(_SHEET, '<dimension ref="A1:D3"/>', '<dimension ref="A1:XFD1048576"/>')),
        warning="BOGUS_DIMENSION",
    ),
}


def build(name: str, directory: Path) -> Path:
    """Write case `name` into `directory`; returns its path."""
    path = directory / name
    path.write_bytes(CASES[name].build())
    return path


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else HOSTILE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    for name, case in CASES.items():
        if not case.large:
            size = build(name, directory).stat().st_size
            print(f"{directory / name}  {size} bytes  → {case.refusal or case.warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
