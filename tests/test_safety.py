"""Hostile inputs are refused before they cost anything; nothing in them is followed (docs/security.md).

Every case of tests/hostile.py is built in a temporary folder and inspected under a clock,
tracemalloc and an audit hook: it must give its code within 1 s and 100 MB, open nothing
but itself, connect nowhere, and leave the file byte-identical.
"""

from __future__ import annotations

import hashlib
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import hostile
import pytest

from lkjxl import definition, safety, template
from lkjxl.safety import Limits, Refusal, inspect

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 1.0  # seconds
MEMORY_LIMIT = 100 * 1024 * 1024  # bytes, tracemalloc peak


# -- measuring one inspection -------------------------------------------------------------

_watch: list[tuple[str, object]] | None = None
_WATCHED = {"open", "socket.connect", "socket.getaddrinfo", "urllib.Request", "subprocess.Popen", "os.system"}


def _audit(event: str, args: tuple) -> None:
    if _watch is not None and event in _WATCHED:
        _watch.append((event, args[0] if args else None))


sys.addaudithook(_audit)  # cannot be removed; records only while a measurement runs


@dataclass
class Outcome:
    result: safety.Inspection | None
    refusal: Refusal | None
    seconds: float
    peak: int
    events: list[tuple[str, object]]

    @property
    def code(self) -> str | None:
        return self.refusal.code if self.refusal else None


def measured(path: Path, limits: Limits = Limits()) -> Outcome:  # noqa: B008
    """Inspect `path`, recording time, peak traced memory and every file opened or connection made."""
    global _watch
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = refusal = None
    tracemalloc.start()
    _watch = []
    start = time.perf_counter()
    try:
        result = inspect(path, limits)
    except Refusal as exc:
        refusal = exc
    finally:
        seconds = time.perf_counter() - start
        events, _watch = _watch, None
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "the input file was modified"
    return Outcome(result, refusal, seconds, peak, events)


def assert_cheap(outcome: Outcome, path: Path) -> None:
    assert outcome.seconds < TIME_LIMIT, f"{outcome.seconds:.2f} s"
    assert outcome.peak < MEMORY_LIMIT, f"{outcome.peak / 2**20:.1f} MB"
    # at most one open, of the input itself (a file refused on its size is not even opened)
    assert outcome.events in ([], [("open", str(path))]), "opened or connected to something besides the input"


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    for name in hostile.CASES:
        hostile.build(name, directory)
    return directory


# -- every hostile case ----------------------------------------------------------------------

REFUSED = [name for name, case in hostile.CASES.items() if case.refusal]
WARNED = [name for name, case in hostile.CASES.items() if case.warning]


@pytest.mark.parametrize("name", REFUSED)
def test_hostile_file_is_refused_cheaply(hostile_dir, name):
    path = hostile_dir / name
    outcome = measured(path)
    assert outcome.code == hostile.CASES[name].refusal, outcome.refusal or outcome.result
    assert_cheap(outcome, path)
    assert outcome.refusal.path == path
    assert outcome.refusal.message.endswith(safety.ACTIONS[outcome.code]), "the message says what to do"


@pytest.mark.parametrize("name", WARNED)
def test_suspicious_file_is_opened_with_a_warning(hostile_dir, name):
    path = hostile_dir / name
    outcome = measured(path)
    assert outcome.refusal is None, outcome.refusal
    assert hostile.CASES[name].warning in [w.code for w in outcome.result.warnings]
    assert_cheap(outcome, path)


def test_one_gigabyte_bomb_is_refused_in_under_a_second_and_100_mb(hostile_dir):
    path = hostile_dir / "bom-1gb.xlsx"
    assert path.stat().st_size < 2 * 2**20
    outcome = measured(path)
    assert outcome.code == "ZIP_BOMB"
    assert "1024.0 MB" in outcome.refusal.message
    assert_cheap(outcome, path)


def test_a_part_larger_than_it_declares_is_caught_while_streaming(hostile_dir):
    """The directory says 1 KB: every check on declared sizes passes, the real bytes do not."""
    path = hostile_dir / "bom-ukuran-palsu.xlsx"
    outcome = measured(path)
    assert outcome.code == "ZIP_BOMB"
    assert "1024 bita" in outcome.refusal.message
    assert outcome.peak < 5 * 2**20  # stopped after a chunk, not after a gigabyte


