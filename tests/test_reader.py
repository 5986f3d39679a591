"""Reading filled workbooks back: what an operator did is either read right or reported at its cell.

Layout of the bundled definition used here (checked by the first test):
Realisasi rows 6–15 are SS01.IK01 (grade), SS01.IK02 (percent, cumulative), SS02.IK01
(exact count), SS03.IK01 (negative percent), SS04.IK01 (count), SS04.IK02, SS05.IK01,
SS06.IK01 (count, sum), SS06.IK02 (opinion), SS06.IK03 (index); period P realisasi is
in J/N/R/V, capaian P in K/O/S/W. Anggaran rows 8, 9, 11, 14, 16, 17 are outputs; G is
pagu awal, H–M revisions, O–Z months. Revisi row 7 is revision 1 (B date, C pagu).
"""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from workbooks import DEF, codes, codes_at, edit, filled

from lkjxl import reader, template


@pytest.fixture
def wb(tmp_path) -> Path:
    return filled(tmp_path / "isi.xlsx")


def test_layout_assumed_by_these_tests():
    names = template.build(DEF).names
    assert (names["Real_Realisasi_P1"].col1, names["Real_ID"].row1) == (9, 5)  # J6
    assert names["Real_Capaian_P1"].col1 == 10 and names["Agr_PaguAwal"].col1 == 6
    assert names["Agr_Bulan_1"].col1 == 14 and names["Rev_Tanggal"].col1 == 1
    assert [i.id for i in DEF.indikator][:4] == ["SS01.IK01", "SS01.IK02", "SS02.IK01", "SS03.IK01"]


def test_a_clean_filled_workbook_reads_without_findings(wb):
    data = reader.read(wb)
    assert data.findings == []
    assert data.satker_code == "1971" and data.definition.template.id == DEF.template.id
    assert set(data.filling.realisasi) == {i.id for i in DEF.indikator}


def test_reading_never_modifies_the_input(wb):
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    reader.read(wb)
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before


def test_values_typed_the_indonesian_way_are_read(wb):
    edit(
        wb,
        """
    | sheet     | cell | value               |
    | Realisasi | J7   | "85,5%"             |
    | Realisasi | J6   | "В"                 |
    | Realisasi | J10  | "7 Kecamatan"       |
    | Anggaran  | O8   | "Rp. 1.234.567,-"   |
    | Anggaran  | P8   | "-"                 |
    """,
    )
    data = reader.read(wb)
    assert data.filling.realisasi["SS01.IK02"][0] == Decimal("0.855")
    assert data.filling.realisasi["SS01.IK01"][0] == "B"  # Cyrillic look-alike folded
    assert data.filling.realisasi["SS04.IK01"][0] == 7
    assert data.filling.realisasi_bulan["076.01.CQ/6709/QGE.001"][:2] == [1234567, None]  # '-' is missing, not 0
    found = codes_at(data)
    assert ("TEXT_NUMBER", "Realisasi", "J7") in found
    assert ("NORMALISED", "Realisasi", "J6") in found
    assert ("TEXT_NUMBER", "Anggaran", "O8") in found
    assert not {f for f in data.findings if f.severity == "error"}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('| Realisasi | J7 | "sudah" |', ("NOT_A_NUMBER", "Realisasi", "J7")),
        ('| Realisasi | J6 | "Baik" |', ("NOT_A_GRADE", "Realisasi", "J6")),
        ('| Realisasi | J10 | "7 orang" |', ("UNIT_MISMATCH", "Realisasi", "J10")),
        ("| Anggaran | O9 | -5000 |", ("NEGATIVE", "Anggaran", "O9")),
        ("| Anggaran | O9 | 1500.5 |", ("NOT_INTEGER", "Anggaran", "O9")),
        ('| Revisi | B7 | "30 Februari 2024" |', ("BAD_DATE", "Revisi", "B7")),
        ("| Realisasi | K7 | 100 |", ("FORMULA_OVERWRITTEN", "Realisasi", "K7")),
        ("| Realisasi | AA8 | =100 |", ("FORMULA_OVERWRITTEN", "Realisasi", "AA8")),
        ("| Anggaran | N8 | 5 |", ("FORMULA_OVERWRITTEN", "Anggaran", "N8")),
        ('| Realisasi | B9 | "SS03.IK09" |', ("UNKNOWN_ID", "Realisasi", "B9")),
        ("| Realisasi | J7 | 0.9 |\n| Realisasi | N7 | 0.5 |", ("CUMULATIVE_DECREASE", "Realisasi", "N7")),
        ("| Realisasi | J7 | 12 |", ("AMBIGUOUS", "Realisasi", "J7")),
        ('| Realisasi | J7 | "300%" |', ("OUT_OF_RANGE", "Realisasi", "J7")),
        ("| Realisasi | H7 | 0.5 |", ("CONSTANT_CHANGED", "Realisasi", "H7")),
        ('| Realisasi | D7 | "Persentase laporan apa saja" |', ("TEXT_CHANGED", "Realisasi", "D7")),
        (
            "| Anggaran | G8 | 1000 |\n"
            + "".join(f"| Anggaran | {c}8 | ∅ |\n" for c in "HIJKLM")
            + "| Anggaran | O8 | 5000 |",
            ("REALISASI_OVER_PAGU", "Anggaran", "O8"),
        ),
        ('| Revisi | C12 | 1 |\n| Revisi | B12 | "30 Desember 2024" |', ("REVISION_TIE", "Revisi", "C12")),
    ],
)
def test_each_mistake_is_reported_at_its_cell(wb, table, expected):
    edit(wb, "| sheet | cell | value |\n" + table)
    data = reader.read(wb)
    code, sheet, cell = expected
    if cell is None:
        assert (code, sheet) in {(c, s) for c, s, _ in codes_at(data)}
    else:
        assert expected in codes_at(data), sorted(codes_at(data))


