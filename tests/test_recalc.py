"""Recalculation: every formula cell gets a recomputed value; stale caches, typed-over
formulas and unsupported functions are reported; outputs keep formulas and cache the
recomputed values; lkjxl's own cached values and LibreOffice agree with it."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from libreoffice import cell_values, recalculate, require_soffice
from openpyxl.formula.translate import Translator
from test_recalc_oracle import DEF, SATKER, cases, same

from lkjxl import recalc, synthetic, template
from lkjxl import recalc_plan as rp
from lkjxl.recalc_parse import FormulaSyntaxError, a1, cell_name, parse, shape_key, tokenize
from lkjxl.xlexpr import XLError, col_letter


def codes(result, severity=("warning", "error")) -> list[tuple[str, str, str]]:
    return sorted((f.code, f.sheet, f.cell) for f in result.findings if f.severity in severity)


def sheet_xlsx(path: Path, cells: dict[str, object], cached: dict[str, object] | None = None, sheet="Data") -> Path:
    """A one-sheet workbook from {A1: value or "=formula"}; formulas cache `cached[A1]` (default 0)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for ref, value in cells.items():
        if isinstance(value, str) and value.startswith("="):
            ws.write_formula(ref, value, None, (cached or {}).get(ref, 0))
        elif value is None:
            ws.write_blank(ref, None)
        else:
            ws.write(ref, value)
    wb.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- lkjxl workbooks ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lkjxl_books(tmp_path_factory):
    """Filled workbooks under every rule variant (random and edge fillings) and a few more seeds."""
    out = tmp_path_factory.mktemp("lkjxl")
    books = [(name, d, fill) for name, d, fill in cases()]
    books += [
        (f"seed{s}", DEF, synthetic.random_filling(DEF, random.Random(100 + s), missing_rate=0.3)) for s in range(3)
    ]
    paths = {name: template.write(d, SATKER, out / f"{name}.xlsx", None, fill) for name, d, fill in books}
    expected = {name: template.build(d, None, fill).evaluate() for name, d, fill in books}
    return paths, expected


def test_lkjxl_workbooks_recalculate_to_their_cached_values(lkjxl_books):
    paths, expected = lkjxl_books
    results = recalc.recalc_many(list(paths.values()))
    checked = 0
    for (name, _), result in zip(paths.items(), results, strict=True):
        assert codes(result, ("info", "warning", "error")) == [], name
        assert result.stats.formula_cells == len(expected[name])
        for (sheet, row, col), want in expected[name].items():
            got = result.values[(sheet, f"{col_letter(col)}{row + 1}")]
            assert same(0.0 if want is None else want, got), f"{name} {sheet}!{col_letter(col)}{row + 1}"
            checked += 1
    assert checked > 4000


def test_a_set_is_evaluated_together_and_alone_alike(lkjxl_books):
    paths, _ = lkjxl_books
    some = list(paths.values())[:4]
    together = recalc.recalc_many(some + some)
    alone = [recalc.recalc_values(p) for p in some]
    for a, b in zip(together, alone + alone, strict=True):
        assert a.values == b.values
    parallel = recalc.recalc_many(some * 2, workers=2)
    assert [r.values for r in parallel] == [r.values for r in together]


@pytest.mark.libreoffice
def test_libreoffice_agrees_with_every_recomputed_value(lkjxl_books, tmp_path):
    require_soffice()
    paths, _ = lkjxl_books
    files = list(paths.values()) + [_semantics_book(tmp_path / "semantik.xlsx")]
    outputs = recalculate(files, tmp_path / "lo")
    wrong, checked = [], 0
    for path, result in zip(files, recalc.recalc_many(files), strict=True):
        theirs = cell_values(outputs[path])
        assert result.values.keys() <= theirs.keys()  # LibreOffice saves a typed TRUE as =TRUE()
        for key, value in ((k, theirs[k]) for k in result.values):
            formula = SEMANTICS[int(key[1][1:]) - 1] if path.stem == "semantik" and key[1][0] == "K" else None
            expected = EXCEL_NOT_LIBREOFFICE.get(formula, value)
            checked += 1
            if not same(result.values[key], expected):
                wrong.append(f"{path.name} {key}: lkjxl {result.values[key]!r}, LibreOffice {value!r}")
    assert wrong == [], "\n".join(wrong[:20])
    assert checked > 4500 and set(EXCEL_NOT_LIBREOFFICE) <= set(SEMANTICS)


