"""The cell scanner reads a workbook's sheets together in one vectorised pass (`parse_sheets`);
each sheet must come out exactly as when it is parsed alone — by the regex path for a small
sheet, ElementTree for anything unusual — or the pass must leave it to them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lkjxl.recalc_cells import _joint, parse_cells, parse_sheets
from lkjxl.recalc_read import SharedStrings, Sheet, UnreadableWorkbook
from lkjxl.xlexpr import col_letter
from lkjxl.xlsxread import Cells

SHARED = SharedStrings(b"<sst><si><t>satu</t></si><si><t>dua &amp; tiga</t></si></sst>")
HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'

CELLS = [  # {r}: the reference; the usual forms first, then ones only the general path reads
    '<c r="{r}"><v>12.5</v></c>',
    '<c r="{r}" s="3"><v>-0.30000000000000004</v></c>',
    '<c r="{r}" s="2"/>',
    '<c r="{r}" t="s"><v>1</v></c>',
    '<c r="{r}" s="1" t="b"><v>1</v></c>',
    '<c r="{r}"><f>A1+1</f><v>13.5</v></c>',
    '<c r="{r}" t="str"><f>"x"&amp;B1</f><v>x&amp;y</v></c>',
    '<c r="{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    '<c r="{r}"><f t="shared" ref="A1:A9" si="0">B1*2</f><v>4</v></c>',
    '<c r="{r}"><f t="shared" si="0"/></c>',
    '<c r="{r}" t="s" s="4"><v>0</v></c>',
    '<c r="{r}" s="5"></c>',
    # the vectorised pass reads the ones above, the general path the ones below
    '<c r="{r}" t="inlineStr"><is><t>sebaris</t></is></c>',
    '<c r="{r}" t="d"><v>2024-01-31T00:00:00</v></c>',
]
USUAL = 12
STRAY = ["", "<v>9</v>", "<f>A1</f>"]  # written before a row's first cell: not inside any cell


@st.composite
def sheet_xml(draw) -> tuple[bytes, bool]:
    """A sheet part, and whether the vectorised pass reads it (every cell in a usual form, in order)."""
    form = draw(st.sampled_from(["cells", "cells", "cells", "empty", "none"]))
    if form == "none":
        return HEAD + b"<sheetData/></worksheet>", False
    rows, usual = [], True
    for r in range(1, draw(st.integers(0 if form == "empty" else 1, 6)) + 1):
        cols = sorted(draw(st.sets(st.integers(0, 30), min_size=1, max_size=6)))
        if len(cols) > 1 and draw(st.integers(0, 20)) == 0:
            cols.reverse()  # out of order: the general path takes it
            usual = False
        stray = draw(st.sampled_from(STRAY)) if draw(st.integers(0, 10)) == 0 else ""
        forms = [draw(st.sampled_from(CELLS)) for _ in cols]
        usual &= not stray and all(form in CELLS[:USUAL] for form in forms)
        cells = "".join(form.format(r=f"{col_letter(c)}{r}") for form, c in zip(forms, cols, strict=True))
        rows.append(f'<row r="{r}">{stray}{cells}</row>')
    return HEAD + b"<sheetData>" + "".join(rows).encode() + b"</sheetData></worksheet>", usual


def parsed(sheets: list[bytes], together: bool) -> list[Sheet] | str:
    book = [Sheet(f"S{i}", f"s{i}.xml", data=data) for i, data in enumerate(sheets)]
    try:
        if together:
            parse_sheets(book, SHARED)
        else:
            for sheet in book:
                parse_cells(sheet, SHARED)
    except UnreadableWorkbook as exc:
        return str(exc)
    return book


FIELDS = ("rows", "cols", "kind", "num", "txt", "style", "dated", "formula_cells", "signature")


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist()
    return a == b


@settings(max_examples=300, deadline=None)
@given(st.lists(sheet_xml(), min_size=1, max_size=5))
def test_sheets_scanned_together_are_read_as_each_alone(drawn):
    sheets = [data for data, _ in drawn]
    alone, together = parsed(sheets, False), parsed(sheets, True)
    if isinstance(alone, str) or isinstance(together, str):
        assert alone == together
        return
    for one, joint in zip(alone, together, strict=True):
        for name in FIELDS:
            assert same(getattr(one, name), getattr(joint, name)), (one.name, name)
    usual = [data for data, usual in drawn if usual]
    if len(usual) > 1:
        book = [Sheet(f"S{i}", f"s{i}.xml", data=data) for i, data in enumerate(usual)]
        assert len(_joint(book, SHARED)) == len(usual)  # the pass is taken, not only its fallback


def test_a_stray_value_is_not_given_to_the_sheet_before():
    """A `<v>` before the second sheet's first cell lies after the first sheet's last, open cell."""
    first = HEAD + b'<sheetData><row r="1"><c r="A1" s="1"></c></row></sheetData></worksheet>'
    second = HEAD + b'<sheetData><row r="1"><v>7</v><c r="B1"><v>2</v></c></row></sheetData></worksheet>'
    alone, together = parsed([first, second], False), parsed([first, second], True)
    assert together[0].kind.tolist() == alone[0].kind.tolist() == [0]  # A1 stays blank
    assert together[1].num.tolist() == alone[1].num.tolist() == [2.0]


def test_an_element_after_a_closed_cell_is_in_no_cell():
    """Found by the property test: `<f>` or `<v>` after a cell's `</c>` was given to that cell by
    the array path, where the regex and ElementTree paths leave it out."""
    rows = b'<row r="1"><c r="A1" s="1"></c><v>7</v></row><row r="2"><c r="A2"><v>1</v></c><f>A1</f></row>'
    sheet = HEAD + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    alone, together = parsed([sheet], False), parsed([sheet, sheet], True)
    big = parsed([sheet.replace(b"</sheetData>", b" " * 50_000 + b"</sheetData>")], False)  # the array path alone
    for one in (alone[0], *together, big[0]):
        assert one.kind.tolist() == [0, 1] and one.num.tolist() == [0.0, 1.0] and one.formula_cells.size == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 5), st.integers(0, 99)), max_size=40),
    st.booleans(),
    st.integers(0, 12),
    st.integers(0, 12),
)
def test_a_sheet_s_cells_are_found_as_excel_shows_them(written, in_order, first, last):
    """`Cells` answers by position, whether its keys are searched (ascending, each once) or indexed
    (a position written twice: the last one counts, as in Excel)."""
    if in_order:
        written = sorted(written, key=lambda cell: cell[:2])
    keys = np.array([r * 16384 + c for r, c, _ in written], np.int64)
    values = np.empty(len(written), object)
    values[:] = [v for *_, v in written]
    cells = Cells(keys, values, [0] * len(written), [False] * len(written), {})
    shown = {(r, c): v for r, c, v in written}  # the last written of each position
    assert len(cells) == len(shown) and set(cells) == set(shown)
    assert {where: cell.value for where, cell in cells.items()} == shown
    for r in range(13):
        for c in range(6):
            got = cells.get((r, c))
            assert (got.value if got is not None else None) == shown.get((r, c))
    for c in range(6):
        assert cells.column(c, first, last) == sorted(
            (r, v) for (r, cc), v in shown.items() if cc == c and first <= r <= last
        )
    if in_order:
        assert sorted(cells.rows(first, last)) == sorted((r, c, v) for (r, c), v in shown.items() if first <= r <= last)
