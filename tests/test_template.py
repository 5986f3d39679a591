"""The workbook contract: what every generated workbook guarantees to its readers."""

from __future__ import annotations

import os
import random
from pathlib import Path

import openpyxl
import pytest
from xlsxparts import differences, parts

from lkjxl import definition, structure, synthetic, template
from lkjxl.book import INPUT_FILL, OTHER_UNIT_FILL
from lkjxl.layout import SHEET_LISTS, SHEET_META

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
DEF = definition.load(ROOT / "workbook_templates" / "kabkota-2024.yaml")
SATKER = DEF.find_satker("1971")


@pytest.fixture(scope="module")
def wb_path(tmp_path_factory) -> Path:
    return template.write(DEF, SATKER, tmp_path_factory.mktemp("tpl") / "t.xlsx")


@pytest.fixture(scope="module")
def wb(wb_path):
    return openpyxl.load_workbook(wb_path)


def fills(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:].upper()


def test_sheets_in_order_with_hidden_lists_and_meta(wb):
    assert wb.sheetnames == [
        "Petunjuk",
        "PK",
        "Rencana Aksi",
        "Realisasi",
        "Anggaran",
        "Revisi",
        "Ringkasan",
        SHEET_LISTS,
        SHEET_META,
    ]
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    assert wb[SHEET_META].sheet_state == "veryHidden"


def test_metadata_in_properties_and_meta_sheet_agree(wb, wb_path):
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    sheet = {row[0].value: row[1].value for row in wb[SHEET_META].iter_rows()}
    assert props["lkjxl_satker_code"] == "1971" == sheet["lkjxl_satker_code"]
    assert props["lkjxl_satker_parent"] == "19"
    assert props["lkjxl_template_id"] == DEF.template.id and props["lkjxl_template_version"] == 1
    assert props["lkjxl_year"] == 2024 and sheet["lkjxl_year"] == "2024"
    embedded = "".join(v for k, v in sheet.items() if k.startswith(template.DEFINITION_KEY))
    assert definition.loads(embedded).indikator == DEF.indikator
    sheet = {k: v for k, v in sheet.items() if not k.startswith(template.DEFINITION_KEY)}
    assert {k: None if v is None else str(v) for k, v in props.items()} == sheet
    assert props["lkjxl_fingerprint"] == structure.file_fingerprint(wb_path)


def test_fingerprint_notices_an_overwritten_formula(wb_path, tmp_path):
    changed = openpyxl.load_workbook(wb_path)
    changed["Realisasi"]["K6"] = 100  # an operator types over the capaian formula
    changed.save(tmp_path / "changed.xlsx")
    stored = changed.custom_doc_props["lkjxl_fingerprint"].value
    assert structure.file_fingerprint(tmp_path / "changed.xlsx") != stored


def test_every_input_cell_lies_in_a_named_region(wb):
    regions = []
    for name, defn in wb.defined_names.items():
        for sheet, ref in defn.destinations:
            bounds = openpyxl.utils.cell.range_boundaries(ref.replace("$", ""))
            regions.append((sheet, bounds, name))
    unnamed = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.has_style and not cell.protection.locked:
                    inside = any(
                        s == ws.title and b[0] <= cell.column <= b[2] and b[1] <= cell.row <= b[3]
                        for s, b, _ in regions
                    )
                    if not inside:
                        unnamed.append(f"{ws.title}!{cell.coordinate}")
                    assert fills(cell) == INPUT_FILL.lstrip("#").upper(), f"{ws.title}!{cell.coordinate} not coloured"
    assert unnamed == []


def test_key_outputs_have_names(wb):
    names = set(wb.defined_names.keys())
    expected = {
        "Ring_CapaianKinerja",
        "Ring_CapaianKinerjaTampil",
        "Ring_KategoriKinerja",
        "Ring_Serapan",
        "Agr_Total_PaguAkhir",
        "Agr_Total_Realisasi",
        "Agr_Total_Sisa",
        "Real_ID",
        "Real_Capaian",
        "Real_Realisasi_P1",
        "Real_Realisasi_P4",
        "Agr_Kunci",
        "RA_Bulan_12",
        "Rev_Pagu",
        "PK_NIP_Pertama",
    }
    assert expected <= names


def test_formulas_locked_and_every_table_sheet_protected(wb):
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert cell.protection.locked, f"{ws.title}!{cell.coordinate}"


