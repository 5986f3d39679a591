"""zipout writes members from deflate segments, some compressed apart (as sheetxml.Behind's
child does): whatever the pieces, zipfile must read back exactly their concatenation, with
its CRC-32 checked, and the same pieces must always give the same bytes."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from lkjxl import zipout

# A piece of a member: bytes written here, a segment boundary, or bytes compressed apart.
pieces = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.binary(max_size=3000)),
        st.tuples(st.just("segment"), st.just(b"")),
        st.tuples(st.just("apart"), st.binary(max_size=3000)),
        st.tuples(st.just("write"), st.just(b'<row r="1"><c r="A1"><v>1</v></c></row>' * 200)),
    ),
    max_size=8,
)
names = st.sampled_from(["xl/worksheets/sheet1.xml", "[Content_Types].xml", "xl/média/ß.xml", "a"])


def _apart(data: bytes) -> tuple[io.BytesIO, int, int, int]:
    out = io.BytesIO()
    segment = zipout.Segment(out.write)
    segment.write(data)
    segment.close()
    out.seek(0)
    return out, len(out.getvalue()), segment.crc, segment.size


def _package(members: list[tuple[str, list]]) -> bytes:
    out = io.BytesIO()
    writer = zipout.Writer(out)
    for name, parts in members:

        def fill(member, parts=parts):
            for kind, data in parts:
                if kind == "write":
                    member.write(data)
                elif kind == "segment":
                    member.segment()
                else:
                    member.append(*_apart(data))

        writer.member(name, (2024, 12, 31, 0, 0, 0), 0o600 << 16, fill)
    writer.close()
    return out.getvalue()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, pieces), min_size=1, max_size=4, unique_by=lambda m: m[0]))
def test_members_read_back_as_the_concatenation_of_their_pieces(members):
    data = _package(members)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None  # every member inflates and its CRC-32 matches
        assert z.namelist() == [name for name, _ in members]
        for name, parts in members:
            assert z.read(name) == b"".join(part for _, part in parts)
            assert z.getinfo(name).date_time == (2024, 12, 31, 0, 0, 0)
    assert _package(members) == data


def test_bytes_compressed_apart_give_the_same_member_as_bytes_compressed_here():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n * 7) for n in range(5000))
    here = _package([("s.xml", [("write", b"<head>"), ("segment", b""), ("write", rows), ("segment", b"")])])
    apart = _package([("s.xml", [("write", b"<head>"), ("apart", rows)])])
    assert here == apart
