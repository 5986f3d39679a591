"""The findings catalogue: every code the code emits exists, and docs/findings.md is current."""

from __future__ import annotations

import re
from pathlib import Path

from lkjxl import findings

ROOT = Path(__file__).resolve().parent.parent


def test_every_emitted_code_is_catalogued():
    used = set()
    for path in (ROOT / "lkjxl").glob("*.py"):
        used |= set(re.findall(r'make\(\s*"([A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert used, "no findings.make calls found"
    assert used - set(findings.CATALOGUE) == set()


def test_docs_findings_md_is_generated_from_the_catalogue():
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == findings.catalogue_markdown()


def test_messages_fill_their_parameters():
    f = findings.make("REALISASI_OVER_PAGU", file="a.xlsx", sheet="Anggaran", cell="O8", value=5000.0, pagu=1000)
    assert f.message == "realisasi 5000 melebihi pagu akhir 1000" and f.severity == "error"


def test_table_and_json_carry_every_finding():
    found = [
        findings.make("NOT_A_NUMBER", file="x/a.xlsx", sheet="Realisasi", cell="J7", value="sudah"),
        findings.make("TEXT_NUMBER", file="x/a.xlsx", sheet="Realisasi", cell="J8", value="85,5%", read="0.855"),
    ]
    text = findings.table(found)
    assert "Realisasi!J7" in text and "Realisasi!J8" in text
    assert text.index("NOT_A_NUMBER") < text.index("TEXT_NUMBER")  # errors first
    assert '"cell": "J7"' in findings.to_json(found)


def test_table_columns_line_up_whatever_the_code_length():
    found = [
        findings.make("CONSOLIDATED_WORKBOOK", file="x/prov.xlsx"),
        findings.make("NOT_A_NUMBER", file="x/a.xlsx", sheet="Realisasi", cell="J7", value="sudah"),
    ]
    header, _, *rows = findings.table(found).splitlines()
    for row, f in zip(rows, sorted(found, key=lambda f: f.file), strict=True):
        assert row.index(f.file.rsplit("/", 1)[1]) == header.index("berkas")
        assert row.index(f.message) == header.index("pesan")