# A table of Excel semantics: blank vs "" vs 0, coercion, criteria, lookups, rounding, errors.
SEMANTICS_INPUTS = {
    "A1": None, "A2": '=""', "A3": "abc", "A4": 5, "A5": True, "A6": 0.1, "A7": "=1/0",
    "B1": 1, "B2": 2, "B3": 3, "B4": "2", "B5": True, "B6": 4,
    "C1": "a", "C2": "B", "C3": "ab", "C4": '=""', "C6": "b",
    "D1": 1, "D2": 2, "D3": 3, "D4": 4, "D5": 5, "E1": "satu", "E2": "dua", "E3": "tiga", "E4": "empat", "E5": "lima",
    "G1": "a", "H1": "b", "I1": "c", "G2": 10, "H2": 20, "I2": 30, "F1": "3", "F2": " 4 ",
}  # fmt: skip
SEMANTICS = [
    'A1=""', "A1=0", 'A2=""', "A2=0", 'A3="ABC"', "A4>5", 'A4="5"', "A5=TRUE", "A5=1",
    "A1+1", "A3*2", 'A2&"x"', 'A4&"x"', 'A6&""', 'A5&""', 'A7&""', "F1+F2",
    "SUM(A1:A7)", "SUM(A4,A5)", 'SUM("5",TRUE)', "SUM(A3)", "COUNT(A1:A7)", "COUNTA(A1:A7)", "COUNTBLANK(A1:A7)",
    "AVERAGE(A1:A3)", "MIN(A1:A3)", "MAX(B1:B6)", "AVERAGE(C1:C6)", "SUM(F1:F3)",
    'IF(A1,"y","n")', 'IF(A3,"y","n")', 'IF(A2,"y","n")', "IF(0,1)", 'IF(A1="",A1,5)', 'IF(1,A1,5)=""',
    'IFERROR(A4/A1,"div")', "ISBLANK(A2)", "ISTEXT(A2)", "AND(A4>1,A3=\"abc\")", "OR(A1:A3)", "NOT(A4)",
    'COUNTIF(B1:B6,">2")', 'COUNTIF(B1:B6,"2")', 'COUNTIF(B1:B6,"<>2")', 'COUNTIF(C1:C6,"a*")', 'COUNTIF(C1:C6,"")',
    'COUNTIF(C1:C6,"<>")', 'COUNTIF(C1:C6,"=")', 'COUNTIF(C1:C6,"B")', "COUNTIF(B1:B6,A1)", 'COUNTIF(B1:B6,">"&A4)',
    'SUMIF(C1:C6,"a*",B1:B6)', 'SUMIFS(B1:B6,C1:C6,"<>b")', 'AVERAGEIF(C1:C6,"b",B1:B6)', 'AVERAGEIF(C1:C6,"zz",B1:B6)',
    'COUNTIFS(B1:B6,">=2",C1:C6,"?")', 'MATCH("B",C1:C6,0)', "MATCH(4.5,D1:D5,1)", 'MATCH("x",C1:C6,0)', 'MATCH("a?",C1:C6,0)',
    "VLOOKUP(3,D1:E5,2,FALSE)", "VLOOKUP(3.5,D1:E5,2)", "VLOOKUP(0,D1:E5,2)", "VLOOKUP(3,D1:E5,3,FALSE)",
    'HLOOKUP("b",G1:I2,2,FALSE)', "INDEX(D1:E5,2,2)", "INDEX(D1:D5,4)", "INDEX(D1:E5,9,1)",
    "ROUND(2.675,2)", "ROUND(14061000/20000000*100,2)", "ROUND(-2.5,0)", "ROUND(1234.5,-2)", "TRUNC(-7.89,1)",
    "ROUNDUP(1.21,1)", "INT(-2.5)", "MOD(-7,3)", "MOD(7,0)", "SQRT(-1)", "0.1+0.2=0.3", "(0.1+0.2)-0.3", "-2^2", "50%",
    '"10"/4', '"a"+1', "A7+1", "D3*2", "IF(D1:D5>2,1,0)", "LEN(C2)", 'TRIM("  a  b ")', "ISNA(NA())", 'CHOOSE(2,"a","b")',
]  # fmt: skip
# Where LibreOffice departs from Excel (it has no boolean cells; error codes), Excel's value.
EXCEL_NOT_LIBREOFFICE = {
    "A5=1": False, 'A5&""': "TRUE", "SUM(A4,A5)": 5, 'SUM("5",TRUE)': 6, "COUNT(A1:A7)": 2,
    'SUMIFS(B1:B6,C1:C6,"<>b")': 4, "VLOOKUP(3,D1:E5,3,FALSE)": "#REF!", "INDEX(D1:E5,9,1)": "#REF!", "SQRT(-1)": "#NUM!",
}  # fmt: skip


