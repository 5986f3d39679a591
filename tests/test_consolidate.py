"""Merge and consolidation: nothing lost, totals equal the inputs, rejects never stop the rest."""

from __future__ import annotations

import dataclasses
import random
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from workbooks import DEF, edit

from lkjxl import consolidate, merge, reader, report_xlsx, synthetic, template
from lkjxl.frames import AGR_COLUMNS, IND_COLUMNS, REV_COLUMNS
from lkjxl.model import Indikator, Level, Polarity, Satker, ValueKind


def satkers(province: str, n: int) -> list[Satker]:
    return [
        Satker(f"{province}{k:02d}", f"KPU Kota Uji {province}{k:02d}", Level.KABKOTA, province)
        for k in range(1, n + 1)
    ]


def write_province(directory: Path, province: str, n: int, seed: int, d=DEF) -> dict[str, tuple[int, int]]:
    """Filled satker workbooks; returns each satker's (pagu akhir, realisasi) computed from its filling."""
    rng = random.Random(seed)
    totals = {}
    for s in satkers(province, n):
        fill = synthetic.random_filling(d, rng)
        template.write(d, s, directory / f"{s.code}.xlsx", None, fill)
        from lkjxl.results import budget_results

        lines = [b for b in budget_results(d, fill) if b.level == "output"]
        totals[s.code] = (sum(b.pagu_akhir for b in lines), sum(b.realisasi for b in lines))
    return totals


def consolidate_to(inputs: list[Path], out: Path, **kw) -> consolidate.Collection:
    collection = consolidate.collect(inputs, workers=1, **kw)
    report_xlsx.write(collection, out, "Uji")
    return collection


def test_merge_takes_each_value_from_its_owner_and_reports_conflicts_and_missing_units(tmp_path):
    fill = synthetic.random_filling(DEF, random.Random(4), missing_rate=0)
    satker = DEF.find_satker("1971")
    paths = {u.code: template.write(DEF, satker, tmp_path / f"{u.code}.xlsx", u, fill) for u in DEF.units[:3]}
    # KUL types a value into PDI's indicator row (SS01.IK02, row 7) after unprotecting the sheet
    edit(paths["KUL"], "| sheet | cell | value |\n| Realisasi | J7 | 0.99 |")
    datas = [reader.read(p) for p in paths.values()]
    merged = merge.merge(datas)
    codes = {f.code for f in merged.findings}
    assert {"CONFLICT", "UNIT_MISSING"} <= codes
    conflict = next(f for f in merged.findings if f.code == "CONFLICT")
    assert "SS01.IK02" in conflict.message and "KUL.xlsx" in conflict.message and "PDI.xlsx" in conflict.message
    assert merged.filling.realisasi["SS01.IK02"] == fill.realisasi["SS01.IK02"]  # the owner's value wins
    owned = {i.id for i in DEF.indikator if i.owner in paths}
    assert set(merged.filling.realisasi) == owned  # HUKUM_SDM's rows stay empty: its file is missing
    out = template.write(DEF, satker, tmp_path / "satker.xlsx", None, merged.filling)
    again = reader.read(out)
    assert again.usable and not [f for f in again.findings if f.severity == "error"]


def test_a_conflict_with_a_missing_owner_names_the_missing_unit_once(tmp_path):
    fill = synthetic.random_filling(DEF, random.Random(4), missing_rate=0)
    satker = DEF.find_satker("1971")
    kul = template.write(DEF, satker, tmp_path / "KUL.xlsx", DEF.unit("KUL"), fill)
    edit(kul, "| sheet | cell | value |\n| Realisasi | J7 | 0.99 |")  # PDI's SS01.IK02; PDI sent nothing
    merged = merge.merge([reader.read(kul)])
    conflict = next(f for f in merged.findings if f.code == "CONFLICT")
    assert conflict.message.startswith("realisasi SS01.IK02 diisi berbeda: kosong (unit PDI tidak ada) dan 0.99 | ")