def test_a_wrong_id_also_reports_the_missing_row(wb):
    edit(wb, '| sheet | cell | value |\n| Realisasi | B9 | "SS03.IK09" |')
    data = reader.read(wb)
    assert {"UNKNOWN_ID", "ID_MISSING"} <= codes(data)
    assert "SS03.IK01" not in data.filling.realisasi


def test_overwritten_capaian_reports_the_recomputed_value(wb):
    edit(wb, "| sheet | cell | value |\n| Realisasi | J7 | 0.45 |\n| Realisasi | K7 | 100 |")
    data = reader.read(wb)
    finding = next(f for f in data.findings if f.code == "FORMULA_OVERWRITTEN")
    assert finding.cell == "K7" and "180" in finding.message  # 0,45 against the TW I target 25%


def test_stale_cached_value_is_reported(wb, tmp_path):
    """A cached value that disagrees with the formula (manual calculation mode, or a script)."""
    data = reader.read(wb)
    capaian = data.recomputed[("Realisasi", 6, 10)]
    stale = tmp_path / "basi.xlsx"
    with zipfile.ZipFile(wb) as src, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet4.xml":
                text = body.decode()
                marker = '<c r="K7" '
                start = text.index(marker)
                v0, v1 = text.index("<v>", start), text.index("</v>", start)
                body = (text[: v0 + 3] + "12.5" + text[v1:]).encode()
            dst.writestr(info, body)
    assert capaian != 12.5
    assert ("CACHE_STALE", "Realisasi", "K7") in codes_at(reader.read(stale))


def test_subbagian_file_with_values_in_other_units_rows(tmp_path):
    path = filled(tmp_path / "kul.xlsx", unit="KUL")
    edit(path, "| sheet | cell | value |\n| Realisasi | J7 | 0.5 |")  # SS01.IK02 belongs to PDI
    data = reader.read(path)
    assert ("NOT_OWNER", "Realisasi", "J7") in codes_at(data)
    assert data.unit.code == "KUL"


