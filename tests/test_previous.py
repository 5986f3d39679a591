"""`consolidate --previous`: year over year in percentage points, nothing dropped, last year never counted."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from workbooks import DEF

from lkjxl import cli, synthetic, template
from lkjxl.model import Indikator, Level, Polarity, Satker, ValueKind
from lkjxl.results import budget_results, indikator_results

KEYS = [
    "satker",
    "nama",
    "baris",
    "sasaran",
    "indikator",
    "uraian",
    "cap_last",
    "cap_this",
    "cap_change",
    "ser_last",
    "ser_this",
    "ser_change",
    "pagu_last",
    "real_last",
    "pagu_this",
    "real_this",
    "note",
]
LAST_ONLY, THIS_ONLY = "SS06.IK09", "SS06.IK10"
HOSTILE = '=HYPERLINK("http://contoh.invalid","klik")'  # 1901's name last year: text, never a formula


def with_indicator(d, iid: str, year: int):
    """The definition of `year` with one more indicator under the last sasaran."""
    extra = Indikator(iid, f"Indikator khusus {year}", ValueKind.PERCENT, "%", Polarity.POSITIVE, Decimal("0.8"), "KUL")
    tujuan = list(d.tujuan)
    sasaran = list(tujuan[-1].sasaran)
    sasaran[-1] = dataclasses.replace(sasaran[-1], indikator=(*sasaran[-1].indikator, extra))
    tujuan[-1] = dataclasses.replace(tujuan[-1], sasaran=tuple(sasaran))
    return dataclasses.replace(d, year=year, tujuan=tuple(tujuan))


YEARS = {
    2023: (with_indicator(DEF, LAST_ONLY, 2023), ("1901", "1902", "1903"), 11),
    2024: (with_indicator(DEF, THIS_ONLY, 2024), ("1902", "1903", "1904"), 12),
}


def figures(d, fill) -> dict:
    """One satker's expected figures, from its filling through the rules engine, not from any output."""
    capaian = {r.indikator.id: r.capaian.value for r in indikator_results(d, fill)}
    lines = [b for b in budget_results(d, fill) if b.level == "output"]
    values = [v for v in capaian.values() if v is not None]
    pagu, spent = sum(b.pagu_akhir for b in lines), sum(b.realisasi for b in lines)
    return {
        "capaian": capaian,
        "mean": sum(values) / len(values) if values else None,
        "pagu": pagu,
        "spent": spent,
        "serapan": Decimal(spent) * 100 / Decimal(pagu) if pagu else None,
    }


def run(*args: str) -> int:
    return cli.main([str(a) for a in args])


@pytest.fixture(scope="module")
def years(tmp_path_factory) -> dict:
    """Two years of one province, consolidated: 2023 plainly, 2024 with --previous and an expected list."""
    root = tmp_path_factory.mktemp("tahun")
    expected = {}
    for year, (d, codes, seed) in YEARS.items():
        rng = random.Random(seed)
        for code in codes:
            fill = synthetic.random_filling(d, rng)
            name = HOSTILE if (year, code) == (2023, "1901") else f"KPU Kota Uji {code}"
            satker = Satker(code, name, Level.KABKOTA, "19")
            template.write(d, satker, root / str(year) / f"{code}.xlsx", None, fill)
            expected[(year, code)] = figures(d, fill)
    satker_list = root / "satker.csv"
    satker_list.write_text(
        "code,name,level,parent\n" + "".join(f"{c},KPU Kota Uji {c},kabkota,19\n" for c in ("1901", *YEARS[2024][1]))
    )
    assert run("consolidate", root / "2023", "-o", root / "2023.xlsx") == 0
    out = root / "2024.xlsx"
    previous = ("--previous", root / "2023.xlsx", "--expected", satker_list)
    assert run("consolidate", root / "2024", "-o", out, *previous) == 0
    return {"root": root, "out": out, "expected": expected, "satker_list": satker_list, "previous": previous}