def test_three_levels_national_totals_equal_all_inputs(tmp_path):
    expected = {}
    provinces = []
    for n, prov in enumerate(("19", "21")):
        folder = tmp_path / prov
        expected |= write_province(folder, prov, 3, seed=n)
        # the province's own satker, sent as subbagian files
        own = Satker(prov, f"KPU Provinsi {prov}", Level.PROVINSI, "00")
        fill = synthetic.random_filling(DEF, random.Random(100 + n))
        for unit in DEF.units:
            template.write(DEF, own, folder / f"{prov}_{unit.code}.xlsx", unit, fill)
        from lkjxl.results import budget_results

        lines = [b for b in budget_results(DEF, fill) if b.level == "output"]
        expected[prov] = (sum(b.pagu_akhir for b in lines), sum(b.realisasi for b in lines))
        out = tmp_path / f"prov-{prov}.xlsx"
        collection = consolidate_to([folder], out)
        assert collection.ok and all(s.status == "diterima" for s in collection.sources)
        provinces.append(out)
    national = consolidate_to(provinces, tmp_path / "nasional.xlsx")
    by_satker = {}
    for row in national.frames.anggaran:
        pagu, spent = by_satker.get(row["satker"], (0, 0))
        by_satker[row["satker"]] = (pagu + row["pagu_akhir"], spent + row["realisasi"])
    assert by_satker == expected
    assert len(national.frames.indikator) == len(expected) * len(DEF.indikator)
    assert national.ok


def test_indicators_only_in_some_satkers_are_kept(tmp_path):
    extra = Indikator(
        "SS06.IK09", "Indikator khusus satu satker", ValueKind.PERCENT, "%", Polarity.POSITIVE, Decimal("0.8"), "KUL"
    )
    tujuan = list(DEF.tujuan)
    last = tujuan[-1]
    sasaran = list(last.sasaran)
    sasaran[-1] = dataclasses.replace(sasaran[-1], indikator=(*sasaran[-1].indikator, extra))
    tujuan[-1] = dataclasses.replace(last, sasaran=tuple(sasaran))
    other = dataclasses.replace(DEF, tujuan=tuple(tujuan), template=dataclasses.replace(DEF.template, version=2))
    write_province(tmp_path, "19", 2, seed=1)
    write_province(tmp_path / "b", "63", 1, seed=2, d=other)
    collection = consolidate_to([tmp_path], tmp_path / "out.xlsx")
    ids = {row["indikator"] for row in collection.frames.indikator}
    assert "SS06.IK09" in ids
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Capaian"]
    row = next(r for r in ws.iter_rows(min_row=5) if r[1].value == "SS06.IK09")
    assert row[3].value == 1  # found in one satker only, listed not dropped


def test_a_rejected_file_never_stops_the_others(tmp_path):
    write_province(tmp_path, "19", 2, seed=3)
    (tmp_path / "rusak.xlsx").write_bytes(b"bukan excel")
    collection = consolidate_to([tmp_path], tmp_path / "out.xlsx")
    status = {Path(s.file).name: s.status for s in collection.sources}
    assert status == {"1901.xlsx": "diterima", "1902.xlsx": "diterima", "rusak.xlsx": "ditolak"}
    assert {row["satker"] for row in collection.frames.anggaran} == {"1901", "1902"}


def test_duplicate_submissions_are_reported_and_not_guessed(tmp_path):
    write_province(tmp_path, "19", 1, seed=3)
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "1901-lagi.xlsx").write_bytes((tmp_path / "1901.xlsx").read_bytes())
    collection = consolidate.collect([tmp_path], workers=1)
    assert {s.status for s in collection.sources} == {"ganda"}
    assert any(row["kode"] == "DUPLICATE_SUBMISSION" for row in collection.frames.temuan)