def test_dropdowns_come_from_named_lists(wb):
    sources = {dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert sources == {"Daftar_AKIP", "Daftar_BPK", "Daftar_Tanda", "Daftar_Unit", "Daftar_Otoritas"}
    real = wb["Realisasi"]
    kinds = {dv.type for dv in real.data_validations.dataValidation}
    assert kinds == {"list", "decimal"}
    messages = [dv.errorTitle for ws in wb.worksheets for dv in ws.data_validations.dataValidation]
    assert all(m and len(m) <= 32 for m in messages)


def test_print_setup(wb):
    for name in ("Realisasi", "Anggaran", "Rencana Aksi"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.print_title_rows == "$5:$5"
        assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_subbagian_workbook_edits_only_its_own_rows(tmp_path):
    kul = DEF.unit("KUL")
    wb = openpyxl.load_workbook(template.write(DEF, SATKER, tmp_path / "kul.xlsx", kul))
    real = wb["Realisasi"]
    owners = {
        row[0].row: row[0].value for row in real.iter_rows(min_row=6, min_col=real.max_column, max_col=real.max_column)
    }
    for row, owner in owners.items():
        cell = real.cell(row, 10)  # Realisasi TW I
        assert cell.protection.locked == (owner != "KUL"), (row, owner)
        if owner != "KUL":
            assert fills(cell) == OTHER_UNIT_FILL.lstrip("#").upper()
    agr = wb["Anggaran"]
    editable = {agr.cell(r, 5).value for r in range(6, agr.max_row + 1) if not agr.cell(r, 7).protection.locked}
    assert editable == {"KUL"}
    assert wb.custom_doc_props["lkjxl_subbagian"].value == "KUL"


def test_same_definition_gives_identical_bytes(tmp_path):
    first = template.write(DEF, SATKER, tmp_path / "a.xlsx").read_bytes()
    second = template.write(DEF, SATKER, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    other = template.write(DEF, DEF.find_satker("6372"), tmp_path / "c.xlsx")
    assert other.read_bytes() != first
    fp = openpyxl.load_workbook(other).custom_doc_props["lkjxl_fingerprint"].value
    assert fp == structure.file_fingerprint(tmp_path / "a.xlsx")  # structure does not depend on the satker


def test_satker_names_with_xml_characters_are_escaped(tmp_path):
    odd = SATKER.__class__("9999", 'KPU "Uji" & <Coba>', SATKER.level, "19", "Kota & Kab")
    wb = openpyxl.load_workbook(template.write(DEF, odd, tmp_path / "odd.xlsx"))
    assert wb["Realisasi"]["A2"].value.startswith('KPU "Uji" & <Coba>')
    assert wb.custom_doc_props["lkjxl_satker_name"].value == 'KPU "Uji" & <Coba>'


def test_write_all_writes_every_satker_and_subbagian(tmp_path):
    written = template.write_all(DEF, tmp_path)
    satkers = [s for s in DEF.satker if s.level is DEF.level]
    assert len(written) == len(satkers) * (1 + len(DEF.units))
    assert len({p.name for p in written}) == len(written)


GOLDEN_CASES = {
    "kabkota-2024_1971.xlsx": lambda: template.stamp(template.render(DEF), SATKER),
    "kabkota-2024_1971_KUL.xlsx": lambda: template.stamp(template.render(DEF, DEF.unit("KUL")), SATKER),
    "kabkota-2024_1971_terisi.xlsx": lambda: template.stamp(
        template.render(DEF, None, synthetic.random_filling(DEF, random.Random(7))), SATKER
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_matches_golden_workbook(name):
    """Structure, formulas and cached values, part by part; LibreOffice checks the values (below)."""
    actual = GOLDEN_CASES[name]()
    path = GOLDEN / name
    if os.environ.get("LKJXL_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
    assert differences(parts(actual), parts(path)) == []


def test_golden_cached_values_agree_with_libreoffice(tmp_path):
    """The independent route for the golden files: LibreOffice recalculates them from scratch."""
    from test_recalc_oracle import assert_libreoffice_agrees

    assert_libreoffice_agrees([GOLDEN / name for name in sorted(GOLDEN_CASES)], tmp_path)


test_golden_cached_values_agree_with_libreoffice = pytest.mark.libreoffice(
    test_golden_cached_values_agree_with_libreoffice
)