def _semantics_book(path: Path) -> Path:
    cells = dict(SEMANTICS_INPUTS)
    cells.update({f"K{n + 1}": "=" + f for n, f in enumerate(SEMANTICS)})
    return sheet_xlsx(path, cells, {"A2": "", "C4": "", "A7": "#DIV/0!"}, sheet="S")


def test_semantics_follow_excel(tmp_path):
    result = recalc.recalc_values(_semantics_book(tmp_path / "s.xlsx"))
    got = {f: result.values[("S", f"K{n + 1}")] for n, f in enumerate(SEMANTICS)}
    assert got['A1=""'] is True and got["A1=0"] is True and got['A2=""'] is True and got["A2=0"] is False
    assert got['A3="ABC"'] is True and got['A4="5"'] is False and got["A5=1"] is False
    assert got["A1+1"] == 1 and got["A3*2"] == XLError("#VALUE!") and got["F1+F2"] == 7
    assert got["SUM(A1:A7)"] == XLError("#DIV/0!") and got["SUM(A4,A5)"] == 5 and got['SUM("5",TRUE)'] == 6
    assert got["COUNTA(A1:A7)"] == 6 and got["COUNTBLANK(A1:A7)"] == 2 and got["AVERAGE(C1:C6)"] == XLError("#DIV/0!")
    assert got['IF(1,A1,5)=""'] is True and got['IF(A1="",A1,5)'] == 0 and got["IF(0,1)"] is False
    assert got['COUNTIF(C1:C6,"<>")'] == 5 and got['COUNTIF(C1:C6,"")'] == 2 and got['COUNTIF(C1:C6,"B")'] == 2
    assert got['MATCH("a?",C1:C6,0)'] == 3 and got["VLOOKUP(3.5,D1:E5,2)"] == "tiga"
    assert got["VLOOKUP(0,D1:E5,2)"] == XLError("#N/A")
    assert (
        got["ROUND(2.675,2)"] == 2.68 and got["ROUND(14061000/20000000*100,2)"] == 70.31 and got["ROUND(-2.5,0)"] == -3
    )
    assert got["0.1+0.2=0.3"] is True and got["(0.1+0.2)-0.3"] == 0 and got["-2^2"] == 4
    assert got["IF(D1:D5>2,1,0)"] == XLError("#VALUE!") and got["D3*2"] == 6


# -- stale caches, typed-over formulas, templates ------------------------------------------------


def test_wrong_cached_values_are_fixed_and_reported(tmp_path):
    src = sheet_xlsx(
        tmp_path / "basi.xlsx",
        {"A1": 10, "A2": 32, "B1": "=A1*2", "B2": "=A2*2", "C1": '=IF(B1>B2,"naik","turun")', "C2": "=SUM(B1:B2)"},
        {"B1": 20, "B2": 99, "C1": "naik", "C2": 0},
    )
    result = recalc.recalc_file(src, tmp_path / "hasil.xlsx")
    assert codes(result) == [
        ("CACHE_STALE", "Data", "B2"),
        ("CACHE_STALE", "Data", "C1"),
        ("CACHE_STALE", "Data", "C2"),
    ]
    stale = {f.cell: f for f in result.findings}
    assert stale["B2"].value == "99" and stale["B2"].message.endswith("64")
    fixed = openpyxl.load_workbook(tmp_path / "hasil.xlsx", data_only=True)["Data"]
    assert [fixed["B2"].value, fixed["C1"].value, fixed["C2"].value] == [64, "turun", 84]
    assert codes(recalc.recalc_values(tmp_path / "hasil.xlsx")) == []