def test_identical_inputs_give_identical_bytes(tmp_path):
    write_province(tmp_path / "in", "19", 2, seed=5)
    consolidate_to([tmp_path / "in"], tmp_path / "a.xlsx")
    consolidate_to([tmp_path / "in"], tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_data_sheets_give_back_every_row_exactly(tmp_path):
    """The nation is built from the provinces' Data sheets: every value must read back as it was written."""
    from lkjxl import frames, report_read

    collection = consolidate.Collection(frames.empty(), [])
    for n, satker in enumerate(satkers("19", 3)):
        fill = synthetic.random_filling(DEF, random.Random(n))
        collection.frames.extend(frames.satker_frames(DEF, satker, fill, f"masuk/19/{satker.code} – ülang.xlsx"))
    collection.frames.indikator[0]["uraian"] = '=HYPERLINK("http://contoh.id","klik")'
    collection.frames.indikator[1]["capaian"] = 0.1 + 0.2  # needs 17 digits to come back exactly
    collection.frames.anggaran[0]["uraian"] = " +1 dengan\ttab dan\x01kontrol "
    collection.frames.anggaran[1]["pagu_akhir"] = 987_654_321_098_765
    report_xlsx.write(collection, tmp_path / "provinsi.xlsx", "Uji")
    back = report_read.read_consolidated(tmp_path / "provinsi.xlsx")

    def rows(table: list[dict], columns: list[str]) -> list[dict]:
        blank_is_none = ({k: None if r.get(k) == "" else r.get(k) for k in columns} for r in table)
        return sorted(blank_is_none, key=lambda r: (r["satker"], r.get("indikator") or r.get("kunci") or r["revisi"]))

    for name, columns in (("indikator", IND_COLUMNS), ("anggaran", AGR_COLUMNS), ("revisi", REV_COLUMNS)):
        assert rows(getattr(back, name), columns) == rows(getattr(collection.frames, name), columns), name


def test_charts_are_present(tmp_path):
    write_province(tmp_path / "in", "19", 2, seed=6)
    consolidate_to([tmp_path / "in"], tmp_path / "out.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_consolidated_values(tmp_path):
    from test_recalc_oracle import assert_libreoffice_agrees

    write_province(tmp_path / "in", "19", 3, seed=7)
    consolidate_to([tmp_path / "in"], tmp_path / "out.xlsx")
    assert assert_libreoffice_agrees([tmp_path / "out.xlsx"], tmp_path) > 100


def test_read_frames_gives_the_same_tidy_data(tmp_path):
    import lkjxl

    totals = write_province(tmp_path, "19", 2, seed=8)
    frames = lkjxl.read_frames([tmp_path])
    sums = frames["anggaran"].groupby("satker")[["pagu_akhir", "realisasi"]].sum()
    assert {k: (int(v.pagu_akhir), int(v.realisasi)) for k, v in sums.iterrows()} == totals
    assert set(frames) == {"indikator", "anggaran", "revisi", "temuan"}


def _set_modified(path: Path, stamp: str) -> None:
    """Rewrite docProps/core.xml's dcterms:modified, as Excel does on save."""
    import re

    data = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            data[info] = z.read(info)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in data.items():
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            z.writestr(info, body)


def test_prefer_newest_picks_the_later_save_and_says_so(tmp_path):
    write_province(tmp_path, "19", 1, seed=9)
    newer = tmp_path / "copy" / "1901-revisi.xlsx"
    newer.parent.mkdir()
    fill = synthetic.random_filling(DEF, random.Random(99))
    template.write(DEF, satkers("19", 1)[0], newer, None, fill)
    _set_modified(newer, "2025-01-20T08:00:00Z")
    _set_modified(tmp_path / "1901.xlsx", "2025-01-10T08:00:00Z")
    collection = consolidate.collect([tmp_path], workers=1, prefer="newest")
    status = {Path(s.file).name: s.status for s in collection.sources}
    assert status == {"1901.xlsx": "ganda", "1901-revisi.xlsx": "diterima"}
    assert {row["berkas"] for row in collection.frames.anggaran} == {newer.name}


def test_a_satker_not_on_the_expected_list_is_rejected(tmp_path):
    write_province(tmp_path / "in", "19", 2, seed=10)
    expected = tmp_path / "satker.csv"
    expected.write_text(
        "code,name,level,parent\n1901,KPU Kota Uji 1901,kabkota,19\n1903,KPU Kota Uji 1903,kabkota,19\n"
    )
    collection = consolidate_to([tmp_path / "in"], tmp_path / "out.xlsx", expected=expected)
    status = {s.satker: s.status for s in collection.sources}
    assert status == {"1901": "diterima", "1902": "ditolak"}
    assert any(row["kode"] == "WRONG_SATKER" for row in collection.frames.temuan)
    import openpyxl

    kel = openpyxl.load_workbook(tmp_path / "out.xlsx")["Kelengkapan"]
    rows = {r[0].value: r[3].value for r in kel.iter_rows(min_row=5) if r[0].value}
    assert rows["1903"] == "belum ada"  # expected but not received: listed, excluded from means


def test_two_files_of_one_unit_are_not_merged_silently(tmp_path):
    fill = synthetic.random_filling(DEF, random.Random(12))
    satker = DEF.find_satker("1971")
    for unit in DEF.units:
        template.write(DEF, satker, tmp_path / f"{unit.code}.xlsx", unit, fill)
    template.write(DEF, satker, tmp_path / "KUL-kosong.xlsx", DEF.unit("KUL"))  # an empty second KUL file
    collection = consolidate.collect([tmp_path], workers=1)
    status = {Path(s.file).name: s.status for s in collection.sources}
    assert status["KUL.xlsx"] == status["KUL-kosong.xlsx"] == "ganda"
    assert any(row["kode"] == "DUPLICATE_SUBMISSION" and "KUL" in row["pesan"] for row in collection.frames.temuan)


def test_consolidated_input_counts_and_expected_list_apply_per_satker(tmp_path):
    write_province(tmp_path / "in", "19", 3, seed=13)
    province = tmp_path / "prov.xlsx"
    consolidate_to([tmp_path / "in"], province)
    expected = tmp_path / "satker.csv"
    expected.write_text("code;name;level;parent\n1901;A;kabkota;19\n1902;B;kabkota;19\n")  # Excel's ';' CSV
    collection = consolidate.collect([province], workers=1, expected=expected)
    source = collection.sources[0]
    assert source.satkers == ["1901", "1902"] and source.rows_read == source.rows_written > 0
    assert {row["satker"] for row in collection.frames.anggaran} == {"1901", "1902"}
    assert any(row["kode"] == "WRONG_SATKER" and row["satker"] == "1903" for row in collection.frames.temuan)
    assert collection.ok


def test_a_csv_without_code_column_is_a_usage_error(tmp_path):
    bad = tmp_path / "satker.csv"
    bad.write_text("kode,nama\n1901,A\n")
    with pytest.raises(ValueError, match="code"):
        consolidate.load_expected(bad)


def _units_with_a_second_kul(folder: Path) -> Path:
    """1971's four subbagian files saved on 10 January, and a corrected KUL file saved on the 20th."""
    satker = DEF.find_satker("1971")
    for unit in DEF.units:
        template.write(
            DEF, satker, folder / f"{unit.code}.xlsx", unit, synthetic.random_filling(DEF, random.Random(12))
        )
        _set_modified(folder / f"{unit.code}.xlsx", "2025-01-10T08:00:00Z")
    newer = template.write(
        DEF, satker, folder / "KUL-revisi.xlsx", DEF.unit("KUL"), synthetic.random_filling(DEF, random.Random(13))
    )
    _set_modified(newer, "2025-01-20T08:00:00Z")
    return newer


def test_prefer_newest_settles_a_unit_sent_twice_as_it_settles_a_satker(tmp_path):
    from lkjxl import cli

    _units_with_a_second_kul(tmp_path / "in")
    out = tmp_path / "out.xlsx"
    assert cli.main(["consolidate", str(tmp_path / "in"), "-o", str(out), "--prefer", "newest"]) == 0
    collection = consolidate.collect([tmp_path / "in"], workers=1, prefer="newest")
    by_name = {Path(s.file).name: s for s in collection.sources}
    assert by_name["KUL-revisi.xlsx"].status == "diterima"
    assert by_name["KUL.xlsx"].status == "ganda" and by_name["KUL.xlsx"].reason.startswith("digantikan")
    (tmp_path / "in" / "KUL.xlsx").unlink()  # the same figures as when only the corrected file was sent
    alone = consolidate.collect([tmp_path / "in"], workers=1)
    assert collection.frames.anggaran == alone.frames.anggaran and collection.frames.indikator == alone.frames.indikator
    import openpyxl

    kel = openpyxl.load_workbook(out)["Kelengkapan"]
    rows = [[c.value for c in r] for r in kel.iter_rows(min_row=4)]
    assert ["1971", None, None, "ganda", "KUL.xlsx", by_name["KUL.xlsx"].reason] in rows


def test_without_prefer_a_unit_sent_twice_stays_open(tmp_path):
    from lkjxl import cli

    _units_with_a_second_kul(tmp_path / "in")
    assert cli.main(["consolidate", str(tmp_path / "in"), "-o", str(tmp_path / "out.xlsx")]) == 1
    collection = consolidate.collect([tmp_path / "in"], workers=1)
    status = {Path(s.file).name: (s.status, s.reason) for s in collection.sources}
    assert status["KUL.xlsx"][0] == status["KUL-revisi.xlsx"][0] == "ganda"
    assert "--prefer newest" in status["KUL.xlsx"][1] and not status["KUL.xlsx"][1].startswith("digantikan")


def test_a_rejected_province_workbook_says_why_everywhere(tmp_path, capsys):
    import openpyxl

    from lkjxl import cli

    write_province(tmp_path / "in", "19", 2, seed=14)
    province = tmp_path / "prov-19.xlsx"
    consolidate_to([tmp_path / "in"], province)
    expected = tmp_path / "satker.csv"
    expected.write_text("code,name,level,parent\n2101,KPU Kota Uji 2101,kabkota,21\n")
    out = tmp_path / "nasional.xlsx"
    capsys.readouterr()
    assert cli.main(["consolidate", str(province), "-o", str(out), "--expected", str(expected)]) == 1
    reason = consolidate.collect([province], workers=1, expected=expected).sources[0].reason
    assert "--expected" in reason and "1901, 1902" in reason
    assert f"ditolak   prov-19.xlsx — {reason}" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert ["?", None, None, "ditolak", "prov-19.xlsx", reason] in [
        [c.value for c in r] for r in wb["Kelengkapan"].iter_rows(min_row=4)
    ]
    sumber = {r[0]: r for r in wb["Sumber"].iter_rows(values_only=True)}
    assert sumber["prov-19.xlsx"][6:8] == ("ditolak", reason)


def test_an_empty_province_workbook_says_why(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rusak.xlsx").write_bytes(b"bukan excel")
    province = tmp_path / "prov-kosong.xlsx"
    consolidate_to([tmp_path / "in"], province)  # every input rejected: a workbook without satker rows
    source = consolidate.collect([province], workers=1).sources[0]
    assert source.status == "ditolak" and "tidak memuat" in source.reason


def test_a_duplicate_message_names_the_unit_and_its_satker(tmp_path):
    _units_with_a_second_kul(tmp_path / "in")
    write_province(tmp_path / "in", "19", 1, seed=15)
    (tmp_path / "in" / "1901-lagi.xlsx").write_bytes((tmp_path / "in" / "1901.xlsx").read_bytes())
    temuan = consolidate.collect([tmp_path / "in"], workers=1).frames.temuan
    messages = sorted(row["pesan"] for row in temuan if row["kode"] == "DUPLICATE_SUBMISSION")
    assert messages == [
        "satker 1901 dikirim lebih dari sekali: 1901-lagi.xlsx, 1901.xlsx",
        "unit KUL satker 1971 dikirim lebih dari sekali: KUL-revisi.xlsx, KUL.xlsx",
    ]


def test_kelengkapan_lists_the_expected_satker_and_no_other(tmp_path):
    import openpyxl

    write_province(tmp_path / "in", "19", 3, seed=16)
    province = tmp_path / "prov.xlsx"
    consolidate_to([tmp_path / "in"], province)
    (tmp_path / "in" / "1902.xlsx").rename(tmp_path / "1902.xlsx")  # 1902 both alone and inside the province
    expected = tmp_path / "satker.csv"
    expected.write_text("code,name,level,parent\n1901,A,kabkota,19\n1902,B,kabkota,19\n1904,D,kabkota,19\n")
    consolidate_to([province, tmp_path / "1902.xlsx"], tmp_path / "out.xlsx", expected=expected)
    kel = openpyxl.load_workbook(tmp_path / "out.xlsx")["Kelengkapan"]
    satker_rows = {r[0]: r[3] for r in kel.iter_rows(min_row=5, values_only=True) if r[1] is not None}
    assert satker_rows == {"1901": "diterima", "1902": "ganda", "1904": "belum ada"}  # 1903 is WRONG_SATKER only
