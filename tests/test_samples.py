"""The bundled samples (`samples/*`) against the seed reports they were transcribed from.

Expected figures are the seeds' printed numbers and DOMAIN.md's verified recomputations
(§3, §4.6, §4.9, §5.8), written out here as literals — never values read back from the
sample files under test. The traceability tests (SOURCES.md / stated.yaml against the
seed lines) need the seed OCR texts, which are not distributed with the repository: they
are looked up in $LKJXL_SEEDS or ../shared/seeds and skipped when absent.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from lkjxl import definition, filling, normalize
from lkjxl.model import Polarity, Rollup, ValueKind

D = Decimal
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEEDS = Path(os.environ.get("LKJXL_SEEDS", ROOT.parent / "shared" / "seeds"))

PKP, BJB, TPI = "pangkalpinang-2024", "banjarbaru-2024", "tanjungpinang-2022"
UNITS = ("PDI", "KUL", "TEKNIS", "HUKUM_SDM")
FILLINGS = [
    (PKP, "filling.yaml"),
    (BJB, "filling.yaml"),
    *((BJB, f"filling-{u}.yaml") for u in UNITS),
    (TPI, "filling.yaml"),
]


def load_def(name: str):
    return definition.load(SAMPLES / name / "definition.yaml")


def load_fill(name: str, file: str = "filling.yaml"):
    return filling.load(SAMPLES / name / file, load_def(name))


def stated(name: str) -> dict:
    return yaml.safe_load((SAMPLES / name / "stated.yaml").read_text(encoding="utf-8"))


def stated_entries(name: str, what: str) -> list[dict]:
    return [e for e in stated(name)["stated"] if e["what"] == what]


def money(text: str) -> int:
    parsed = normalize.parse_money(text)
    assert parsed.ok, (text, parsed)
    return parsed.value


def percent_points(text: str) -> Decimal:
    parsed = normalize.parse_percent(text)
    assert parsed.ok, (text, parsed)
    return parsed.value * 100


def annual(ind, values):
    """The annual realisasi of one indicator from its period values (rollup last or sum)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if ind.rollup is Rollup.SUM:
        return sum(present, D(0))
    return present[-1]


def leaf_totals(fill) -> tuple[int, int]:
    """Σ pagu akhir (last revision filled, else pagu awal) and Σ realisasi over the filled leaves."""
    keys = set(fill.pagu_awal) | set(fill.pagu_revisi) | set(fill.realisasi_bulan)
    pagu = real = 0
    for key in keys:
        revs = [v for v in fill.pagu_revisi.get(key, []) if v is not None]
        pagu += revs[-1] if revs else (fill.pagu_awal.get(key) or 0)
        real += sum(v for v in fill.realisasi_bulan.get(key, []) if v is not None)
    return pagu, real


# --- every file loads --------------------------------------------------------------------


@pytest.mark.parametrize("name", [PKP, BJB, TPI])
def test_definition_loads(name):
    d = load_def(name)
    assert d.indikator and d.budget and d.satker


@pytest.mark.parametrize(("name", "file"), FILLINGS)
def test_filling_loads_for_its_satker(name, file):
    satker, unit, fill = load_fill(name, file)
    expected = {PKP: "1971", BJB: "6372", TPI: "2172"}[name]
    assert satker == expected
    assert unit == (file.removeprefix("filling-").removesuffix(".yaml") if file != "filling.yaml" else None)


@pytest.mark.parametrize(("name", "file"), FILLINGS)
def test_workbook_is_written(name, file, tmp_path):
    from lkjxl import template

    d = load_def(name)
    satker, unit, fill = load_fill(name, file)
    out = tmp_path / "sample.xlsx"
    template.write(d, d.find_satker(satker), out, d.unit(unit) if unit else None, fill)
    assert out.stat().st_size > 0


# --- counts as in the seeds ----------------------------------------------------------------


def test_pangkalpinang_counts():
    d = load_def(PKP)
    assert len(d.indikator) == 24  # "24 (dua puluh empat) indikator", Tabel 3.1
    assert len(d.sasaran) == 15
    assert len(d.tujuan) == 3
    assert {s.id for s in d.sasaran} == {f"SS{n:02d}" for n in range(1, 16)}