def test_a_number_typed_over_a_formula_is_reported(tmp_path):
    path = template.write(DEF, SATKER, tmp_path / "asli.xlsx", None, synthetic.random_filling(DEF, random.Random(5)))
    wb = openpyxl.load_workbook(path)
    cell = wb["Realisasi"]["AB9"]
    assert cell.data_type == "f" and wb["Realisasi"]["AB8"].data_type == wb["Realisasi"]["AB10"].data_type == "f"
    cell.value = 95.5
    wb.save(tmp_path / "ditimpa.xlsx")
    result = recalc.recalc_values(tmp_path / "ditimpa.xlsx")
    assert codes(result) == [("FORMULA_OVERWRITTEN", "Realisasi", "AB9")]
    typed = result.findings[0] if result.findings[0].code == "FORMULA_OVERWRITTEN" else result.findings[1]
    assert "95.5" in typed.message and '=IF(AA9="","",ROUND(AA9,2))' in typed.message
    assert {f.code for f in result.findings if f.severity == "info"} == {"RECALC_NO_CACHE"}  # openpyxl drops caches


def test_a_set_reports_formulas_that_differ_from_its_template(tmp_path):
    d = dataclasses.replace(DEF)
    paths = [
        template.write(d, SATKER, tmp_path / f"s{n}.xlsx", None, synthetic.random_filling(d, random.Random(n)))
        for n in range(4)
    ]
    wb = openpyxl.load_workbook(paths[3])
    wb["Realisasi"]["K7"] = "=J7*100/I7"  # the operator's own formula, without the template's guard
    wb["Anggaran"]["AB9"] = 0
    wb.save(paths[3])
    results = recalc.recalc_many(paths)
    assert [codes(r) for r in results[:3]] == [[], [], []]
    assert codes(results[3]) == [("FORMULA_OVERWRITTEN", "Anggaran", "AB9"), ("FORMULA_OVERWRITTEN", "Realisasi", "K7")]
    k7 = next(f for f in results[3].findings if f.cell == "K7")
    assert "=J7*100/I7" in k7.message and "IFERROR" in k7.message
    assert isinstance(results[3].values[("Realisasi", "K7")], float | XLError)  # still evaluated


def test_formula_unlike_its_column_is_a_hint(tmp_path):
    cells = {f"A{r}": r for r in range(1, 7)}
    cells.update({f"B{r}": f"=A{r}*2" for r in range(1, 7)})
    cells["B4"] = "=A4+100"
    result = recalc.recalc_values(
        sheet_xlsx(tmp_path / "kolom.xlsx", cells, {f"B{r}": r * 2 for r in range(1, 7)} | {"B4": 104})
    )
    assert codes(result, ("info",)) == [("RECALC_UNUSUAL", "Data", "B4")]
    assert result.problems == []


# -- any workbook, unsupported functions, outputs -------------------------------------------------------


