"""Files lkjxl writes — templates, recalculated copies, consolidated workbooks — appear whole
or not at all, and with the permissions any file the user makes gets (a consolidated
workbook on a shared drive is for colleagues to open)."""

from __future__ import annotations

import os
import stat

import pytest
from test_sheetxml import EXACT, PART, column, package
from workbooks import DEF, SATKER, filled

from lkjxl import annotate, findings, outfile, recalc, sheetxml, template


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield 0o644
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_every_writer_creates_files_as_the_umask_says(tmp_path, umask_022):
    made = template.write(DEF, SATKER, tmp_path / "templat.xlsx")
    data, _ = package()
    sheetxml.save(data, tmp_path / "konsolidasi.xlsx", {PART: column(EXACT)})
    code, _ = recalc.run_cli(filled(tmp_path / "isi.xlsx"), tmp_path / "hitung.xlsx")
    assert code in (0, 1)
    found = [findings.make("NOT_A_NUMBER", file="isi.xlsx", sheet="Realisasi", cell="J7", value="x", expected="")]
    marked = annotate.annotate(tmp_path / "isi.xlsx", found, tmp_path / "tanda" / "isi-temuan.xlsx")
    for path in (made, tmp_path / "konsolidasi.xlsx", tmp_path / "hitung.xlsx", marked):
        assert _mode(path) == umask_022, path.name


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "hasil.xlsx"
    target.write_bytes(b"lama")
    with pytest.raises(OSError, match="disk penuh"), outfile.replacing(target) as out:
        out.write(b"baru, setengah")
        raise OSError("disk penuh")
    assert target.read_bytes() == b"lama"
    assert [p.name for p in tmp_path.iterdir()] == ["hasil.xlsx"]
    with outfile.replacing(target) as out:
        out.write(b"baru")
    assert target.read_bytes() == b"baru" and [p.name for p in tmp_path.iterdir()] == ["hasil.xlsx"]
