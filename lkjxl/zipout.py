"""A zip package written member by member from deflate segments, some compressed elsewhere.

The national Data Anggaran part is ≈160 MB of XML. `sheetxml.Behind` renders *and
compresses* its rows in a forked process while this one writes the other sheets, so
the member is the compressed head of the sheet part, the child's stream and the
compressed tail, one after the other. Deflate streams concatenate when each segment
but the last ends on a sync flush; the member's CRC-32 is combined from the segments'
(zlib-ng's `crc32_combine`). Python's zipfile can write neither, and compresses with
the stdlib zlib: zlib-ng at level 2 compresses these parts ≈1.5× faster than zlib at
level 1, and smaller.

Members keep the order, timestamps and attributes they are given and carry no extra
fields, so equal inputs give equal bytes. There is no zip64: the national Data Anggaran
is ≈1.5 KB of XML a row, so even Excel's 1,048,576 rows stay under 1.6 GB; a part of
4 GiB or more is refused.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from zlib_ng import zlib_ng

LEVEL = 2  # the national Data Anggaran: 0.57 s and 25.7 MB, where zlib level 1 took 0.9 s for 27.2 MB
_LIMIT = 0xFFFFFFFF
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


class Segment:
    """Bytes written to it as one raw deflate segment ending on a sync flush, so that
    segments made apart concatenate; `sink` takes the compressed bytes as they come.
    A segment given no bytes adds none."""

    def __init__(self, sink):
        self.sink, self.crc, self.size = sink, 0, 0
        self._deflate = zlib_ng.compressobj(LEVEL, zlib_ng.DEFLATED, -15)

    def write(self, data: bytes) -> None:
        self.crc = zlib_ng.crc32(data, self.crc)
        self.size += len(data)
        if out := self._deflate.compress(data):
            self.sink(out)

    def close(self) -> None:
        if self.size:
            self.sink(self._deflate.flush(zlib_ng.Z_SYNC_FLUSH))


class Member:
    """One member being written: `write` appends bytes to the current segment, `segment` ends
    it (the next `write` starts another), `append` adds a segment compressed elsewhere."""

    def __init__(self, out: BinaryIO):
        self._out, self.crc, self.size, self.compressed = out, 0, 0, 0
        self._segment: Segment | None = None

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.compressed += len(data)

    def write(self, data: bytes) -> None:
        if self._segment is None:
            self._segment = Segment(self._emit)
        self._segment.write(data)

    def segment(self) -> None:
        if self._segment is not None:
            self._segment.close()
            self._combine(self._segment.crc, self._segment.size)
            self._segment = None

    def append(self, source: BinaryIO, length: int, crc: int, size: int) -> None:
        """`length` bytes of a sync-flushed deflate segment read from `source`, of `size` bytes whose CRC is `crc`."""
        self.segment()
        self._combine(crc, size)
        while length > 0:
            piece = source.read(min(length, 1 << 20))
            if not piece:
                raise EOFError("segmen terkompresi terpotong")
            self._emit(piece)
            length -= len(piece)

    def _combine(self, crc: int, size: int) -> None:
        self.crc, self.size = zlib_ng.crc32_combine(self.crc, crc, size), self.size + size

    def finish(self) -> None:
        self.segment()
        self._emit(zlib_ng.compressobj(LEVEL, zlib_ng.DEFLATED, -15).flush())  # the final (empty) block


class Writer:
    """Members in the order given, then the central directory (the file must be seekable:
    each local header is completed once its member is written)."""

    def __init__(self, out: BinaryIO):
        self.out, self.entries = out, []

    def member(self, name: str, date_time: tuple, external_attr: int, fill) -> None:
        """Write the member `name`; `fill(member)` writes its content through the `Member`."""
        encoded = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800
        time, date = _dos(date_time)
        offset = self.out.tell()
        self.out.write(_LOCAL.pack(b"PK\x03\x04", 20, 0, flags, 8, time, date, 0, 0, 0, len(encoded), 0) + encoded)
        member = Member(self.out)
        fill(member)
        member.finish()
        if max(member.size, member.compressed, offset) >= _LIMIT:
            raise ValueError(f"bagian {name} melebihi 4 GiB: terlalu besar untuk satu buku kerja")
        end = self.out.tell()
        self.out.seek(offset + 14)
        self.out.write(struct.pack("<3L", member.crc, member.compressed, member.size))
        self.out.seek(end)
        self.entries.append((encoded, flags, time, date, member, external_attr, offset))

    def close(self) -> None:
        start = self.out.tell()
        for encoded, flags, time, date, member, attr, offset in self.entries:
            self.out.write(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    3,
                    20,
                    0,
                    flags,
                    8,
                    time,
                    date,
                    member.crc,
                    member.compressed,
                    member.size,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    attr,
                    offset,
                )  # fmt: skip
                + encoded
            )
        size = self.out.tell() - start
        if start + size >= _LIMIT:
            raise ValueError("buku kerja melebihi 4 GiB")
        n = len(self.entries)
        self.out.write(_END.pack(b"PK\x05\x06", 0, 0, n, n, size, start, 0))


def _dos(date_time: tuple) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time[:6]
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