def test_a_lying_member_count_is_caught_before_zipfile_reads_the_directory(hostile_dir):
    """The end record claims 1 member; the records are counted before zipfile builds 5,000 objects."""
    outcome = measured(hostile_dir / "jumlah-bagian-palsu.xlsx")
    assert outcome.code == "TOO_MANY_MEMBERS"
    assert outcome.peak < 1 * 2**20


def test_the_parser_refuses_a_dtd_even_without_the_byte_scan(hostile_dir, monkeypatch):
    """Second lock: structural parts go through an expat parser whose DOCTYPE handler refuses."""
    monkeypatch.setattr(safety, "_NEEDLES", ())
    assert measured(hostile_dir / "entitas-eksternal.xlsx").code == "UNSAFE_XML"


def test_external_links_are_listed_not_followed(hostile_dir):
    outcome = measured(hostile_dir / "tautan-eksternal.xlsx")
    assert outcome.result.external_links == [hostile.EXTERNAL_TARGET]
    assert not [e for e in outcome.events if e[0] != "open"]  # no socket, no subprocess
    dde = measured(hostile_dir / "tautan-dde.xlsx").result
    assert dde.external_links == ["DDE cmd|/c calc.exe"]


def test_declared_dimension_is_a_warning_naming_the_sheet(hostile_dir):
    result = measured(hostile_dir / "dimensi-palsu.xlsx").result
    assert result.dimensions == {"Realisasi": "A1:XFD1048576"}
    (warning,) = result.warnings
    assert warning.part == "xl/worksheets/sheet1.xml" and "Realisasi" in warning.message


def test_refusal_messages_say_what_to_do(hostile_dir):
    def message(name: str) -> str:
        return measured(hostile_dir / name).refusal.message

    assert (
        message("format-lama.xls")
        == "Berkas .xls (format lama). Buka di Excel dan simpan sebagai .xlsx (Buku Kerja Excel)."
    )
    assert "tanpa makro" in message("makro.xlsm")
    assert "hapus kata sandi" in message("terenkripsi.xlsx")
    assert "HTML" in message("halaman-web.xlsx")
    assert "CSV" in message("tabel.xlsx")
    assert "OpenDocument" in message("opendocument.xlsx")
    assert str(measured(hostile_dir / "acak.xlsx").refusal).endswith("[NOT_XLSX]")


def test_committed_hostile_files_are_every_small_case_and_still_refused():
    """tests/files/hostile/ is what `python tests/hostile.py` writes; bombs are built at test time only."""
    committed = {p.name for p in hostile.HOSTILE_DIR.iterdir()}
    assert committed == {name for name, case in hostile.CASES.items() if not case.large}
    for name in sorted(committed):
        outcome = measured(hostile.HOSTILE_DIR / name)
        case = hostile.CASES[name]
        if case.refusal:
            assert outcome.code == case.refusal, name
        else:
            assert case.warning in [w.code for w in outcome.result.warnings], name


# -- workbooks lkjxl writes --------------------------------------------------------------------


@pytest.fixture(scope="module")
def lkjxl_workbook(tmp_path_factory) -> Path:
    d = definition.load(ROOT / "workbook_templates" / "kabkota-2024.yaml")
    return template.write(d, d.find_satker("1971"), tmp_path_factory.mktemp("normal") / "PK-1971.xlsx")


def test_lkjxl_workbook_passes_without_warnings(lkjxl_workbook):
    outcome = measured(lkjxl_workbook)
    assert outcome.refusal is None, outcome.refusal
    result = outcome.result
    assert result.warnings == [] and result.external_links == []
    assert result.workbook_part == "xl/workbook.xml"
    assert {"PK", "Realisasi", "Anggaran", "_Meta"} <= set(result.sheets)
    assert set(result.dimensions) == set(result.sheets)
    assert result.uncompressed_bytes == sum(m.size for m in result.members)
    assert_cheap(outcome, lkjxl_workbook)


@pytest.mark.parametrize("golden", sorted((ROOT / "tests" / "golden").glob("*.xlsx")), ids=lambda p: p.name)
def test_golden_workbooks_pass(golden):
    assert inspect(golden).warnings == []


# -- limits --------------------------------------------------------------------------------------