def test_any_workbook_is_recalculated(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Harga"
    for row in [
        ("kode", "barang", "harga"),
        ("A", "Apel", 10),
        ("B", "Bayam", 20.5),
        ("C", "Cabai", None),
        ("D", "Durian", "7"),
    ]:
        ws.append(row)
    ws["E1"], ws["E2"], ws["E3"] = "=SUM(C2:C5)", '=IF(E1>20,"mahal","murah")', '=VLOOKUP("B",A2:C5,3,FALSE)'
    ws["E4"], ws["E5"] = '=IFERROR(VLOOKUP("Z",A2:C5,3,FALSE),"tidak ada")', "=C5*2"
    other = wb.create_sheet("Ringkas Harga")
    other["A1"], other["A2"] = "=Harga!E1*2", "='Ringkas Harga'!A1+SUMPRODUCT(Harga!C2:C3,Harga!C2:C3)"
    wb.save(tmp_path / "bebas.xlsx")
    result = recalc.recalc_values(tmp_path / "bebas.xlsx")
    assert result.values == {
        ("Harga", "E1"): 30.5,
        ("Harga", "E2"): "mahal",
        ("Harga", "E3"): 20.5,
        ("Harga", "E4"): "tidak ada",
        ("Harga", "E5"): 14.0,
        ("Ringkas Harga", "A1"): 61.0,
        ("Ringkas Harga", "A2"): 61.0 + 10**2 + 20.5**2,
    }
    assert {f.code for f in result.findings} == {"RECALC_NO_CACHE", "RECALC_FALLBACK"}  # SUMPRODUCT via formulas


def test_unsupported_functions_are_reported_by_cell_and_the_input_is_untouched(tmp_path):
    src = sheet_xlsx(
        tmp_path / "asing.xlsx",
        {"A1": 2, "B1": '=WEBSERVICE("http://contoh")', "B2": "=FOO(1)", "B3": "=A1*3", "B4": "=B5+1", "B5": "=B4+1"},
        {"B1": "lama", "B2": 7, "B3": 6},
    )
    before = digest(src)
    code, lines = recalc.run_cli(src, tmp_path / "keluar.xlsx")
    assert digest(src) == before
    assert code == 1
    result = recalc.recalc_values(src)
    assert codes(result) == [
        ("RECALC_CIRCULAR", "Data", "B4"),
        ("RECALC_CIRCULAR", "Data", "B5"),
        ("RECALC_UNSUPPORTED", "Data", "B1"),
        ("RECALC_UNSUPPORTED", "Data", "B2"),
    ]
    assert any("Data!B1" in line and "WEBSERVICE" in line for line in lines)
    out = openpyxl.load_workbook(tmp_path / "keluar.xlsx", data_only=True)["Data"]
    assert (out["B1"].value, out["B2"].value, out["B3"].value) == ("lama", 7, 6)  # kept, kept, recomputed


def test_output_keeps_formulas_and_caches_recomputed_values(tmp_path):
    path = template.write(DEF, SATKER, tmp_path / "t.xlsx", None, synthetic.random_filling(DEF, random.Random(3)))
    wb = openpyxl.load_workbook(path)
    wb["Anggaran"]["G8"] = 123_456_789  # an input changed after the cache was written
    wb.save(tmp_path / "ubah.xlsx")
    before = digest(tmp_path / "ubah.xlsx")
    result = recalc.recalc_file(tmp_path / "ubah.xlsx", tmp_path / "hasil.xlsx")
    assert digest(tmp_path / "ubah.xlsx") == before
    formulas = openpyxl.load_workbook(tmp_path / "ubah.xlsx")
    out_f = openpyxl.load_workbook(tmp_path / "hasil.xlsx")
    out_v = openpyxl.load_workbook(tmp_path / "hasil.xlsx", data_only=True)
    for (sheet, ref), value in result.values.items():
        assert out_f[sheet][ref].value == formulas[sheet][ref].value  # the formula text is kept
        cached = out_v[sheet][ref].value
        assert same(value, "" if cached is None else cached), (sheet, ref)
    assert out_v["Anggaran"]["G8"].value == 123_456_789
    with zipfile.ZipFile(tmp_path / "ubah.xlsx") as a, zipfile.ZipFile(tmp_path / "hasil.xlsx") as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert changed and all(n.startswith("xl/worksheets/") for n in changed)


def test_unusable_inputs_exit_2(tmp_path):
    (tmp_path / "bukan.xlsx").write_text("bukan zip")
    code, lines = recalc.run_cli(tmp_path / "bukan.xlsx", tmp_path / "x.xlsx")
    assert code == 2 and "bukan.xlsx" in lines[0]
    assert recalc.run_cli(tmp_path / "hilang.xlsx", tmp_path / "x.xlsx")[0] == 2
    src = sheet_xlsx(tmp_path / "a.xlsx", {"A1": 1, "A2": "=A1+1"}, {"A2": 2})
    assert recalc.run_cli(src, src)[0] == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_whole_columns_read_every_cell_present_in_each_workbook(tmp_path):
    """A:A and 1:1 end at the last cell of the sheet they read (never at <dimension>), per workbook."""
    paths = []
    for n, rows in enumerate((5, 8, 5)):
        wb = xlsxwriter.Workbook(str(tmp_path / f"k{n}.xlsx"))
        data, calc = wb.add_worksheet("Data"), wb.add_worksheet("Hitung")
        for r in range(rows):
            data.write_number(r, 0, r + 1)
        calc.write_formula("A1", "=SUM(Data!A:A)", None, 0)
        calc.write_formula("A2", "=COUNT(Data!1:1)+COUNT(Data!A:A)", None, 0)
        wb.close()
        paths.append(tmp_path / f"k{n}.xlsx")
    values = [r.values for r in recalc.recalc_many(paths)]
    assert values == [
        {("Hitung", "A1"): 15.0, ("Hitung", "A2"): 6.0},
        {("Hitung", "A1"): 36.0, ("Hitung", "A2"): 9.0},
        {("Hitung", "A1"): 15.0, ("Hitung", "A2"): 6.0},
    ]


def test_a_running_total_is_recalculated(tmp_path):
    """SUM($A$1:A5) filled down: the range grows row by row, so its cells are evaluated one by one."""
    cells = {f"A{r}": r for r in range(1, 6)} | {f"B{r}": f"=SUM($A$1:A{r})" for r in range(1, 6)}
    result = recalc.recalc_values(sheet_xlsx(tmp_path / "kumulatif.xlsx", cells, {f"B{r}": 0 for r in range(1, 6)}))
    assert [result.values[("Data", f"B{r}")] for r in range(1, 6)] == [1.0, 3.0, 6.0, 10.0, 15.0]
    assert codes(result) == [("CACHE_STALE", "Data", f"B{r}") for r in range(1, 6)]


# -- reading what Excel writes ---------------------------------------------------------------------

_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:XFD1048576"/>
<x:sheetData>{rows}</x:sheetData></x:worksheet>"""


def _excel_like(path: Path, rows: str, prefixed: bool) -> Path:
    """A workbook as Excel saves it: shared formulas, inline strings, a bogus <dimension>."""
    if prefixed:
        rows = re.sub(r"<(/?)(row|c|f|v|is|t)\b", r"<\1x:\2", rows)
    sheet = _SHEET.format(rows=rows)
    if not prefixed:
        sheet = sheet.replace("x:", "").replace("xmlns:x=", "xmlns=")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Lembar 1" sheetId="1" r:id="rId1"/></sheets>'
        "<definedNames><definedName name=\"Nilai\">'Lembar 1'!$A$1:$A$4</definedName></definedNames></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


EXCEL_ROWS = (
    '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B4" si="0">A1*10</f><v>10</v></c>'
    '<c r="C1" t="inlineStr"><is><t>teks &amp; angka</t></is></c></row>'
    '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>20</v></c></row>'
    '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>999</v></c></row>'
    '<row r="4"><c r="A4"><v>4</v></c><c r="B4"><f t="shared" si="0"/></c>'
    '<c r="C4" t="str"><f>C1&amp;"!"</f><v>teks &amp; angka!</v></c><c r="D4"><f>SUM(A:A)+SUM(Nilai)</f><v>20</v></c></row>'
)


@pytest.mark.parametrize("prefixed", [False, True], ids=["plain", "prefixed"])
def test_excel_saved_workbooks_are_read_as_written(tmp_path, prefixed):
    path = _excel_like(tmp_path / "excel.xlsx", EXCEL_ROWS, prefixed)
    result = recalc.recalc_file(path, tmp_path / "out.xlsx")
    assert result.values == {
        ("Lembar 1", "B1"): 10.0, ("Lembar 1", "B2"): 20.0, ("Lembar 1", "B3"): 30.0, ("Lembar 1", "B4"): 40.0,
        ("Lembar 1", "C4"): "teks & angka!", ("Lembar 1", "D4"): 20.0,
    }  # fmt: skip
    assert codes(result) == [("CACHE_STALE", "Lembar 1", "B3")]
    out = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Lembar 1"]
    assert [out["B3"].value, out["B4"].value, out["C4"].value] == [30, 40, "teks & angka!"]


# -- shapes --------------------------------------------------------------------------------------

FORMULAS = [
    'IF(OR(J6="",I6=""),"",IFERROR((J6*100)/I6,""))',
    "SUM($A$1:B2,'Rencana Aksi'!C3,Anggaran!$G7)-Agr_Total_PaguAkhir*2%",
    'COUNTIFS(Real_Sasaran,B6,Real_CapaianDasar,">=0")',
    'IF(A1<>"",-A1^2&"x",MATCH(A1,Daftar_AKIP,0))',
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FORMULAS), st.integers(0, 40), st.integers(0, 20))
def test_a_formula_filled_elsewhere_keeps_its_shape(formula, dr, dc):
    """A formula moved as a fill moves it (openpyxl's translator) has the same shape; its text re-renders."""
    row, col = 6, 10
    moved = Translator("=" + formula, origin=cell_name(row, col)).translate_formula(cell_name(row + dr, col + dc))[1:]
    key = shape_key(tokenize(formula, row, col))
    assert shape_key(tokenize(moved, row + dr, col + dc)) == key
    rendered = a1(parse(tokenize(formula, row, col)), "Realisasi", row + dr, col + dc)
    assert parse(tokenize(rendered, row + dr, col + dc)) == parse(tokenize(moved, row + dr, col + dc))


def _parsed_shape(formula: str, row: int, col: int) -> str:
    try:
        tokens = tokenize(formula, row, col)
        parse(tokens)
        return shape_key(tokens)
    except FormulaSyntaxError:
        return "\0" + formula


FILLED = [*FORMULAS, "SUM($3:4)+COUNT(5:$6)*A$2+$B1"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(FILLED), st.integers(0, 4), st.integers(0, 1), st.integers(0, 99), st.integers(-4, 4)
        ),
        max_size=8,
    )
)
def test_a_formula_filled_down_has_the_shape_its_own_tokens_give(cells):
    """`shape_of` takes the shape of a formula filled down from the last one of its column it parsed;
    a text that only looks so (one number moved by another amount: a constant, an absolute row, a
    relative one) is tokenised: every formula gets the shape its own tokens give."""
    rp._SHAPES.clear()
    rp._FILLED.clear()
    for formula, dr, dc, which, by in cells:
        row, col = 6 + dr, 10 + dc
        moved = Translator("=" + formula, origin=cell_name(6, 10)).translate_formula(cell_name(row, col))[1:]
        numbers = list(re.finditer("[0-9]+", moved))
        texts = [moved]
        if numbers:
            m = numbers[which % len(numbers)]
            texts.append(moved[: m.start()] + str(max(int(m.group()) + by, 0)) + moved[m.end() :])
        for text in texts:
            assert rp.shape_of(text, row, col) == _parsed_shape(text, row, col)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("A1048576*2", "A1048577*2"),  # filled off the sheet
        ("$A$1+A6", "$A$2+A7"),  # an absolute row that moved too
        ("SUM($3:6)", "SUM($4:7)"),
        ("SUM(B$1:B6)", "SUM(B$2:B7)"),
    ],
)
def test_a_formula_that_only_looks_filled_down_gets_its_own_shape(first, then):
    rp._SHAPES.clear()
    rp._FILLED.clear()
    rp.shape_of(first, 1048574, 1)
    assert rp.shape_of(then, 1048575, 1) == _parsed_shape(then, 1048575, 1)


def test_formulas_of_different_tokens_have_different_shapes():
    """Spaces are dropped, but never join two tokens into one shape (`AB CD` evaluated as the name ABCD)."""
    for one, two in [("ABCD", "AB CD"), ("12", "1 2"), ("A1", "A 1")]:
        assert rp.shape_of(one, 0, 0) != rp.shape_of(two, 0, 0)
        assert rp.shape_of(two, 0, 0) == _parsed_shape(two, 0, 0)
