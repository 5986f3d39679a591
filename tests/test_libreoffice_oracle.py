"""Prove that the LibreOffice oracle (tests/libreoffice.py) really recalculates.

Every workbook here is written with deliberately WRONG cached values (999).
If LibreOffice merely re-saved the cached values - which is what plain
``soffice --convert-to xlsx`` does - these tests would see 999 and fail.

All workbooks are converted in ONE soffice call (module-scoped fixture),
which also exercises batching and basename collisions.

When soffice is missing the tests are skipped locally but FAIL when the
environment variable ``CI`` is set, so CI can never go green without the
oracle having run.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

try:
    from libreoffice import cell_values, recalculate, require_soffice, soffice_path
except ImportError:  # tests/ turned into a package
    from tests.libreoffice import cell_values, recalculate, require_soffice, soffice_path

pytestmark = pytest.mark.libreoffice

WRONG = 999


def _strip_full_calc_on_load(path: Path) -> None:
    """Remove ``fullCalcOnLoad="1"`` (xlsxwriter writes it by default).

    Proves that recalculation comes from our profile setting, not from a flag
    in the file (LibreOffice ignores that flag with its default settings).
    """
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                assert b'fullCalcOnLoad="1"' in data
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            zout.writestr(info, data)
    tmp.replace(path)


def _simple(path: Path, strip_flag: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write("A1", 21)
    ws.write_formula("B1", "=A1*2", None, WRONG)
    wb.close()
    if strip_flag:
        _strip_full_calc_on_load(path)
    return path


# (formula, expected value) on sheet "Hitung"; data on sheet "Data",
# defined names Nilai = Data!$B$2:$B$6 and Target = Hitung!$A$1 (= 100).
FORMULAS = {
    "B1": ('=SUMIF(Data!A2:A6,"a",Data!B2:B6)', 40),
    "B2": ("=AVERAGE(Nilai)", 30),
    "B3": ("=ROUND(AVERAGE(Data!B2:B6)/7,2)", 4.29),
    "B4": ('=INDEX(Data!B2:B6,MATCH("c",Data!A2:A6,0))', 40),
    "B5": ('=IFERROR(MATCH("zzz",Data!A2:A6,0),-1)', -1),
    "B6": ('=IF(SUM(Nilai)>=Target,"Tercapai","Belum")', "Tercapai"),
    "B7": ("=IFERROR(Target/0,0)", 0),
    "B8": ('=ROUND(IFERROR(SUMIF(Data!A2:A6,"b",Nilai)/Target*100,0),1)', 70),
    "B9": ("=Data!B6-Data!B2", 40),
    "B10": ("=INDEX(Nilai,MATCH(MAX(Nilai),Nilai,0))", 50),
}


def _formulas(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    calc = wb.add_worksheet("Hitung")
    data = wb.add_worksheet("Data")
    data.write_row("A1", ["Kode", "Nilai"])
    for r, (code, value) in enumerate([("a", 10), ("b", 20), ("a", 30), ("c", 40), ("b", 50)], start=2):
        data.write(f"A{r}", code)
        data.write(f"B{r}", value)
    calc.write("A1", 100)
    for cell, (formula, _expected) in FORMULAS.items():
        calc.write_formula(cell, formula, None, WRONG)
    wb.define_name("Nilai", "=Data!$B$2:$B$6")
    wb.define_name("Target", "=Hitung!$A$1")
    wb.close()
    _strip_full_calc_on_load(path)
    return path


def _quirks(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    hidden = wb.add_worksheet("Rahasia")
    hidden.write("A1", 5)
    hidden.very_hidden()
    ws.write("A1", 21)
    ws.write_formula("B1", "=A1>1", None, WRONG)  # boolean
    ws.write_formula("B2", '=IF(A1>100,1,"")', None, WRONG)  # empty string
    ws.write_formula("B3", "=1/0", None, WRONG)  # #DIV/0!
    ws.write_formula("B4", "=NA()", None, WRONG)  # #N/A
    ws.write_formula("B5", "=Rahasia!A1*2", None, WRONG)  # very hidden sheet
    ws.write_formula("B6", '="x"&A1', None, WRONG)  # string
    wb.define_name("Angka", "=S!$A$1")
    ws.write_formula("B7", "=Angka+1", None, WRONG)
    wb.close()
    _strip_full_calc_on_load(path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    """Build all workbooks and recalculate them in one soffice call.

    Returns ``None`` when soffice is missing; each test then skips or fails
    via :func:`require_soffice` (a failing fixture would only give errors).
    """
    if soffice_path() is None:
        return None
    base = tmp_path_factory.mktemp("lo_in")
    inputs = {
        # same basename in two folders: outputs must not collide
        "stripped": _simple(base / "a" / "book.xlsx", strip_flag=True),
        "flagged": _simple(base / "b" / "book.xlsx", strip_flag=False),
        "formulas": _formulas(base / "formulas.xlsx"),
        "quirks": _quirks(base / "quirks.xlsx"),
    }
    before = {p: _digest(p) for p in inputs.values()}
    listing = sorted(str(p) for p in base.rglob("*"))
    outdir = tmp_path_factory.mktemp("lo_out")
    mapping = recalculate(list(inputs.values()), outdir)
    return {
        "inputs": inputs,
        "mapping": mapping,
        "before": before,
        "listing": listing,
        "base": base,
    }


def _out(oracle, key: str) -> Path:
    return oracle["mapping"][oracle["inputs"][key]]


@pytest.mark.parametrize("key", ["stripped", "flagged"])
def test_wrong_cached_value_is_recalculated(oracle, key):
    require_soffice()
    src = oracle["inputs"][key]
    assert cell_values(src)[("S", "B1")] == WRONG  # the trap is armed
    assert cell_values(_out(oracle, key)) == {("S", "B1"): 42}


def test_functions_cross_sheet_and_defined_names(oracle):
    require_soffice()
    src_values = cell_values(oracle["inputs"]["formulas"])
    assert set(src_values.values()) == {WRONG}
    values = cell_values(_out(oracle, "formulas"))
    expected = {("Hitung", c): v for c, (_f, v) in FORMULAS.items()}
    assert values.keys() == expected.keys()
    for key, want in expected.items():
        got = values[key]
        if isinstance(want, str):
            assert got == want, key
        else:
            assert got == pytest.approx(want), key


def test_libreoffice_quirks(oracle):
    """Pin down how LibreOffice writes the awkward cases back to xlsx."""
    require_soffice()
    out = _out(oracle, "quirks")
    values = cell_values(out)
    assert values[("S", "B1")] is True  # t="b", <v>1</v>
    assert values[("S", "B2")] == ""  # t="str" with empty <v></v>
    assert values[("S", "B3")] == "#DIV/0!"  # t="e"
    assert values[("S", "B4")] == "#N/A"
    assert values[("S", "B5")] == 10
    assert values[("S", "B6")] == "x21"
    assert values[("S", "B7")] == 22

    wb = openpyxl.load_workbook(out)
    assert "Angka" in wb.defined_names  # defined names survive
    assert wb["S"]["B7"].value == "=Angka+1"
    # LibreOffice has no "very hidden": veryHidden comes back as plain hidden.
    assert wb["Rahasia"].sheet_state in ("hidden", "veryHidden")
    assert wb["Rahasia"].sheet_state != "visible"


def test_outputs_unique_and_inputs_untouched(oracle):
    require_soffice()
    mapping = oracle["mapping"]
    assert set(mapping) == set(oracle["inputs"].values())
    outs = list(mapping.values())
    assert len(set(outs)) == len(outs)
    assert all(p.is_file() and p.suffix == ".xlsx" for p in outs)
    assert {p.name for p in outs} == {"book.xlsx", "book-2.xlsx", "formulas.xlsx", "quirks.xlsx"}
    for src, digest in oracle["before"].items():
        assert _digest(src) == digest
    # no lock files or outputs dropped next to the inputs
    assert sorted(str(p) for p in oracle["base"].rglob("*")) == oracle["listing"]


def test_failure_raises_with_stderr(tmp_path):
    require_soffice()
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(RuntimeError, match="could not be loaded|no output"):
        recalculate([bad], tmp_path / "out")
