"""The real broken workbooks in tests/files/broken/ (one per DOMAIN §5 trap) read as expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from make_broken import CASES, OUT, build
from xlsxparts import parts

from lkjxl import reader


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_gives_its_findings(name):
    data = reader.read(OUT / name)
    found = {(f.code, f.sheet, f.cell) for f in data.findings}
    for code, sheet, cell in CASES[name][2]:
        if cell is None:
            assert code in {c for c, s, _ in found if s == sheet}, sorted(found)
        else:
            assert (code, sheet, cell) in found, sorted(found)
    assert data.usable


def test_null_is_never_zero():
    data = reader.read(OUT / "5.2-strip-bukan-nol.xlsx")
    assert data.filling.realisasi["SS01.IK02"][:2] == [None, None]
    assert data.filling.realisasi_bulan["076.01.CQ/6709/QGE.001"][0] is None
    assert not [f for f in data.findings if f.severity == "error"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_committed_files_are_what_the_script_builds(name, tmp_path):
    """The committed fixtures match their recipe (regenerate with `python tests/make_broken.py`)."""
    volatile = "docProps/core.xml"  # openpyxl stamps the save time there
    built, committed = parts(build(name, tmp_path)), parts(Path(OUT / name))
    assert {k: v for k, v in built.items() if k != volatile} == {k: v for k, v in committed.items() if k != volatile}