def test_renamed_sheet_is_reported_and_the_rest_still_read(wb, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(wb)
    book["Revisi"].title = "Revisi DIPA"
    book.save(wb)
    data = reader.read(wb)
    assert ("SHEET_RENAMED", "Revisi DIPA", "") in codes_at(data)  # found by its headers, not its name
    assert len(data.filling.realisasi) == len(DEF.indikator)
    assert data.filling.revisions and data.cells[("revisi", 1, "tanggal")].startswith("Revisi DIPA!")


def test_a_deleted_sheet_is_reported_and_the_rest_still_read(wb):
    import openpyxl

    book = openpyxl.load_workbook(wb)
    del book["Revisi"]
    book.save(wb)
    data = reader.read(wb)
    assert ("SHEET_MISSING", "Revisi", "") in codes_at(data)
    assert len(data.filling.realisasi) == len(DEF.indikator)


def test_metadata_edited_in_one_place_only(wb):
    edit(wb, '| sheet | cell | value |\n| _Meta | B3 | "6372" |')
    assert "META_MISMATCH" in codes(reader.read(wb))


def test_revision_dates_out_of_order(wb):
    edit(
        wb,
        """
    | sheet  | cell | value            |
    | Revisi | B7   | "05 Agustus 2024" |
    | Revisi | C7   | 1000             |
    | Revisi | B8   | "11 Nopember 2023" |
    | Revisi | C8   | 1000             |
    """,
    )
    data = reader.read(wb)
    assert ("REVISION_ORDER", "Revisi", "B8") in codes_at(data)
    assert data.filling.revisions[0]["tanggal"] == date(2024, 8, 5)


@pytest.mark.parametrize("typed", ["0", "-0.0"])
def test_a_revision_pagu_of_zero_is_read_not_dropped_as_blank(wb, typed):
    """Revision 6's pagu typed as 0 (or -0, as some tools write it), the rest of its row
    blank: it is a value, kept in the data and reported against the budget, not a blank row."""
    assert len(reader.read(wb).filling.revisions) == 3  # this filling has revisions 1-3
    data = reader.read(edit(wb, f"| Revisi | C12 | {typed} |"))
    assert len(data.filling.revisions) == 6 and data.filling.revisions[5]["pagu"] == 0
    assert ("REVISION_TIE", "Revisi", "C12") in codes_at(data)  # 0 ≠ the budget's pagu akhir
    assert ("REVISION_ORDER", "Revisi", "B10") in codes_at(data)  # revisions 4 and 5 were skipped
    assert ("REVISION_ORDER", "Revisi", "B12") not in codes_at(data)  # 6 itself is not blank


def test_not_an_lkjxl_workbook(tmp_path):
    import xlsxwriter

    path = tmp_path / "lain.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet().write("A1", "Laporan")
    book.close()
    data = reader.read(path)
    assert codes(data) == {"NOT_LKJXL"} and not data.usable


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_unusable_files_are_one_clear_finding(tmp_path, content):
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(content)
    data = reader.read(path)
    assert [f.code for f in data.findings] == ["UNUSABLE_FILE"]


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet2.xml"])
def test_a_part_outside_spreadsheetmls_namespace_is_refused_by_name(tmp_path, part):
    """Excel and openpyxl do not read a workbook, string table or sheet whose root is in another
    namespace; lkjxl's parsers match tags by name, so without the check they read it as if shown."""
    from hostile import rezip

    from lkjxl import recalc

    good, bad = filled(tmp_path / "a.xlsx"), tmp_path / "rusak.xlsx"
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(good) as z:
        data = z.read(part)
    assert main in data[:4096]
    bad.write_bytes(rezip(good.read_bytes(), {part: data.replace(main, b'xmlns="httporg/spreadsheetml/2006/main"', 1)}))
    data = reader.read(bad)
    assert [f.code for f in data.findings] == ["UNUSABLE_FILE"] and not data.usable
    assert "namespace XML rusak" in data.findings[0].message
    assert part.rsplit("/", 1)[-1] in data.findings[0].message or "sheet PK" in data.findings[0].message
    with pytest.raises(recalc.UnreadableWorkbook, match="namespace XML rusak"):
        recalc.recalc_values(bad)


@pytest.mark.parametrize("unit", [None, "KUL"])
def test_the_template_model_computes_what_recalculating_the_file_computes(tmp_path, unit):
    """The reader recomputes every formula with a model built from the definition, no file
    written; the engine recalculating the returned file from its own formulas is a second route
    to every one of those values. Text typed into number cells is computed as Excel does."""
    from test_recalc_oracle import same

    from lkjxl import recalc
    from lkjxl.locate import a1

    path = filled(tmp_path / "a.xlsx", unit=unit)
    edit(path, '| sheet | cell | value |\n| Realisasi | J7 | "85,5%" |\n| Anggaran | O8 | "Rp. 1.234.567,-" |')
    data = reader.read(path)
    assert data.usable and len(data.recomputed) > 300
    file = recalc.recalc_values(path).values
    for (sheet, row, col), value in data.recomputed.items():
        assert same(value, file[(sheet, a1(row, col))]), (sheet, a1(row, col), value)


def test_an_edited_embedded_definition_is_refused_unless_the_definition_is_given(wb, tmp_path):
    """The reader takes targets, polarity and the capaian rules from the definition in _Meta; one
    edited there (the fuzzer changed a digit) is caught by its SHA-256 in the metadata."""
    import openpyxl

    from lkjxl import cli

    book = openpyxl.load_workbook(wb)
    meta = book["_Meta"]
    cell = next(
        meta.cell(r, 2) for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == f"{template.DEFINITION_KEY}1"
    )
    assert "negative_formula: two_minus_ratio" in cell.value  # a rule no sheet shows
    cell.value = cell.value.replace("negative_formula: two_minus_ratio", "negative_formula: inverse_ratio")
    book.save(wb)
    data = reader.read(wb)
    assert codes(data) == {"DEFINITION_CHANGED"} and not data.usable
    assert cli.main(["check", str(wb)]) == 2
    given = reader.read(wb, reader.Registry([DEF]))  # checked against the definition file instead
    assert given.usable and "DEFINITION_CHANGED" not in codes(given)


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_reads_as_lkjxl_wrote_it(wb, tmp_path):
    """Operators fill templates in LibreOffice too: its save keeps the embedded definition (whose
    SHA-256 the reader checks) and every value."""
    from libreoffice import recalculate, require_soffice

    require_soffice()
    saved = recalculate([wb], tmp_path / "lo")[wb]
    ours, theirs = reader.read(wb), reader.read(saved)
    assert theirs.usable and codes(theirs) == codes(ours) == set()
    assert theirs.filling == ours.filling


def test_inserted_row_values_are_reported_not_lost(wb):
    import openpyxl

    book = openpyxl.load_workbook(wb)
    ws = book["Realisasi"]
    ws.insert_rows(8)
    ws["D8"] = "Indikator tambahan dari operator"
    ws["J8"] = 0.75
    book.save(wb)
    data = reader.read(wb)
    inserted = [f for f in data.findings if f.code == "ROW_INSERTED"]
    assert [f.cell for f in inserted] == ["D8"] and "J8=0.75" in inserted[0].value
    # the rows below moved down one and are still read by their id
    assert set(data.filling.realisasi) == {i.id for i in DEF.indikator}


def test_a_value_under_a_merged_range_is_reported_not_read(wb):
    """A merged range shows only its top-left cell. openpyxl moves cells, not merged ranges, when a
    script inserts rows above one, so a value ends up under it that no one sees: reported at its
    cell and not read (fuzz seed 12, case 3286, in Rencana Aksi)."""
    import openpyxl

    book = openpyxl.load_workbook(wb)
    ws = book["Anggaran"]
    pagu = ws["G9"].value
    ws.merge_cells("F10:G10")
    ws.insert_rows(9)  # the line on row 9 moves to row 10, under F10:G10
    book.save(wb)
    data = reader.read(wb)
    hidden = {f.cell: f for f in data.findings if f.code == "MERGED_HIDDEN"}
    assert hidden["G10"].value == str(pagu) and "F10:G10" in hidden["G10"].message
    assert pagu not in data.filling.pagu_awal.values()
    # the template's own merged total label (A18:F18) stayed too, over a line that moved into row 18
    assert set(hidden) == {"G10", "B18", "C18", "D18", "E18", "F18"}


def test_an_iso_date_under_a_merged_range_is_blanked_too(wb, tmp_path):
    """A date written as such (t="d") is read apart from the other values; under a merged range it
    is hidden like them, not restored afterwards."""
    import re

    import openpyxl
    from hostile import rezip

    from lkjxl import xlsxread

    book = openpyxl.load_workbook(wb)
    book["Anggaran"].merge_cells("F10:G10")
    book.save(wb)
    part = "xl/worksheets/sheet5.xml"  # Anggaran
    with zipfile.ZipFile(wb) as z:
        xml = z.read(part).decode()
    xml, n = re.subn(
        r'<c r="G10"[^>]*/>|<c r="G10".*?</c>', '<c r="G10" s="1" t="d"><v>2024-08-05T00:00:00</v></c>', xml
    )
    assert n == 1
    bad = tmp_path / "tanggal.xlsx"
    bad.write_bytes(rezip(wb.read_bytes(), {part: xml.encode()}))
    sheet = xlsxread.load(bad).sheets["Anggaran"]
    assert [(cell, merged) for cell, merged, _ in sheet.hidden] == [("G10", "F10:G10")]
    assert sheet.cells[(9, 6)].value is None  # kept for its style, blank


def test_reading_leaves_the_garbage_collector_as_it_found_it(wb, monkeypatch):
    """read_many pauses automatic collection per batch (a speed measure); the caller's setting,
    on or off, is back afterwards, also when a batch fails."""
    import gc

    assert gc.isenabled()
    reader.read(wb)
    assert gc.isenabled()
    gc.disable()
    try:
        reader.read(wb)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def fail(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(reader, "_recompute", fail)
    with pytest.raises(RuntimeError):
        reader.read(wb)
    assert gc.isenabled()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_set_is_cut_into_batches_that_end_small(workers):
    """Every file in one batch, in order; full batches first, the last ones small enough that the
    workers finish nearly together."""
    for count in range(0, 700, 7):
        batches = reader._batches(list(range(count)), workers)
        assert [n for batch in batches for n in batch] == list(range(count))
        sizes = [len(batch) for batch in batches]
        assert all(1 <= size <= reader.BATCH for size in sizes) and sizes == sorted(sizes, reverse=True)
        assert sum(sizes[-2 * workers :]) <= max(4 * 2 * workers, reader.BATCH)


def test_a_set_checked_in_two_processes_gives_each_file_its_own_findings(tmp_path, monkeypatch):
    """`check` reads a set in worker processes, a batch at a time; each file must get back
    exactly the findings a read in this process gives it, in the order the files were given."""
    monkeypatch.setattr(reader, "BATCH", 2)  # five files: three batches over two workers
    assert [len(batch) for batch in reader._batches(list(range(5)), 2)] == [2, 2, 1]
    files = [
        edit(filled(tmp_path / "a.xlsx", seed=1), '| Realisasi | J7 | "85,5 %" |'),
        filled(tmp_path / "b.xlsx", seed=2),
        tmp_path / "rusak.xlsx",
        edit(filled(tmp_path / "c.xlsx", seed=4), "| Anggaran | P9 | -5 |"),
        edit(filled(tmp_path / "d.xlsx", seed=5), '| Anggaran | G8 | "satu juta" |'),
    ]
    files[2].write_bytes(b"PK\x03\x04 bukan zip")
    registry = reader.Registry([DEF])
    seen = []
    parallel = reader.findings_many(files, registry, workers=2, progress=lambda n, path: seen.append((n, path)))
    serial = [data.findings for data in reader.read_many(files, registry)]
    assert parallel == serial
    assert {f.code for f in parallel[2]} == {"UNUSABLE_FILE"}
    assert any(f.cell == "J7" for f in parallel[0]) and any(f.cell == "G8" for f in parallel[4])
    assert seen == [(n, path) for n, path in enumerate(files, start=1)]