def rows(path: Path) -> list[dict]:
    ws = openpyxl.load_workbook(path, data_only=True, read_only=True)["Perbandingan"]
    out = []
    for values in ws.iter_rows(min_row=5, values_only=True):
        out.append({k: (None if v == "" else v) for k, v in zip(KEYS, values, strict=False)})
    return out


def close(got, want) -> bool:
    if want is None:
        return got is None
    return isinstance(got, int | float) and math.isclose(got, float(want), rel_tol=1e-12, abs_tol=1e-9)


def change(last, this):
    return None if last is None or this is None else this - last


def test_satker_changes_in_poin_equal_the_inputs(years):
    exp = years["expected"]
    satker_rows = {r["satker"]: r for r in rows(years["out"]) if r["baris"] == "Satker"}
    assert set(satker_rows) == {"1901", "1902", "1903", "1904"}
    for code, row in satker_rows.items():
        last, this = exp.get((2023, code)), exp.get((2024, code))
        for key, side in (("last", last), ("this", this)):
            assert close(row[f"cap_{key}"], side and side["mean"]), (code, key)
            assert close(row[f"ser_{key}"], side and side["serapan"]), (code, key)
            assert row[f"pagu_{key}"] == (side and side["pagu"]) and row[f"real_{key}"] == (side and side["spent"])
        assert close(row["cap_change"], change(last and last["mean"], this and this["mean"])), code
        assert close(row["ser_change"], change(last and last["serapan"], this and this["serapan"])), code


def test_the_total_is_a_mean_of_satker_means_and_serapan_from_summed_rupiah(years):
    exp = years["expected"]
    total = next(r for r in rows(years["out"]) if r["baris"] == "JUMLAH / RATA-RATA SATKER")
    for key, year in (("last", 2023), ("this", 2024)):
        sides = [v for (y, _), v in exp.items() if y == year]
        means = [s["mean"] for s in sides if s["mean"] is not None]
        pagu, spent = sum(s["pagu"] for s in sides), sum(s["spent"] for s in sides)
        assert close(total[f"cap_{key}"], sum(means) / len(means))
        assert total[f"pagu_{key}"] == pagu and total[f"real_{key}"] == spent
        assert close(total[f"ser_{key}"], Decimal(spent) * 100 / Decimal(pagu))  # never a mean of percentages
    assert close(total["ser_change"], Decimal(str(total["ser_this"])) - Decimal(str(total["ser_last"])))


def test_indicator_changes_are_matched_by_id_and_satker(years):
    exp = years["expected"]
    checked = 0
    for row in rows(years["out"]):
        if row["baris"] != "Indikator":
            continue
        last = exp.get((2023, row["satker"]), {"capaian": {}})["capaian"].get(row["indikator"])
        this = exp.get((2024, row["satker"]), {"capaian": {}})["capaian"].get(row["indikator"])
        assert close(row["cap_last"], last) and close(row["cap_this"], this), row
        assert close(row["cap_change"], change(last, this)), row
        checked += row["cap_change"] is not None
    assert checked > 10


def test_satker_and_indicators_of_one_year_only_are_listed_with_a_note(years):
    table = rows(years["out"])
    notes = {(r["satker"], r["baris"], r["indikator"]): r["note"] for r in table if r["satker"]}
    assert notes[("1901", "Satker", None)] == "hanya tahun lalu; tahun ini belum ada"  # expected, not sent
    assert notes[("1904", "Satker", None)] == "hanya tahun ini"
    assert notes[("1902", "Satker", None)] is None
    for code in ("1902", "1903"):
        assert notes[(code, "Indikator", LAST_ONLY)] == "hanya tahun lalu"
        assert notes[(code, "Indikator", THIS_ONLY)] == "hanya tahun ini"
    for code, year in (("1901", 2023), ("1904", 2024)):  # every indicator of a one-year satker is listed
        listed = {r["indikator"] for r in table if r["satker"] == code and r["baris"] == "Indikator"}
        assert listed == {i.id for i in YEARS[year][0].indikator}
    gone = next(r for r in table if r["satker"] == "1901" and r["baris"] == "Satker")
    assert gone["cap_this"] is None and gone["pagu_this"] is None and gone["cap_change"] is None
    assert gone["nama"] == HOSTILE
    ws = openpyxl.load_workbook(years["out"])["Perbandingan"]
    assert next(c for c in ws["B"] if c.value == HOSTILE).data_type == "s"