def test_banjarbaru_counts():
    d = load_def(BJB)
    assert len(d.indikator) == 29  # the four Subbagian PKs; Tabel 12 has 29 rows
    assert len(d.sasaran) == 20
    owners = {u: sum(1 for i in d.indikator if i.owner == u) for u in UNITS}
    assert owners == {"PDI": 3, "KUL": 9, "TEKNIS": 13, "HUKUM_SDM": 4}
    assert len([b for b in d.budget if b.is_leaf]) == 19  # Tabel 18 RO rows


def test_tanjungpinang_counts():
    d = load_def(TPI)
    assert len(d.indikator) == 29  # PK Sekretaris 9 + RKT Sekretariat 20
    assert sum(1 for i in d.indikator if i.id.startswith("SP")) == 9
    assert sum(1 for i in d.indikator if i.id.startswith("SK")) == 20
    assert len(d.rencana_aksi) == 20  # one Rencana Aksi row per RKT indicator


# --- Pangkalpinang: targets, capaian, budget ------------------------------------------------


def test_pangkalpinang_signatory_and_polarity():
    d = load_def(PKP)
    first = next(s for s in d.signatories if s.role == "pihak_pertama")
    assert (first.nama, first.nip) == ("Yuliana Sandriani", "196807201993122003")
    by_id = {i.id: i for i in d.indikator}
    assert by_id["SS02.IK01"].polarity is Polarity.EXACT  # "Jumlah revisi … 3 kali"
    assert by_id["SS01.IK01"].kind is ValueKind.GRADE_AKIP
    assert all(i.polarity is Polarity.POSITIVE for i in d.indikator if i.id != "SS02.IK01")


def _capaian_rows(name: str):
    from lkjxl.rules import capaian

    d = load_def(name)
    _, _, fill = load_fill(name)
    rows = []
    for s in d.sasaran:
        for ind in s.indikator:
            r = annual(ind, fill.realisasi.get(ind.id, []))
            c = capaian(
                ind.kind, ind.polarity, ind.target, r, d.rules, target_unit=ind.satuan, realisasi_unit=ind.satuan
            )
            rows.append((ind.id, s.id, c))
    return d, rows


def test_pangkalpinang_overall_capaian_displays_102_70():
    """DOMAIN §4.9 A: mean of the 24 printed capaian, 2.465/24 = 102,7083, truncated → 102,70."""
    from lkjxl.rules import aggregate, display  # being written in parallel: a failure here is real

    d, rows = _capaian_rows(PKP)
    agg = aggregate(rows, d.rules)
    assert (agg.n_used, agg.n_rows) == (24, 24)
    assert agg.value == D(2465) / 24
    assert display(agg.value, d.rules.rounding, d.rules.decimals) == D("102.70")


def test_pangkalpinang_printed_indicator_capaian_reproduced():
    from lkjxl.rules import display

    d, rows = _capaian_rows(PKP)
    shown = {iid: display(c.value, *d.rules.indicator_display) for iid, _, c in rows}
    printed = {e["key"]: percent_points(e["printed"]) for e in stated_entries(PKP, "capaian")}
    assert len(printed) == 24
    assert shown == printed  # 111% ×2, 143%, 21 × 100%


def test_pangkalpinang_budget_totals_equal_printed():
    _, _, fill = load_fill(PKP)
    assert leaf_totals(fill) == (38_517_858_000, 32_094_621_980)  # Gambar 3.10; prose line 1151
    by_jenis = {key.rsplit(".", 1)[1]: (fill.pagu_awal[key], fill.realisasi_bulan[key][-1]) for key in fill.pagu_awal}
    assert by_jenis == {
        "051": (2_617_729_000, 2_609_958_912),
        "052": (35_622_829_000, 29_268_458_068),
        "053": (277_300_000, 216_205_000),
    }