def test_limits_are_configurable(lkjxl_workbook):
    size = lkjxl_workbook.stat().st_size
    assert measured(lkjxl_workbook, Limits(max_file_bytes=size - 1)).code == "TOO_LARGE"
    assert measured(lkjxl_workbook, Limits(max_uncompressed_bytes=10_000)).code == "TOO_LARGE"  # ratio is normal
    assert measured(lkjxl_workbook, Limits(max_xml_member_bytes=20_000)).code == "TOO_LARGE"
    assert measured(lkjxl_workbook, Limits(max_members=5)).code == "TOO_MANY_MEMBERS"
    assert measured(lkjxl_workbook, Limits(max_ratio=2, ratio_min_bytes=1)).code == "ZIP_BOMB"
    tight = measured(lkjxl_workbook, Limits(max_rows=20, max_cols=10)).result
    assert {w.code for w in tight.warnings} == {"BOGUS_DIMENSION"}


def test_ratio_applies_only_to_large_parts(tmp_path):
    """900 KB of well-compressed XML is normal; the same ratio on 64 MB is a bomb."""
    small = tmp_path / "kecil.xlsx"
    small.write_bytes(hostile.rezip(hostile.base_workbook(), {"xl/sharedStrings.xml": b" " * 900_000}))
    assert measured(small, Limits()).refusal is None


def test_a_part_accepted_once_is_checked_again_under_other_limits(tmp_path):
    """Structural parts are parsed once per content (a national set repeats them), under each cap."""
    extra = "".join(f'<Default Extension="x{n}" ContentType="application/octet-stream"/>' for n in range(300))
    path = tmp_path / "banyak-jenis.xlsx"
    path.write_bytes(
        hostile.rezip(hostile.base_workbook(), hostile.edit("[Content_Types].xml", "<Default ", extra + "<Default "))
    )
    assert measured(path, Limits()).refusal is None
    assert measured(path, Limits(max_members=25)).code == "TOO_LARGE"
    assert measured(path, Limits()).refusal is None


def test_limits_parse():
    limits = Limits.parse("max_file_bytes=80MB, max_members=5000,max_ratio=300")
    assert (limits.max_file_bytes, limits.max_members, limits.max_ratio) == (80 * 2**20, 5000, 300)
    assert limits.max_rows == Limits().max_rows
    with pytest.raises(ValueError, match="tidak dikenal"):
        Limits.parse("max_sheets=3")
    with pytest.raises(ValueError, match="tidak sah"):
        Limits.parse("max_members=banyak")


def test_unreadable_paths(tmp_path):
    assert measured_code(tmp_path / "tidak-ada.xlsx") == "UNREADABLE"
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert measured_code(folder) == "UNREADABLE"


def measured_code(path: Path) -> str:
    with pytest.raises(Refusal) as info:
        inspect(path)
    return info.value.code


def test_hostile_cases_cover_every_refusal_code():
    covered = {case.refusal for case in hostile.CASES.values() if case.refusal} | {"UNREADABLE"}  # see below
    assert covered == set(safety.CODES)


# -- formula injection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", "+62 812", "-5 kegiatan", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1", '  =HYPERLINK("x")']
)
def test_formula_like_text_is_neutralised_for_csv(text):
    assert safety.is_formula_like(text)
    assert safety.safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Partisipasi pemilih", "81,2%", "Rp 1.000.000", "a=b", "'=1+1"])
def test_ordinary_text_is_left_alone(text):
    assert not safety.is_formula_like(text)
    assert safety.safe_text(text) == text


def test_workbooks_store_formula_like_operator_text_as_text(tmp_path):
    """lkjxl writes text with write_string: an operator's '=…' stays a string in the output."""
    import openpyxl

    from lkjxl.book import Book

    book = Book(title="uji")
    sheet = book.sheet("Catatan")
    for row, text in enumerate(["=1+1", "+62 812", "-5 kegiatan", "@SUM(A1)"]):
        sheet.put(row, 0, text)
    path = tmp_path / "catatan.xlsx"
    book.save(path)
    ws = openpyxl.load_workbook(path)["Catatan"]
    assert [(c.value, c.data_type) for (c,) in ws.iter_rows(max_col=1)] == [
        ("=1+1", "s"),
        ("+62 812", "s"),
        ("-5 kegiatan", "s"),
        ("@SUM(A1)", "s"),
    ]
