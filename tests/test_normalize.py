"""Cell values as operators type or paste them (DOMAIN §5) read into typed values.

Every form in the tables below is quoted from DOMAIN §1.3, §5.1–5.3, §5.8 and §5.13 (the
seed reports) unless marked otherwise; the expected readings follow DOMAIN's rules, not
the code under test.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lkjxl import normalize
from lkjxl.model import ValueKind
from lkjxl.normalize import (
    ERROR_CODES,
    NOTE_CODES,
    UNIT_ALIASES,
    Parsed,
    clean_text,
    fold_unit,
    fold_unit_name,
    parse_budget_code,
    parse_count,
    parse_date_id,
    parse_grade,
    parse_money,
    parse_nip,
    parse_number,
    parse_percent,
    parse_value,
)

MISSING = object()  # expected value of a null-ish cell


def check(p: Parsed, value, error: str | None = None, notes: tuple[str, ...] = ()) -> None:
    """Assert one reading: the value (or MISSING, or None for an error) and the exact codes."""
    assert p.error == error, p
    assert p.missing is (value is MISSING), p
    if value is MISSING or error:
        assert p.value is None, p
    else:
        assert p.value == value and type(p.value) is type(value), p
    assert set(p.notes) == set(notes), p


# --- text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Rp.\u00a040.343.017.000,-  ", "Rp. 40.343.017.000,-"),  # NBSP
        ("1\u2009234", "1 234"),  # thin space
        ("Lay\u200banan", "Layanan"),  # zero-width space
        ("Subbagian\nKeuangan,  Umum", "Subbagian Keuangan, Umum"),
        ("\u0412", "B"),  # Cyrillic Ve
        ("\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425", "ABCEHKMOPTX"),
        ("\u0430\u0435\u043e\u0440\u0441\u0445", "aeopcx"),
        ("\u0418", "\u0418"),  # Cyrillic I is a mirrored N, not a look-alike
        ("\uff18\uff15%", "85%"),  # fullwidth digits: NFKC
        (None, ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


# --- money (DOMAIN §5.1, §5.2) ------------------------------------------------------------

T = ("TEXT_NUMBER",)


@pytest.mark.parametrize(
    ("raw", "value", "error", "notes"),
    [
        ("Rp. 40.343.017.000,-", 40_343_017_000, None, T),
        ("Rp 43.644.000", 43_644_000, None, T),
        ("Rp.36.770.757.663,-", 36_770_757_663, None, T),
        ("Rp. 2.532.693.447-", 2_532_693_447, None, T),
        ("rp. 20.088.904.000", 20_088_904_000, None, T),
        ("Rp. 43.644.000,00", 43_644_000, None, T),
        ("43,644,000", 43_644_000, None, T),  # 003 Rencana Aksi: English thousands
        ("Rp. 38,517,858,000", 38_517_858_000, None, T),
        ("2.976.478.000", 2_976_478_000, None, T),
        ("2,816,868,000", 2_816_868_000, None, T),
        ("Rp. 1.000", 1000, None, T),  # placeholder pagu: `.` + 3 digits is thousands
        (43644000.0, 43_644_000, None, ()),
        (43644000, 43_644_000, None, ()),
        (D("43644000"), 43_644_000, None, ()),
        ("Rp. 0,-", 0, None, T),
        (0, 0, None, ()),
        ("Rp. 95.766,000,-", 95_766_000, None, (*T, "MIXED_SEPARATORS")),  # OCR damage
        ("Rp. 28,580.000,-", 28_580_000, None, (*T, "MIXED_SEPARATORS")),
        ("Rp. -", MISSING, None, ()),
        ("Rp -,-", MISSING, None, ()),
        ("-", MISSING, None, ()),
        ("\u2013", MISSING, None, ()),
        ("", MISSING, None, ()),
        (None, MISSING, None, ()),
        ("%", MISSING, None, ()),
        (".", MISSING, None, ()),
        (float("nan"), MISSING, None, ()),
        ("0,00%", MISSING, None, ("PERCENT_IN_AMOUNT",)),  # 000 jenis belanja amount cell
        ("83,32%", None, "UNIT_MISMATCH", ()),
        (43644000.5, None, "NOT_INTEGER", ()),
        ("Rp. 1.234,50", None, "NOT_INTEGER", T),
        ("Rp -1.000", None, "NEGATIVE", T),
        ("-Rp 1.000,-", None, "NEGATIVE", T),
        (-5000, None, "NEGATIVE", ()),
        ("tiga juta", None, "NOT_A_NUMBER", ()),
        (True, None, "NOT_A_NUMBER", ()),
        (date(2024, 1, 1), None, "NOT_A_NUMBER", ()),
        (float("inf"), None, "NOT_A_NUMBER", ()),
    ],
)
def test_parse_money(raw, value, error, notes):
    check(parse_money(raw), value, error, notes)


MONEY_TEXT = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["", "Rp", "Rp.", "Rp ", "Rp. ", "rp ", "RP.", "Rp  ", "IDR ", "Rp: ", " ", "-", "Rp -"]),
        st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=7).map(
            lambda groups: "".join(g + ("." if i % 3 else ",") for i, g in enumerate(groups[:-1], 1)) + groups[-1]
        )
        | st.from_regex(r"[1-9][0-9]{0,2}(\.[0-9]{3}){0,5}", fullmatch=True),
        st.sampled_from(["", ",-", ",00", ",0", ",--", " ,-", "-", ",-\n", " rupiah", "%", ".-", ",00,-"]),
    ),
)


@given(MONEY_TEXT)
@example("0")
@example("012")
@example("0.123")
@example("1.2345")
@example("Rp. 1.234.567,-")
def test_usual_money_text_is_read_as_the_general_path_reads_it(text):
    """parse_money reads the usual pasted amounts without the general path; same result, always."""
    assert parse_money(text) == normalize._parse_money(text, False)


def test_parse_money_allows_negative_when_asked():
    check(parse_money("Rp -1.000", allow_negative=True), -1000, None, T)


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "hint", "value", "error", "notes"),
    [
        ("1.234,5", None, D("1234.5"), None, T),
        ("1,234.5", None, D("1234.5"), None, T),
        ("97,5", None, D("97.5"), None, T),
        ("0.16", None, D("0.16"), None, T),
        ("0,16", None, D("0.16"), None, T),
        ("1 234", None, D("1234"), None, T),
        ("1\u00a0234,5", None, D("1234.5"), None, T),
        ("\u22123,5", None, D("-3.5"), None, T),  # Unicode minus
        ("1.234.567", None, D("1234567"), None, T),
        ("164.862", "count", D("164862"), None, (*T, "AMBIGUOUS_SEPARATOR")),
        ("8.082", "count", D("8082"), None, (*T, "AMBIGUOUS_SEPARATOR")),
        ("8,082", "count", D("8082"), None, (*T, "AMBIGUOUS_SEPARATOR")),
        ("8.082", "decimal", D("8.082"), None, (*T, "AMBIGUOUS_SEPARATOR")),
        ("8.082", None, D("8082"), None, (*T, "AMBIGUOUS_SEPARATOR")),  # `.` groups (ID)
        ("8,082", None, D("8.082"), None, (*T, "AMBIGUOUS_SEPARATOR")),  # `,` decimal (ID)
        ("0.160", None, D("0.160"), None, T),  # a leading 0 cannot start a thousands group
        ("1234.567", None, D("1234.567"), None, T),  # 4 digits before: not a group
        (75, None, D(75), None, ()),
        (71.55, None, D("71.55"), None, ()),
        (0.1 + 0.2, None, D("0.3"), None, ()),  # what Excel shows, not the binary noise
        ("-", None, MISSING, None, ()),
        ("1.2.3", None, None, "NOT_A_NUMBER", ()),
        ("1,234,56", None, None, "NOT_A_NUMBER", ()),
        ("12 34", None, None, "NOT_A_NUMBER", ()),
        ("BAIK", None, None, "NOT_A_NUMBER", ()),
        (False, None, None, "NOT_A_NUMBER", ()),
    ],
)
def test_parse_number(raw, hint, value, error, notes):
    check(parse_number(raw, decimal_hint=hint), value, error, notes)


def test_ambiguous_number_says_how_it_was_read():
    assert "ribuan" in parse_number("8.082", decimal_hint="count").reading
    assert "desimal" in parse_number("8.082", decimal_hint="decimal").reading


def test_unknown_decimal_hint_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_number("1", decimal_hint="money")


# --- percentages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pct_cell", "value", "notes"),
    [
        ("0,16%", False, D("0.0016"), T),
        ("0.16%", False, D("0.0016"), T),
        ("87,5%", False, D("0.875"), T),  # 003 RKT
        ("87.50%", False, D("0.875"), T),  # 003 Rencana Aksi
        ("83,32%", False, D("0.8332"), T),
        ("100 %", False, D("1"), T),
        ("99, 19%", False, D("0.9919"), T),
        ("102,70%", False, D("1.027"), T),
        ("0,00%", False, D("0"), T),
        ("89,73 % %", False, D("0.8973"), (*T, "PERCENT_SIGN_DOUBLED")),
        ("89,73", False, D("0.8973"), (*T, "NO_PERCENT_SIGN")),  # 000 history row
        ("90&", False, D("0.9"), (*T, "AMPERSAND_AS_PERCENT")),
        ("%", False, MISSING, ()),
        ("-", False, MISSING, ()),
        ("", False, MISSING, ()),
        (None, True, MISSING, ()),
        (0.855, True, D("0.855"), ()),  # %-formatted cell: already a fraction
        (1.2, True, D("1.2"), ()),  # 120% is still a fraction
        (85, True, D("0.85"), ("SCALED_PERCENT",)),  # pasted points in a % cell
        (90, False, D("0.9"), ("SCALED_PERCENT",)),  # DOMAIN §5.1: `90` in a General cell
        (0.9, False, D("0.9"), ("AMBIGUOUS_PERCENT",)),  # 0,9 in a General cell
        (0, False, D("0"), ()),
        ("2.000%", False, D("0.02"), (*T, "AMBIGUOUS_SEPARATOR")),
        ("2.000,5%", False, D("20.005"), (*T, "IMPLAUSIBLE_PERCENT")),
        (2000, True, D("20"), ("SCALED_PERCENT", "IMPLAUSIBLE_PERCENT")),
    ],
)
def test_parse_percent(raw, pct_cell, value, notes):
    check(parse_percent(raw, cell_is_percent_format=pct_cell), value, None, notes)


@pytest.mark.parametrize("raw", ["sembilan puluh", "90 kali", date(2024, 1, 1), True])
def test_parse_percent_refuses(raw):
    check(parse_percent(raw), None, "NOT_A_NUMBER")


def test_every_percent_decision_is_explained():
    for raw in ("89,73", 85, 0.9):
        assert parse_percent(raw).reading


# --- counts and units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "unit", "value", "error", "notes"),
    [
        ("3 kali", "kali", D(3), None, T),
        ("3 Kali", "kali", D(3), None, T),
        ("3x", "kali", D(3), None, (*T, "UNIT_ALIAS")),
        ("7 Kecamatan", "kecamatan", D(7), None, T),
        ("7 Kec.", "Kecamatan", D(7), None, (*T, "UNIT_ALIAS")),
        ("12 Lap", "Laporan", D(12), None, (*T, "UNIT_ALIAS")),
        ("12 Lap.", "laporan", D(12), None, (*T, "UNIT_ALIAS")),
        ("2 laporan", "Lap", D(2), None, (*T, "UNIT_ALIAS")),
        ("1 Dokumen", "dokumen", D(1), None, T),
        ("1 Dok", "Dokumen", D(1), None, (*T, "UNIT_ALIAS")),
        ("8.082 orang", "orang", D(8082), None, (*T, "AMBIGUOUS_SEPARATOR")),
        ("8.082 Org", "orang", D(8082), None, (*T, "AMBIGUOUS_SEPARATOR", "UNIT_ALIAS")),
        ("3", "kali", D(3), None, T),  # bare number: unit implied
        (3.0, "kali", D(3), None, ()),
        (3, "kali", D(3), None, ()),
        ("3 kali", "", D(3), None, (*T, "UNIT_UNCHECKED")),
        ("-", "kali", MISSING, None, ()),
        ("12 Lap", "dokumen", None, "UNIT_MISMATCH", T),
        ("85%", "orang", None, "UNIT_MISMATCH", T),
        ("3,5 kali", "kali", None, "NOT_INTEGER", T),
        (3.5, "kali", None, "NOT_INTEGER", ()),
        ("-2 kali", "kali", None, "NEGATIVE", T),
        ("tiga kali", "kali", None, "NOT_A_NUMBER", ()),
    ],
)
def test_parse_count(raw, unit, value, error, notes):
    check(parse_count(raw, unit), value, error, notes)


def test_unit_mismatch_names_both_units():
    reading = parse_count("12 Lap", "dokumen").reading
    assert "Lap" in reading and "dokumen" in reading


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("Lap", "laporan"), ("Lap.", "laporan"), (" LAPORAN ", "laporan"),
        ("laporan-laporan", "laporan"), ("Dok", "dokumen"), ("dokumens", "dokumen"),
        ("Kec", "kecamatan"), ("Org", "orang"), ("x", "kali"), ("Kali", "kali"),
        ("TPS", "tps"),
    ],
)  # fmt: skip
def test_fold_unit(raw, unit):
    assert fold_unit(raw) == unit


def test_unit_aliases_point_at_canonical_units():
    assert all(UNIT_ALIASES[canonical] == canonical for canonical in UNIT_ALIASES.values())


# --- grades and opinions (DOMAIN §1.3, §5.3) --------------------------------------------------

AKIP, BPK = ValueKind.GRADE_AKIP, ValueKind.OPINION_BPK


@pytest.mark.parametrize(
    ("raw", "kind", "value", "error", "notes"),
    [
        ("B", AKIP, "B", None, ()),
        ("bb", AKIP, "BB", None, ()),
        (" A A ", AKIP, "AA", None, ()),
        ('"B"', AKIP, "B", None, ()),
        ("\u201cCC\u201d", AKIP, "CC", None, ()),
        ("\u0412", AKIP, "B", None, ("HOMOGLYPH_FOLDED",)),  # Cyrillic Ve, as printed
        ("\u0412\u0412", AKIP, "BB", None, ("HOMOGLYPH_FOLDED",)),
        ("\u0421", AKIP, "C", None, ("HOMOGLYPH_FOLDED",)),
        ("B (Baik)", AKIP, "B", None, ()),
        ("B (2023)", AKIP, "B", None, ("GRADE_LABEL_IGNORED",)),
        ("B (Sangat Baik)", AKIP, None, "NOT_A_GRADE", ()),
        ("-", AKIP, MISSING, None, ()),
        ("E", AKIP, None, "NOT_A_GRADE", ()),
        ("B-", AKIP, None, "NOT_A_GRADE", ()),
        ("WTP", AKIP, None, "NOT_A_GRADE", ()),
        (71.55, AKIP, None, "NOT_A_GRADE", ()),  # 000's score is not the grade
        ("WTP", BPK, "WTP", None, ()),
        ("wdp", BPK, "WDP", None, ()),
        ("TW", BPK, "TW", None, ()),
        ("TMP", BPK, "TMP", None, ()),
        ("Wajar Tanpa Pengecualian", BPK, "WTP", None, ()),
        ("Wajar Dengan Pengecualian", BPK, "WDP", None, ()),
        ("Tidak Wajar", BPK, "TW", None, ()),
        ("Tidak Menyatakan Pendapat", BPK, "TMP", None, ()),
        ("Disclaimer", BPK, "TMP", None, ()),
        ("WTP (Wajar Tanpa Pengecualian)", BPK, "WTP", None, ()),
        ("\u0422\u041c\u0420", BPK, "TMP", None, ("HOMOGLYPH_FOLDED",)),
        ("WTP (Tidak Wajar)", BPK, None, "NOT_A_GRADE", ()),
        ("B", BPK, None, "NOT_A_GRADE", ()),
        (True, BPK, None, "NOT_A_GRADE", ()),
    ],
)
def test_parse_grade(raw, kind, value, error, notes):
    check(parse_grade(raw, kind), value, error, notes)


def test_parse_grade_needs_an_ordinal_kind():
    with pytest.raises(ValueError):
        parse_grade("B", ValueKind.PERCENT)


# --- dispatch by indicator kind -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "satuan", "value", "notes"),
    [
        ("90%", "percent", "%", D("0.9"), T),
        ("3 kali", "count", "kali", D(3), T),
        ("12 Lap", "count", "laporan", D(12), (*T, "UNIT_ALIAS")),
        (75, "index", "", D(75), ()),
        ("72,5", "index", "", D("72.5"), T),
        ("3.282", "index", "", D("3.282"), (*T, "AMBIGUOUS_SEPARATOR")),
        ("BAIK", "index", "", "BAIK", ("INDEX_WORD",)),  # Nilai KIP as a word
        ("B", "grade_akip", "nilai", "B", ()),
        ("WTP", "opinion_bpk", "opini", "WTP", ()),
    ],
)
def test_parse_value(raw, kind, satuan, value, notes):
    check(parse_value(raw, kind, satuan), value, None, notes)


def test_parse_value_passes_the_cell_format():
    assert parse_value(0.9, "percent", "%", cell_is_percent_format=True).notes == ()
    assert parse_value(0.9, "percent", "%").notes == ("AMBIGUOUS_PERCENT",)


# --- dates (DOMAIN §5.13) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "error", "notes"),
    [
        ("05 Agustus 2024", date(2024, 8, 5), None, ()),
        ("11 Nopember 2024", date(2024, 11, 11), None, ()),
        ("30 Desember2024", date(2024, 12, 30), None, ()),
        ("24 Pebruari 2025", date(2025, 2, 24), None, ()),
        ("24 Februari 2025", date(2025, 2, 24), None, ()),
        ("16 januari 2025", date(2025, 1, 16), None, ()),
        ("30 Des 2024", date(2024, 12, 30), None, ()),
        ("Banjarbaru, 16 Januari 2025", date(2025, 1, 16), None, ()),
        ("24-02-2025", date(2025, 2, 24), None, ()),
        ("24/02/2025", date(2025, 2, 24), None, ()),
        ("2025-02-24", date(2025, 2, 24), None, ()),
        (date(2025, 1, 28), date(2025, 1, 28), None, ()),
        (datetime(2025, 1, 28), date(2025, 1, 28), None, ()),
        (datetime(2025, 1, 28, 9, 30), date(2025, 1, 28), None, ("TIME_DROPPED",)),
        (45712, date(2025, 2, 24), None, ("EXCEL_SERIAL_DATE",)),
        ("", MISSING, None, ()),
        ("31 Februari 2024", None, "BAD_DATE", ()),
        ("2025-13-01", None, "BAD_DATE", ()),
        ("Desember 2024", None, "BAD_DATE", ()),
        ("24-02-25", None, "BAD_DATE", ()),
        (12, None, "BAD_DATE", ()),
        (True, None, "BAD_DATE", ()),
    ],
)
def test_parse_date_id(raw, value, error, notes):
    check(parse_date_id(raw), value, error, notes)


# --- NIP (DOMAIN §1.3, §5.13) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "error", "notes"),
    [
        ("19850915 201012 1 004", "198509152010121004", None, ()),
        ("198509152010121004", "198509152010121004", None, ()),
        ("196807201993122003", "196807201993122003", None, ()),  # 000's Sekretaris
        ("NIP. 19680720 199312 2 003", "196807201993122003", None, ()),
        (196807201993122003, "196807201993122003", None, ("NIP_AS_NUMBER",)),
        ("", MISSING, None, ()),
        (1.98509152010121e17, None, "BAD_NIP", ()),  # Excel made it a number
        ("19850915 201012 1 00", None, "BAD_NIP", ()),  # 17 digits
        ("19851315 201012 1 004", None, "BAD_NIP", ()),  # month 13
        ("19850931 201012 1 004", None, "BAD_NIP", ()),  # 31 September
        ("19850915 201013 1 004", None, "BAD_NIP", ()),  # appointment month 13
        ("19850915 199012 1 004", None, "BAD_NIP", ()),  # appointed at 5
        ("19850915 201012 3 004", None, "BAD_NIP", ()),  # gender digit 3
        ("19850915 201012 1 000", None, "BAD_NIP", ()),  # sequence lost
        ("19850915-201012-1-004", None, "BAD_NIP", ()),
    ],
)
def test_parse_nip(raw, value, error, notes):
    p = parse_nip(raw)
    check(p, value, error, notes)
    if error:
        assert p.reading


def test_nip_float_reading_says_digits_were_lost():
    assert "hilang" in parse_nip(1.98509152010121e17).reading


# --- budget codes (DOMAIN §1.2, §5.8) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "error", "notes"),
    [
        ("[6709.QGE.001]", "6709.QGE.001", None, ()),
        ("(6872. QGE.002)", "6872.QGE.002", None, ()),
        ("[ 6872 ]", "6872", None, ()),
        ("6709", "6709", None, ()),
        ("3355.EBA.994", "3355.EBA.994", None, ()),
        ("6709.qge.001", "6709.QGE.001", None, ()),
        ("QGE.001", "QGE.001", None, ()),
        ("EBB", "EBB", None, ()),  # a bare KRO
        ("076.01.CQ", "076.01.CQ", None, ()),
        ("076.01.WA", "076.01.WA", None, ()),
        ("CQ.6709.QGE", "CQ.6709.QGE", None, ("PROGRAM_PREFIX",)),
        ("[6639.BDB.001)", "6639.BDB.001", None, ("UNBALANCED_BRACKETS",)),
        ("\u20acQ", "CQ", None, ("HOMOGLYPH_FOLDED",)),
        ("076.01.\u20acQ", "076.01.CQ", None, ("HOMOGLYPH_FOLDED",)),
        ("\u0421Q", "CQ", None, ("HOMOGLYPH_FOLDED",)),  # Cyrillic Es
        (6709, "6709", None, ("CODE_AS_NUMBER",)),
        (6709.0, "6709", None, ("CODE_AS_NUMBER",)),
        ("6709.QGE.0A1", "6709.QGE.0A1", None, ("UNKNOWN_CODE_SHAPE",)),
        ("Sarana IT Pemilu", "SARANA IT PEMILU", None, ("UNKNOWN_CODE_SHAPE",)),
        ("[ ]", MISSING, None, ()),
        ("-", MISSING, None, ()),
        (6709.5, None, "BAD_CODE", ()),
        (date(2024, 1, 1), None, "BAD_CODE", ()),
        (False, None, "BAD_CODE", ()),
    ],
)
def test_parse_budget_code(raw, value, error, notes):
    check(parse_budget_code(raw), value, error, notes)


# --- unit names (DOMAIN §1.3, §5.13) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("Keuangan, Umum dan Logistik", "KUL"),
        ("Subbagian Keuangan, Umum, dan Logistik", "KUL"),
        ("Umum, Keuangan dan Logistik", "KUL"),
        ("SUBBAG UMUM, KEUANGAN DAN LOGISTIK", "KUL"),
        ("KUL", "KUL"),
        ("Perencanaan, Data dan Informasi", "PDI"),
        ("Sub Bagian Perencanaan, Data, dan Informasi", "PDI"),
        ("Rendatin", "PDI"),
        ("PDI", "PDI"),
        ("Teknis Penyelenggaraan Pemilu, Partisipasi dan Hubungan Masyarakat", "TEKNIS"),
        ("Kepala Sub Bagian Teknis Penyelenggaraan Pemilu, Partisipasi dan Hubmas", "TEKNIS"),
        ("Subbagian Teknis Penyelenggara", "TEKNIS"),
        ("Hukum dan SDM", "HUKUM_SDM"),
        ("SUB BAGIAN HUKUM & SDM", "HUKUM_SDM"),
        ("Subbagian Hukum dan Sumber Daya Manusia", "HUKUM_SDM"),
        ("Subbagian Keuangan, Umum dan Logistk", "KUL"),  # OCR typo
        ("Divisi Teknis Penyelenggara", None),  # 003 pelaksana: a Divisi, other axis
        ("Divisi Keuangan, Umum dan Logistik", None),
        ("Hukum dan Pengawasan", None),  # a Divisi name without the word
        ("Sekretariat", None),
        ("", None),
        (None, None),
    ],
)
def test_fold_unit_name(raw, unit):
    assert fold_unit_name(raw) == unit


# --- properties ----------------------------------------------------------------------------------

ANY_CELL = st.one_of(
    st.text(), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(),
    st.decimals(), st.dates(), st.datetimes(),
    st.text(alphabet="0123456789.,-% Rp&\u00a0\u2212", max_size=20),
)  # fmt: skip
PARSERS = {
    "money": parse_money,
    "number": parse_number,
    "number_count": lambda v: parse_number(v, decimal_hint="count"),
    "percent": parse_percent,
    "percent_cell": lambda v: parse_percent(v, cell_is_percent_format=True),
    "count": lambda v: parse_count(v, "laporan"),
    "akip": lambda v: parse_grade(v, AKIP),
    "bpk": lambda v: parse_grade(v, BPK),
    "index": lambda v: parse_value(v, ValueKind.INDEX, ""),
    "date": parse_date_id,
    "nip": parse_nip,
    "code": parse_budget_code,
}


def assert_well_formed(p: Parsed) -> None:
    assert isinstance(p, Parsed)
    assert p.error is None or p.error in ERROR_CODES
    assert set(p.notes) <= NOTE_CODES
    if p.missing or p.error:
        assert p.value is None
    if p.missing:
        assert p.error is None


@pytest.mark.parametrize("name", PARSERS)
@given(v=ANY_CELL)
@example(v="Rp. -")
@example(v=10**5000)
def test_no_cell_value_raises(name, v):
    assert_well_formed(PARSERS[name](v))


@given(v=ANY_CELL)
def test_text_helpers_never_raise(v):
    text = v if isinstance(v, str) else None
    clean_text(text)
    fold_unit(text)
    assert fold_unit_name(v) in (None, "PDI", "KUL", "TEKNIS", "HUKUM_SDM")


@given(n=st.integers(min_value=0, max_value=10**15 - 1))
def test_indonesian_money_round_trips(n):
    printed = "Rp. " + f"{n:,}".replace(",", ".") + ",-"
    check(parse_money(printed), n, None, T)


def test_money_beyond_what_excel_holds_exactly_is_refused():
    assert parse_money("Rp. 1.000.000.000.000.000,-").error == "NOT_INTEGER"  # 10^15: digits Excel would lose


@given(d=st.decimals(min_value=-1000, max_value=1000, places=2))
def test_percent_with_decimal_comma_round_trips(d):
    p = parse_percent(str(d).replace(".", ",") + "%")
    assert p.ok and p.value == d / 100, p


NULLISH = st.builds(
    lambda pad1, core, pad2: pad1 + core + pad2,
    st.sampled_from(["", " ", "\u00a0", "\u200b", "\u2009", "\n"]),
    st.sampled_from(["", "-", "\u2013", "\u2014", "%", "% %", "&", ".", "Rp. -", "Rp -,-",
                     "rp.-", "-,-", "Rp"]),
    st.sampled_from(["", " ", "\u00a0", "\u200b"]),
)  # fmt: skip


@pytest.mark.parametrize("name", PARSERS)
@given(v=NULLISH)
def test_missing_is_never_zero(name, v):
    p = PARSERS[name](v)
    assert p.missing and p.value is None and p.error is None, p