def test_pangkalpinang_stated_budget_errors_are_kept_as_printed():
    """DOMAIN §4.6: the printed table's three errors stay in stated.yaml, flagged."""
    from lkjxl.rules import display, serapan

    entries = {(e["what"], e.get("key"), e["printed"]): e for e in stated(PKP)["stated"]}
    assert entries[("serapan", "51", "99,73%")]["known_error"] is True
    assert entries[("sisa", "51", "1.779.000")]["known_error"] is True
    assert entries[("sisa", "total", "6.432.296.029")]["known_error"] is True
    assert entries[("jumlah_dps", None, "164.862")]["known_error"] is True
    assert display(serapan(2_617_729_000, 2_609_958_912), "half_up", 2) == D("99.70")
    assert display(serapan(38_517_858_000, 32_094_621_980), "half_up", 2) == D("83.32")


# --- Banjarbaru: budget residuals, revisions, serapan, subbagian files ------------------------


def test_banjarbaru_leaf_lines_sum_to_documented_residuals():
    """DOMAIN §5.8: RO pagu 3.000 short of the DIPA (6981 missing); realisasi 400 too high."""
    _, _, fill = load_fill(BJB)
    pagu, real = leaf_totals(fill)
    assert pagu == 40_343_017_000 - 3_000 == 40_343_014_000
    assert real == 40_017_630_058 + 400 == 40_017_630_458
    assert fill.realisasi_bulan["076.01.CQ/6870/QGE.002"][-1] == 806_148_850  # the +400 line
    residuals = stated(BJB)["residuals"]
    assert residuals["pagu_akhir"]["difference"] == -3_000
    assert residuals["realisasi"]["difference"] == 400


def test_banjarbaru_programs_and_jenis_51_match_pk_and_tabel_19():
    _, _, fill = load_fill(BJB)
    d = load_def(BJB)

    def pagu_of(prefix):
        return sum(fill.pagu_revisi[k][-1] for k in fill.pagu_revisi if k.startswith(prefix))

    assert pagu_of("076.01.WA/") == 2_754_458_000  # PK: WA
    assert pagu_of("076.01.CQ/") == 37_588_559_000 - 3_000  # PK: CQ, less the 6981 residual
    jenis51 = [b.key for b in d.budget if b.is_leaf and b.jenis_belanja == "51"]
    assert jenis51 == ["076.01.WA/3355/EBA.994"]
    assert fill.pagu_revisi[jenis51[0]][-1] == 2_611_061_000  # Tabel 19 Belanja Pegawai
    assert fill.realisasi_bulan[jenis51[0]][-1] == 2_532_693_447


def test_banjarbaru_revision_deltas():
    """DOMAIN §3: 13 revisions, six of which change nothing."""
    _, _, fill = load_fill(BJB)
    assert len(fill.revisions) == 13
    awal = money(next(e for e in stated(BJB)["stated"] if e["what"] == "pagu_awal_total")["printed"])
    assert awal == 20_088_904_000
    pagu = [awal] + [r["pagu"] for r in fill.revisions]
    deltas = [b - a for a, b in pairwise(pagu)]
    assert deltas == [
        2_413_227_000, 147_000_000, 0, 8_800_000_000, 0, 0, 0,
        239_371_000, 10_308_000_000, -1_691_515_000, 38_030_000, 0, 0,
    ]  # fmt: skip
    assert pagu[-1] == 40_343_017_000
    assert {r["otoritas"] for r in fill.revisions} <= {"DJA", "Kanwil DJPb", "Satker", "Campuran"}
    assert fill.revisions[9]["tanggal"].isoformat() == "2024-11-11"  # "11 Nopember 2024"


def test_banjarbaru_serapan_displays_99_19():
    from lkjxl.rules import display, serapan

    d = load_def(BJB)
    _, _, fill = load_fill(BJB)
    assert display(serapan(40_343_017_000, 40_017_630_058), d.rules.rounding, d.rules.decimals) == D("99.19")
    pagu, real = leaf_totals(fill)  # the sample's own lines, residuals included
    assert display(serapan(pagu, real), d.rules.rounding, d.rules.decimals) == D("99.19")


