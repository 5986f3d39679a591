"""Robustness: operator text is never a formula in any output; outputs are all-or-nothing."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from workbooks import DEF, SATKER, edit, filled

from lkjxl import cli, merge, reader, template
from lkjxl.annotate import annotate

INJECTION = '=HYPERLINK("http://contoh.invalid","klik")'


def formulas_in(path: Path) -> list[str]:
    """Every <f> element's text in every sheet part: what a spreadsheet would evaluate."""
    import re

    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                out += re.findall(r"<f[^>]*>([^<]*)</f>", z.read(name).decode())
    return out


def test_operator_text_starting_with_equals_is_text_in_every_output(tmp_path):
    wb = filled(tmp_path / "isi.xlsx")
    edit(
        wb,
        f"""
    | sheet     | cell | value            |
    | Realisasi | AD7  | "{INJECTION.replace('"', "'")}" |
    | Realisasi | AE7  | "+1+1"           |
    | Realisasi | AF7  | "@SUM(A1:A2)"    |
    """,
    )
    data = reader.read(wb)
    notes = data.filling.notes["SS01.IK02"]
    assert notes["hambatan"].startswith("=HYPERLINK") and notes["solusi"] == "+1+1"
    rewritten = template.write(DEF, SATKER, tmp_path / "tulis-ulang.xlsx", None, data.filling)
    annotated = annotate(wb, data.findings or [], tmp_path / "anotasi.xlsx")
    from lkjxl import consolidate, report_xlsx

    collection = consolidate.collect([rewritten], workers=1)
    report = tmp_path / "konsolidasi.xlsx"
    report_xlsx.write(collection, report, "Uji")
    for out in (rewritten, annotated, report):
        assert not [f for f in formulas_in(out) if "HYPERLINK" in f or f.startswith(("+1", "@"))], out.name


def test_an_interrupted_consolidation_leaves_no_half_written_workbook(tmp_path, monkeypatch):
    wb = filled(tmp_path / "in" / "isi.xlsx")
    out = tmp_path / "hasil.xlsx"
    assert cli.main(["consolidate", str(tmp_path / "in"), "-o", str(out)]) == 0
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    input_hash = hashlib.sha256(wb.read_bytes()).hexdigest()

    from lkjxl import report_xlsx

    def crash(self):
        raise OSError("disk penuh")  # the run dies in the middle of writing the workbook

    monkeypatch.setattr(report_xlsx.Report, "sumber", crash)
    assert cli.main(["consolidate", str(tmp_path / "in"), "-o", str(out)]) == 2
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before  # the previous output is intact
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == input_hash  # and the input untouched
    assert sorted(p.name for p in out.parent.iterdir() if p.is_file()) == ["hasil.xlsx"]  # no stray partial file


def test_an_interrupted_template_write_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "templat.xlsx"

    def crash(*args, **kwargs):
        raise OSError("disk penuh")

    monkeypatch.setattr(template, "stamp", crash)
    with pytest.raises(OSError):
        template.write(DEF, SATKER, target)
    assert not target.exists()


def test_merge_ignores_nothing_silently(tmp_path):
    fill_path = filled(tmp_path / "satker.xlsx")
    unit = filled(tmp_path / "kul.xlsx", unit="KUL")
    merged = merge.merge([reader.read(unit), reader.read(fill_path)])
    assert "NOT_A_UNIT_FILE" in {f.code for f in merged.findings}