def test_last_year_is_a_comparison_source_never_an_input(years):
    out, root = years["out"], years["root"]
    plain = root / "2024-tanpa.xlsx"
    assert run("consolidate", root / "2024", "-o", plain, "--expected", years["satker_list"]) == 0
    with_previous, without = openpyxl.load_workbook(out), openpyxl.load_workbook(plain)
    for sheet in ("Ringkasan", "Anggaran", "Data", "Data Anggaran"):
        assert list(with_previous[sheet].values) == list(without[sheet].values), sheet
    sumber = list(with_previous["Sumber"].values)
    assert sumber[:-3] == list(without["Sumber"].values)  # reconciliation and inputs unchanged
    gap, note, source = sumber[-3:]
    assert set(gap) == {None}
    assert "bukan masukan tahun ini" in note[0]
    digest = hashlib.sha256((root / "2023.xlsx").read_bytes()).hexdigest()
    assert source[:3] == ("2023.xlsx", digest, "pembanding") and "Perbandingan" in source[7]


def test_identical_inputs_give_identical_bytes(years):
    root = years["root"]
    again = root / "2024-lagi.xlsx"
    assert run("consolidate", root / "2024", "-o", again, *years["previous"]) == 0
    assert again.read_bytes() == years["out"].read_bytes()


def test_last_year_in_the_input_folder_is_not_read_as_an_input(years, tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    for f in (years["root"] / "2024").iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "2023.xlsx").write_bytes((years["root"] / "2023.xlsx").read_bytes())
    assert run("consolidate", folder, "-o", tmp_path / "out.xlsx", "--previous", folder / "2023.xlsx") == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root, tmp: tmp / "tidak-ada.xlsx", "tidak ditemukan"),
        (lambda root, tmp: _text(tmp / "rusak.xlsx"), "bukan buku kerja konsolidasi"),
        (lambda root, tmp: root / "2024" / "1902.xlsx", "bukan buku kerja konsolidasi"),  # a satker workbook
        (lambda root, tmp: _damaged(root / "2023.xlsx", tmp / "rusak.xlsx"), "tidak dapat dibaca"),
        (lambda root, tmp: root / "2024-tanpa.xlsx", "tidak lebih awal dari tahun ini (2024)"),
    ],
    ids=["missing", "text", "satker-workbook", "damaged-consolidated", "same-year"],
)
def test_an_unusable_previous_file_is_a_usage_error(years, tmp_path, capsys, make, message):
    root = years["root"]
    if not (root / "2024-tanpa.xlsx").exists():
        assert run("consolidate", root / "2024", "-o", root / "2024-tanpa.xlsx") == 0
    capsys.readouterr()
    out = tmp_path / "out.xlsx"
    assert run("consolidate", root / "2024", "-o", out, "--previous", make(root, tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def _text(path: Path) -> Path:
    path.write_text("satker;capaian\n1901;90\n")
    return path


def _damaged(source: Path, path: Path) -> Path:
    """A consolidated workbook (its lkjxl_kind intact) whose Data sheets are cut in half."""
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(path, "w") as out:
        for info in z.infolist():
            body = z.read(info)
            out.writestr(info, body[: len(body) // 2] if info.filename.startswith("xl/worksheets/sheet8") else body)
    return path


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_comparison(years, tmp_path):
    from test_recalc_oracle import assert_libreoffice_agrees

    assert assert_libreoffice_agrees([years["out"]], tmp_path) > 100