def test_banjarbaru_printed_keu_percent_reproduced_per_line():
    """Tabel 18 %KEU, half-up to the printed number of decimals (`97%`, `99.9%`, `94,91%`)."""
    from lkjxl.rules import display, serapan

    _, _, fill = load_fill(BJB)
    entries = stated_entries(BJB, "serapan")
    per_line = [e for e in entries if "/" in e["key"]]
    assert len(per_line) == 18  # 19 RO rows; 6709.RAN.002 (placeholder) has a blank %KEU
    for e in per_line:
        exact = serapan(fill.pagu_revisi[e["key"]][-1], fill.realisasi_bulan[e["key"]][-1])
        decimals = (
            len(re.split(r"[.,]", e["printed"].rstrip("%").strip())[1]) if re.search(r"[.,]", e["printed"]) else 0
        )
        assert display(exact, "half_up", decimals) == percent_points(e["printed"]), e


def test_banjarbaru_printed_capaian_and_the_28_row_mean():
    """DOMAIN §4.9 B and §5.10: 95,64 = 2.678/28; all 29 give 95,79; two capaian typed by hand."""
    from lkjxl.rules import display

    d, rows = _capaian_rows(BJB)
    shown = {iid: display(c.value, *d.rules.indicator_display) for iid, _, c in rows}
    printed = {
        e["key"]: (percent_points(e["printed"]), e.get("known_error", False)) for e in stated_entries(BJB, "capaian")
    }
    assert len(printed) == 29
    assert {k for k, (_, err) in printed.items() if err} == {"SK12.IKK01", "SK13.IKK01"}
    for iid, (value, err) in printed.items():
        assert (shown[iid] != value) if err else (shown[iid] == value), iid
    values = [v for _, (v, _) in printed.items()]
    assert sum(values) == 2778
    first_28 = [v for k, (v, _) in printed.items() if k != "SK20.IKK01"]
    assert display(sum(first_28) / 28, "truncate", 2) == D("95.64")
    assert display(sum(values) / 29, "truncate", 2) == D("95.79")


def test_banjarbaru_subbagian_pk_anggaran_equals_owned_lines():
    d = load_def(BJB)
    _, _, fill = load_fill(BJB)
    owner = {b.key: b.owner for b in d.budget if b.is_leaf}
    entries = stated_entries(BJB, "pk_anggaran_subbagian")
    assert len(entries) == 11
    for e in entries:
        assert sum(fill.pagu_revisi[k][-1] for k in e["budget_keys"]) == money(e["printed"]), e["kegiatan"]
        assert {owner[k] for k in e["budget_keys"]} == {e["key"]}


@pytest.mark.parametrize("unit", UNITS)
def test_banjarbaru_subbagian_filling_holds_only_its_own_rows(unit):
    d = load_def(BJB)
    _, loaded_unit, fill = load_fill(BJB, f"filling-{unit}.yaml")
    assert loaded_unit == unit
    owner = {i.id: i.owner for i in d.indikator}
    line_owner = {b.key: b.owner for b in d.budget if b.is_leaf}
    assert fill.realisasi, "a subbagian file with no indicators"
    assert {owner[i] for i in fill.realisasi} == {unit}
    budget_keys = set(fill.pagu_awal) | set(fill.pagu_revisi) | set(fill.realisasi_bulan)
    assert {line_owner[k] for k in budget_keys} <= {unit}
    # the DIPA revision history is kept by the budget keeper (budget.owner), and only there
    if unit == d.budget_owner:
        assert fill.revisions == load_fill(BJB)[2].revisions
    else:
        assert not fill.revisions


def test_banjarbaru_subbagian_files_partition_the_satker_filling():
    """Merged by id and key, the four files give the whole filling: nothing twice, nothing missing."""
    _, _, whole = load_fill(BJB)
    seen_ind: dict[str, str] = {}
    seen_budget: dict[str, str] = {}
    for unit in UNITS:
        _, _, part = load_fill(BJB, f"filling-{unit}.yaml")
        for iid, values in part.realisasi.items():
            assert iid not in seen_ind, f"{iid} claimed by {seen_ind.get(iid)} and {unit}"
            seen_ind[iid] = unit
            assert values == whole.realisasi[iid]
        for key in part.pagu_revisi:
            assert key not in seen_budget, f"{key} claimed twice"
            seen_budget[key] = unit
            assert part.pagu_revisi[key] == whole.pagu_revisi[key]
            assert part.pagu_awal.get(key) == whole.pagu_awal.get(key)
            assert part.realisasi_bulan[key] == whole.realisasi_bulan[key]
    assert set(seen_ind) == set(whole.realisasi)
    assert set(seen_budget) == set(whole.pagu_revisi)


