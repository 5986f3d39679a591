"""The definition loader: good definitions load, every mistake gets code, file, line and fix."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from lkjxl import definition
from lkjxl.model import Polarity, Rollup, ValueKind

ROOT = Path(__file__).resolve().parent.parent
KABKOTA = ROOT / "workbook_templates" / "kabkota-2024.yaml"

MINIMAL = """\
template: {id: uji, version: 1}
year: 2024
level: kabkota
satker_list: satker.csv
units:
  - {code: PDI, name: Perencanaan}
  - {code: KUL, name: Keuangan}
tujuan:
  - id: T1
    text: Tujuan
    sasaran:
      - id: SS01
        text: Sasaran satu
        indikator:
          - id: SS01.IK01
            text: Persentase laporan
            target: 90%
            polarity: positif
            owner: PDI
budget:
  programs:
    - code: 076.01.WA
      name: Dukungan Manajemen
      kegiatan:
        - code: "3355"
          name: Keuangan
          outputs:
            - {code: EBA.994, name: Layanan, jenis_belanja: 51, pagu_awal: "Rp. 2.617.729.000,-"}
"""


def write_def(tmp_path: Path, text: str) -> Path:
    (tmp_path / "satker.csv").write_text("code,name,level,parent,city\n1971,KPU Kota Uji,kabkota,19,Uji\n")
    path = tmp_path / "def.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[definition.Problem]:
    with pytest.raises(definition.DefinitionError) as info:
        definition.load(write_def(tmp_path, text))
    return info.value.problems


def test_bundled_definition_loads():
    d = definition.load(KABKOTA)
    assert d.template.id == "kpu-kabkota-sekretariat"
    assert len(d.indikator) == 10
    by_id = {i.id: i for i in d.indikator}
    assert by_id["SS01.IK01"].kind is ValueKind.GRADE_AKIP and by_id["SS01.IK01"].target == "B"
    assert by_id["SS01.IK02"].target == Decimal("0.9")
    assert by_id["SS01.IK02"].period_targets == (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal("0.9"))
    assert by_id["SS03.IK01"].polarity is Polarity.NEGATIVE and by_id["SS03.IK01"].target == Decimal("0.0016")
    assert by_id["SS04.IK01"].kind is ValueKind.COUNT and by_id["SS04.IK01"].satuan == "kecamatan"
    assert by_id["SS06.IK01"].rollup is Rollup.SUM
    assert by_id["SS06.IK02"].kind is ValueKind.OPINION_BPK
    assert d.find_satker("1971").name == "KPU Kota Pangkalpinang"


def test_minimal_definition_parses_indonesian_forms(tmp_path):
    d = definition.load(write_def(tmp_path, MINIMAL))
    leaf = next(b for b in d.budget if b.is_leaf)
    assert leaf.key == "076.01.WA/3355/EBA.994" and leaf.code == "3355.EBA.994"
    assert leaf.pagu_awal == 2_617_729_000
    assert d.indikator[0].polarity is Polarity.POSITIVE


@pytest.mark.parametrize(
    ("old", "new", "code", "line", "hint"),
    [
        ("polarity: positif", "polaritas: positif", "DEF001", 18, "polarity"),  # misspelt key, suggestion
        ("polarity: positif", "polarity: naik", "DEF003", 18, "positive"),
        ("target: 90%", "kind: percent\n            target: banyak", "DEF004", 18, "persen"),
        ("owner: PDI", "owner: PDl", "DEF006", 19, "PDI"),
        ("code: 076.01.WA", "code: 76.1.WA", "DEF011", 22, "076.01.CQ"),
        ("jenis_belanja: 51", "jenis_belanja: 57", "DEF003", 28, "51"),
        ("id: SS01.IK01", "id: SS01", "DEF005", 15, "unik"),
    ],
)
def test_mistakes_name_line_and_fix(tmp_path, old, new, code, line, hint):
    found = problems(tmp_path, MINIMAL.replace(old, new))
    assert [(p.code, p.line) for p in found if p.code == code][:1] == [(code, line)]
    match = next(p for p in found if p.code == code)
    assert hint in match.fix or hint in match.message
    assert match.file.endswith("def.yaml")


def test_all_problems_reported_together(tmp_path):
    text = MINIMAL.replace("polarity: positif", "polarity: naik").replace("owner: PDI", "owner: XYZ")
    codes = sorted(p.code for p in problems(tmp_path, text))
    assert codes == ["DEF003", "DEF006"]


def test_missing_required_key(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("            target: 90%\n", ""))
    assert any(p.code == "DEF002" and "target" in p.message for p in found)


def test_yaml_syntax_error_has_line(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("  - {code: KUL, name: Keuangan}", "  - {code: KUL, name: Keuangan"))
    assert found[0].code == "DEF009" and found[0].line in (7, 8)


def test_rencana_aksi_unknown_indicator(tmp_path):
    text = MINIMAL + "rencana_aksi:\n  - {indikator: SS01.IK02, kegiatan: Rapat, months: [1, 13]}\n"
    codes = {p.code for p in problems(tmp_path, text)}
    assert codes == {"DEF007", "DEF004"}


def test_scale_with_gap_is_rejected(tmp_path):
    text = MINIMAL + textwrap.dedent("""\
        rules:
          scale:
            - {label: Baik, lo: 91, lo_incl: true}
            - {label: Cukup, lo: 0, lo_incl: true, hi: 90}
        """)
    found = problems(tmp_path, text)
    assert [p.code for p in found] == ["DEF008"]


def test_satker_list_problems(tmp_path):
    path = write_def(tmp_path, MINIMAL)
    (tmp_path / "satker.csv").write_text("code,name,level,parent,city\n1971,A,kota,19,X\n1971,B,kabkota,19,Y\n")
    with pytest.raises(definition.DefinitionError) as info:
        definition.load(path)
    assert [(p.code, p.line) for p in info.value.problems] == [("DEF010", 2)]


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(definition.DefinitionError) as info:
        definition.load(tmp_path / "tidak-ada.yaml")
    assert info.value.problems[0].code == "DEF009"


def test_a_misspelt_required_key_is_reported_once(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("polarity: positif", "polaritas: positif"))
    assert [(p.code, p.line) for p in found] == [("DEF002", 15), ("DEF001", 18)]  # top to bottom
    assert "polarity" in found[0].message and "polarity" in found[1].fix


def test_a_missing_target_is_reported_once(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("            target: 90%\n", ""))
    assert [p.code for p in found] == ["DEF002"]


def test_problems_read_top_to_bottom(tmp_path):
    text = MINIMAL.replace("owner: PDI", "owner: XYZ").replace("jenis_belanja: 51", "jenis_belanja: 57")
    text = text.replace("level: kabkota", "level: kota")  # read last, written near the top
    lines = [p.line for p in problems(tmp_path, text)]
    assert lines == sorted(lines) and len(lines) == 3