# --- Tanjungpinang: planning only ------------------------------------------------------------


def test_tanjungpinang_pk_budget_and_signatories():
    d = load_def(TPI)
    leaves = {b.key: b.pagu_awal for b in d.budget if b.is_leaf}
    assert leaves == {"076.01.CQ/0000/XXX.000": 43_644_000, "076.01.WA/0000/XXX.000": 3_231_477_000}
    total = next(e for e in stated(TPI)["stated"] if e["what"] == "pk_anggaran_total")
    assert sum(leaves.values()) == money(total["printed"]) == 3_275_121_000
    roles = {s.role: (s.jabatan, s.nama) for s in d.signatories}
    assert roles == {
        "pihak_pertama": ("Sekretaris KPU Kota Tanjungpinang", "Abdul Basyid"),
        "pihak_kedua": ("Ketua KPU Kota Tanjungpinang", "Aswin Nasution"),
    }


def test_tanjungpinang_rencana_aksi_biaya_is_not_additive():
    d = load_def(TPI)
    biaya = [r.biaya for r in d.rencana_aksi if r.biaya is not None]
    assert sorted(biaya) == sorted([43_644_000, 649_042_000, 2_587_360_000, 588_537_000, 34_380_000])
    assert sum(biaya) == 3_902_963_000 > 3_275_121_000  # DOMAIN §3
    assert all(r.months == frozenset(range(1, 13)) for r in d.rencana_aksi)  # the stated assumption
    assert all(r.pelaksana for r in d.rencana_aksi)
    ids = {i.id for i in d.indikator if i.id.startswith("SK")}
    assert {r.indikator_id for r in d.rencana_aksi} == ids


def test_tanjungpinang_filling_is_planning_only():
    _, _, fill = load_fill(TPI)
    assert not fill.realisasi and not fill.realisasi_bulan and not fill.revisions


# --- traceability: every cited seed line holds the printed text ------------------------------


def _seed_lines(file: str) -> list[str]:
    path = SEEDS / file
    if not path.exists():
        pytest.skip(f"seed OCR texts not available at {SEEDS} (set LKJXL_SEEDS)")
    return path.read_text(encoding="utf-8").split("\n")


def _on_line(lines: list[str], n: int, text: str) -> bool:
    """The text is on line n, or wraps from line n onto the next line (prose)."""
    here = lines[n - 1]
    joined = here + " " + (lines[n] if n < len(lines) else "")
    return text in here or text in joined


@pytest.mark.parametrize("name", [PKP, BJB, TPI])
def test_stated_figures_are_on_their_seed_lines(name):
    entries = [e for e in stated(name)["stated"] if e.get("printed") is not None]
    assert entries
    for e in entries:
        file, line = e["seed"].rsplit(":", 1)
        lines = _seed_lines(file)
        assert _on_line(lines, int(line), e["printed"]), e


@pytest.mark.parametrize("name", [PKP, BJB, TPI])
def test_sources_rows_are_on_their_seed_lines(name):
    text = (SAMPLES / name / "SOURCES.md").read_text(encoding="utf-8")
    table = text.split("| value | where used | seed file:line | printed text | note |", 1)[1]
    rows = 0
    for raw in table.splitlines()[2:]:
        if not raw.startswith("|"):
            break
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", raw)[1:-1]]
        value, _, where, printed, _ = cells
        file, line = where.rsplit(":", 1)
        lines = _seed_lines(file)
        assert _on_line(lines, int(line), printed), cells
        rows += 1
    assert rows >= {PKP: 100, BJB: 200, TPI: 50}[name]
