"""Turn one operator-entered cell value into a typed value, or a refusal with a reason.

Every parser takes whatever a reader gives for a cell (`str`, `int`, `float`, `bool`,
`date`/`datetime`, `Decimal`, `None`) and returns a `Parsed`. None of them raises on a cell
value, none turns a null-ish cell (DOMAIN §5.2) into 0, and every reading of an ambiguous
value is recorded as a note code and explained in `Parsed.reading` (DOMAIN §5.1).

Invariants: `missing` ⇒ `value is None` and no error; `error` ⇒ `value is None`; every code
is in `ERROR_CODES` or `NOTE_CODES`. Floats are read the way Excel shows them (15
significant digits), so 0.1+0.2 reads as 0.3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from lkjxl.model import AKIP_GRADES, BPK_OPINIONS, MONTHS, ValueKind
from lkjxl.textnorm import (
    UNIT_ALIASES,
    clean_text,
    fold_homoglyphs,
    fold_unit,
    fold_unit_name,
    is_nullish,
    match_key,
)

__all__ = [
    "ERROR_CODES", "NOTE_CODES", "PERCENT_FRACTION_MAX", "UNIT_ALIASES", "Parsed",
    "clean_text", "fold_unit", "fold_unit_name", "parse_budget_code", "parse_count",
    "parse_date_id", "parse_grade", "parse_money", "parse_nip", "parse_number",
    "parse_percent", "parse_value",
]  # fmt: skip

MONEY_MAX = Decimal(10) ** 15  # doubles hold integers exactly only up to about 9×10^15; Excel shows 15 digits

ERROR_CODES = frozenset({
    "NOT_A_NUMBER", "NOT_INTEGER", "NEGATIVE", "UNIT_MISMATCH", "NOT_A_GRADE",
    "BAD_NIP", "BAD_DATE", "BAD_CODE",
})  # fmt: skip
NOTE_CODES = frozenset({
    "TEXT_NUMBER", "AMBIGUOUS_SEPARATOR", "MIXED_SEPARATORS", "HOMOGLYPH_FOLDED",
    "PERCENT_SIGN_DOUBLED", "AMPERSAND_AS_PERCENT", "NO_PERCENT_SIGN", "SCALED_PERCENT",
    "AMBIGUOUS_PERCENT", "IMPLAUSIBLE_PERCENT", "PERCENT_IN_AMOUNT", "UNIT_ALIAS",
    "UNIT_UNCHECKED", "INDEX_WORD", "GRADE_LABEL_IGNORED", "NIP_AS_NUMBER", "TIME_DROPPED",
    "EXCEL_SERIAL_DATE", "CODE_AS_NUMBER", "PROGRAM_PREFIX", "UNBALANCED_BRACKETS",
    "UNKNOWN_CODE_SHAPE",
})  # fmt: skip

# A percent read from a number above this is taken as percent points (85 → 85%), see
# `parse_percent`; capaian up to 150% is still a fraction.
PERCENT_FRACTION_MAX = Decimal("1.5")
_MAX_DIGITS = 30  # longer digit runs are not cell values (and would overflow int→str)

DecimalHint = Literal["count", "decimal"] | None


@dataclass(frozen=True)
class Parsed:
    """One cell, read: a typed `value`, or `missing`, or an `error` code; plus notes."""

    value: Decimal | int | str | date | None = None
    missing: bool = False
    error: str | None = None
    notes: tuple[str, ...] = ()
    reading: str = ""  # how an ambiguous or refused value was read, for the operator

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing


def _ok(value, notes=(), reading="") -> Parsed:
    return Parsed(value, False, None, tuple(dict.fromkeys(notes)), reading)


def _missing(notes=(), reading="") -> Parsed:
    return Parsed(None, True, None, tuple(dict.fromkeys(notes)), reading)


def _error(code: str, reading: str, notes=()) -> Parsed:
    return Parsed(None, False, code, tuple(dict.fromkeys(notes)), reading)


def _prepare(v: object, code: str) -> Parsed | tuple[str, object, list[str]]:
    """Sort a raw cell value into ("text", str) / ("number", Decimal) / ("date", date), or
    give the final `Parsed` for empty and unusable values (refused with `code`)."""
    if v is None:
        return _missing()
    if isinstance(v, bool):
        return _error(code, f"nilai logika ({v}), bukan isian")
    if isinstance(v, str):
        text, folded = fold_homoglyphs(clean_text(v, homoglyphs=False))
        if is_nullish(text):
            return _missing()
        return "text", text, ["HOMOGLYPH_FOLDED"] if folded else []
    if isinstance(v, float | int | Decimal):
        num = Decimal(format(v, ".15g")) if isinstance(v, float) else Decimal(v)
        if num.is_nan():  # pandas' empty cell
            return _missing()
        if num.is_infinite():
            return _error(code, "nilai tak hingga")
        if num != 0 and num.adjusted() >= _MAX_DIGITS:
            return _error(code, "angka terlalu besar untuk isian")
        return "number", num, []
    if isinstance(v, date):
        return "date", v, []
    return _error(code, f"jenis nilai {type(v).__name__} tidak dikenal")


# --- numbers -------------------------------------------------------------------------

_SIGNS = "-\u2212\u2010\u2011\u2012\u2013\u2014"
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", re.ASCII)
_SPACED_MARK = re.compile(r"\s*([.,])\s*")
_DIGITS_AND_MARKS = re.compile(r"[0-9.,]*[0-9][0-9.,]*")


def _grouped(groups: list[str]) -> bool:
    """Whether digit groups split at separators read as thousands: 1-3 digits, then 3s."""
    head, rest = groups[0], groups[1:]
    return 1 <= len(head) <= 3 and head[0] != "0" and all(len(g) == 3 for g in rest)


def _read_decimal(text: str, hint: DecimalHint = None, *, money: bool = False):
    """Read a bare number (no currency, unit or %). Returns (value | None, notes, reading).

    Two different marks: the last is the decimal mark. One mark repeated: thousands. One
    mark once before exactly three digits (`8.082`) is ambiguous: `hint` "count" reads
    thousands, "decimal" a decimal, None the Indonesian way (`.` thousands, `,` decimal).
    With `money`, a mark before exactly three digits is always a thousands separator.
    """
    s = text.strip()
    neg = s[:1] in _SIGNS
    if s[:1] in _SIGNS + "+":
        s = s[1:].lstrip()
    if not _DIGITS_AND_MARKS.fullmatch(s):  # the usual text number needs none of the repairs
        s = _SPACED_MARK.sub(lambda m: m[1], s)  # `99, 19`
        if " " in s and _SPACE_GROUPED.fullmatch(s):
            s = s.replace(" ", "")  # `1 234`
    if not _DIGITS_AND_MARKS.fullmatch(s):
        return None, [], f"'{text}' bukan angka"
    if sum(c.isdigit() for c in s) > _MAX_DIGITS:
        return None, [], f"'{text}' terlalu panjang untuk angka"
    marks = re.findall(r"[.,]", s)
    groups = re.split(r"[.,]", s)
    if groups[0] == "" and len(groups) == 2:
        groups[0] = "0"  # `,5`
    if "" in groups:
        return None, [], f"'{text}' bukan angka (pemisah ganda atau di ujung)"
    notes: list[str] = []
    reading = ""
    dec = None
    if marks and _grouped(groups) and (money or (len(marks) > 1 and len(set(marks)) == 1)):
        if len(set(marks)) > 1:
            notes.append("MIXED_SEPARATORS")
            reading = f"'{text}': titik dan koma sama-sama dibaca pemisah ribuan"
    elif marks and _grouped(groups) and len(marks) == 1:
        as_thousands = hint == "count" or (hint is None and marks[0] == ".")
        dec = None if as_thousands else marks[0]
        notes.append("AMBIGUOUS_SEPARATOR")
        how = "pemisah ribuan" if as_thousands else "tanda desimal"
        reading = f"'{text}': '{marks[0]}' dibaca sebagai {how}"
    elif marks:
        dec, thousands = marks[-1], marks[:-1]
        if dec in thousands or (thousands and not _grouped(groups[:-1])):
            return None, [], f"'{text}' bukan angka (pemisah ribuan/desimal tidak konsisten)"
        if len(set(thousands)) > 1:
            notes.append("MIXED_SEPARATORS")
            reading = f"'{text}': titik dan koma bercampur sebagai pemisah ribuan"
    whole = "".join(groups[:-1] if dec else groups)
    value = Decimal(f"{whole}.{groups[-1]}" if dec else whole)
    return (-value if neg and value else value), notes, reading


def _fmt(d: Decimal) -> str:
    """A Decimal for a reading: no exponent, no trailing zeros (`85.500` → `85.5`)."""
    return format(d.normalize(), "f")


def _check_hint(hint: object) -> None:
    if hint not in (None, "count", "decimal"):
        raise ValueError(f"decimal_hint must be None, 'count' or 'decimal', not {hint!r}")


def parse_number(v: object, *, decimal_hint: DecimalHint = None) -> Parsed:
    """A plain number as `Decimal`: `1.234,5`, `1,234.5`, `97,5`, `0.16`, `1 234`, `-3`
    (any Unicode minus or dash).

    A bare `8.082` / `8,082` is ambiguous and read by `decimal_hint` (see `_read_decimal`),
    with note AMBIGUOUS_SEPARATOR and the choice in `reading`.
    """
    _check_hint(decimal_hint)
    p = _prepare(v, "NOT_A_NUMBER")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if kind == "number":
        return _ok(x, notes)
    if kind == "date":
        return _error("NOT_A_NUMBER", f"tanggal {x}, bukan angka")
    value, more, reading = _read_decimal(x, decimal_hint)
    if value is None:
        return _error("NOT_A_NUMBER", reading, notes)
    return _ok(value, [*notes, "TEXT_NUMBER", *more], reading)


_RP = re.compile(r"^([-\u2212\u2013]\s*)?(?:rp|idr)\s*[.:]?\s*", re.IGNORECASE)
_MONEY_TAIL = re.compile(r"\s*(?:[.,]\s*)?[-\u2013\u2014]+$|\s*rupiah$", re.IGNORECASE)


def parse_money(v: object, *, allow_negative: bool = False) -> Parsed:
    """Integer rupiah: `Rp. 40.343.017.000,-`, `Rp 43.644.000`, `43,644,000`, `Rp. 0,-`.

    A `.` or `,` before exactly three digits is a thousands separator (DOMAIN §5.1), so OCR
    damage such as `Rp. 95.766,000,-` reads 95766000 with note MIXED_SEPARATORS. `Rp. -` and
    `-` are missing. A percentage in an amount cell is missing when 0 (`0,00%`, note
    PERCENT_IN_AMOUNT) and UNIT_MISMATCH otherwise.
    """
    if type(v) is float and v.is_integer() and 0 <= v < MONEY_MAX:
        return Parsed(int(v))  # the usual cell, typed as a number: what the general path gives, sooner
    if type(v) is str and (m := _USUAL_MONEY_TEXT.fullmatch(v)):
        return Parsed(int(m[1].replace(".", "")), notes=("TEXT_NUMBER",))  # the same, for text pasted from Word
    return _parse_money(v, allow_negative)


# `Rp. 1.234.567,-`, `Rp 1.234.567`, `1.234.567`, `250`: what `_parse_money` reads as the amount with
# only the note TEXT_NUMBER (tests/test_normalize.py holds the two to the same result)
_USUAL_MONEY_TEXT = re.compile(r"(?:Rp\.? ?)?([1-9][0-9]{0,2}(?:\.[0-9]{3}){0,4}|0)(?:,-|,00)?", re.ASCII)


def _parse_money(v: object, allow_negative: bool) -> Parsed:
    p = _prepare(v, "NOT_A_NUMBER")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if kind == "date":
        return _error("NOT_A_NUMBER", f"tanggal {x}, bukan nominal rupiah")
    reading = ""
    if kind == "text":
        m = _RP.match(x)
        body = _MONEY_TAIL.sub("", x[m.end() :] if m else x)
        if is_nullish(body):
            return _missing(notes)
        if "%" in body:
            pct = parse_percent(body)
            if pct.value == 0:
                return _missing([*notes, "PERCENT_IN_AMOUNT"], f"'{x}' di kolom nominal")
            return _error("UNIT_MISMATCH", f"'{x}' adalah persentase, bukan nominal", notes)
        x, more, reading = _read_decimal(("-" if m and m.group(1) else "") + body, money=True)
        if x is None:
            return _error("NOT_A_NUMBER", reading, notes)
        notes = [*notes, "TEXT_NUMBER", *more]
    if x != x.to_integral_value():
        return _error("NOT_INTEGER", f"{x} bukan rupiah bulat", notes)
    if abs(x) >= MONEY_MAX:
        return _error("NOT_INTEGER", f"{x} melebihi batas rupiah yang tepat di Excel (15 digit)", notes)
    if x < 0 and not allow_negative:
        return _error("NEGATIVE", f"nominal negatif ({int(x)})", notes)
    return _ok(int(x), notes, reading)


_PERCENT_MARK = re.compile(r"%|&|\bpersen\b", re.IGNORECASE)


def parse_percent(v: object, *, cell_is_percent_format: bool = False) -> Parsed:
    """A percentage as a FRACTION `Decimal` (`85,5%` → 0.855).

    Text is read as typed: `87,5%`, `87.50%`, `100 %`, `99, 19%`; a doubled `% %`
    (PERCENT_SIGN_DOUBLED) or `&` for `%` (AMPERSAND_AS_PERCENT) is accepted with a note;
    text without a sign is percent points (`89,73` → 0.8973, NO_PERCENT_SIGN), since
    reports print points, never fractions. A lone `%` is missing.

    Numbers: in a %-formatted cell a number is already a fraction (0.855), unless it is above
    `PERCENT_FRACTION_MAX` (1.5): then it was pasted as points and is divided by 100
    (SCALED_PERCENT). In a General cell a number above 1.5 is points (85 → 0.85,
    SCALED_PERCENT) and a nonzero number up to 1.5 is taken as a fraction (0.9 → 0.9,
    AMBIGUOUS_PERCENT). A result above 10 (1000%) adds IMPLAUSIBLE_PERCENT.
    """
    p = _prepare(v, "NOT_A_NUMBER")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if kind == "date":
        return _error("NOT_A_NUMBER", f"tanggal {x}, bukan persentase")
    reading = ""
    if kind == "text":
        signs = _PERCENT_MARK.findall(x)
        body = _PERCENT_MARK.sub(" ", x)
        if is_nullish(body):
            return _missing(notes)
        points, more, reading = _read_decimal(body, "decimal")
        if points is None:
            return _error("NOT_A_NUMBER", reading, notes)
        notes = [*notes, "TEXT_NUMBER", *more]
        if len(signs) > 1:
            notes.append("PERCENT_SIGN_DOUBLED")
        if "&" in signs:
            notes.append("AMPERSAND_AS_PERCENT")
        if not signs:
            notes.append("NO_PERCENT_SIGN")
            reading = reading or f"'{x}' tanpa tanda % dibaca {_fmt(points)}%"
        frac = points.scaleb(-2)
    elif abs(x) > PERCENT_FRACTION_MAX:
        frac = x.scaleb(-2)
        notes.append("SCALED_PERCENT")
        reading = f"angka {_fmt(x)} dibaca {_fmt(x)}% (bukan {_fmt(x * 100)}%)"
    else:
        frac = x
        if not cell_is_percent_format and x != 0:
            notes.append("AMBIGUOUS_PERCENT")
            reading = f"angka {_fmt(x)} di sel General dibaca pecahan ({_fmt(x * 100)}%)"
    if abs(frac) > 10:
        notes.append("IMPLAUSIBLE_PERCENT")
    return _ok(frac, notes, reading)


# --- counts and units ----------------------------------------------------------------

_COUNT = re.compile(r"([+\-\u2212\u2013]?\s*\d[\d., ]*?)\s*([^\d\s.,].*)?", re.ASCII)


def parse_count(v: object, expected_unit: str) -> Parsed:
    """A whole count as `Decimal`: `3 kali`, `12 Lap`, `8.082 orang` (→ 8082), `3`, 3.0.

    A bare `d.ddd` reads as thousands (AMBIGUOUS_SEPARATOR). A unit that folds to another
    unit than `expected_unit` is UNIT_MISMATCH; an alias (`Lap` for `Laporan`) is UNIT_ALIAS;
    a unit typed where none is expected is UNIT_UNCHECKED.
    """
    p = _prepare(v, "NOT_A_NUMBER")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if kind == "date":
        return _error("NOT_A_NUMBER", f"tanggal {x}, bukan jumlah")
    reading = ""
    if kind == "text":
        m = _COUNT.fullmatch(x)
        if not m:
            return _error("NOT_A_NUMBER", f"'{x}' bukan jumlah", notes)
        x, more, reading = _read_decimal(m.group(1), "count")
        if x is None:
            return _error("NOT_A_NUMBER", reading, notes)
        notes = [*notes, "TEXT_NUMBER", *more]
        if unit := m.group(2):
            got, want = fold_unit(unit), fold_unit(expected_unit)
            if not want:
                notes.append("UNIT_UNCHECKED")
            elif got != want:
                return _error("UNIT_MISMATCH", f"satuan '{unit}' ≠ '{expected_unit}'", notes)
            elif match_key(unit) != match_key(expected_unit):
                notes.append("UNIT_ALIAS")
                reading = reading or f"satuan '{unit}' dibaca '{expected_unit}'"
    if x != x.to_integral_value():
        return _error("NOT_INTEGER", f"{x} bukan bilangan bulat", notes)
    if x < 0:
        return _error("NEGATIVE", f"jumlah negatif ({x})", notes)
    return _ok(x.to_integral_value(), notes, reading)


# --- grades and opinions -------------------------------------------------------------

_LONG_FORMS = {
    "wajar tanpa pengecualian": "WTP", "wajar dengan pengecualian": "WDP",
    "tidak wajar": "TW", "tidak menyatakan pendapat": "TMP", "disclaimer": "TMP",
    "sangat memuaskan": "AA", "memuaskan": "A", "sangat baik": "BB", "baik": "B",
    "cukup": "CC", "cukup baik": "CC", "kurang": "C", "sangat kurang": "D",
}  # fmt: skip
_OPINION_WORDS = {k for k, c in _LONG_FORMS.items() if c in BPK_OPINIONS}
_QUOTES = str.maketrans("", "", "\"'`\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb")


def _grade_code(text: str, scale: tuple[str, ...]) -> str:
    key = match_key(text)
    if key in _OPINION_WORDS and scale is BPK_OPINIONS:
        return _LONG_FORMS[key]
    return re.sub(r"[\s.]", "", text).upper()


def parse_grade(v: object, kind: ValueKind | str) -> Parsed:
    """An AKIP grade (AA A BB B CC C D) or BPK opinion (WTP WDP TW TMP) as `str`.

    Case, stray spaces, dots and quotes are ignored; look-alike letters are folded (Cyrillic
    Ve U+0412 is B, HOMOGLYPH_FOLDED); opinions may be written out ("Wajar Tanpa
    Pengecualian", "Disclaimer"). A trailing label in brackets must agree (`B (Baik)`, `WTP
    (Wajar Tanpa Pengecualian)`); an unknown label is ignored with GRADE_LABEL_IGNORED. A
    number (an AKIP score such as 71.55) is not a grade.
    """
    kind = ValueKind(kind)
    if not kind.is_ordinal:
        raise ValueError(f"{kind} is not an ordinal kind")
    scale = AKIP_GRADES if kind is ValueKind.GRADE_AKIP else BPK_OPINIONS
    what = "predikat AKIP" if kind is ValueKind.GRADE_AKIP else "opini BPK"
    p = _prepare(v, "NOT_A_GRADE")
    if isinstance(p, Parsed):
        return p
    _, x, notes = p
    if not isinstance(x, str):
        return _error("NOT_A_GRADE", f"{x} bukan {what} ({', '.join(scale)})")
    text, label = x.translate(_QUOTES).strip(), ""
    if m := re.fullmatch(r"(.+?)\s*\((.*)\)", text):
        text, label = m.group(1), m.group(2)
    code = _grade_code(text, scale)
    if code not in scale:
        return _error("NOT_A_GRADE", f"'{x}' bukan {what} ({', '.join(scale)})", notes)
    if label:
        other = _LONG_FORMS.get(match_key(label)) or _grade_code(label, scale)
        if other in scale and other != code:
            return _error("NOT_A_GRADE", f"'{x}': {code} bertentangan dengan '{label}'", notes)
        if other != code:
            notes.append("GRADE_LABEL_IGNORED")
    return _ok(code, notes)


def parse_value(v: object, kind: ValueKind | str, satuan: str = "", *, cell_is_percent_format: bool = False) -> Parsed:
    """A target or realisasi cell by indicator kind: percent → fraction, count → whole
    number in `satuan`, index → number (a bare `d.ddd` read as decimal) or a word such as
    "BAIK" (INDEX_WORD), grade/opinion → code."""
    kind = ValueKind(kind)
    if kind is ValueKind.PERCENT:
        return parse_percent(v, cell_is_percent_format=cell_is_percent_format)
    if kind is ValueKind.COUNT:
        return parse_count(v, satuan)
    if kind is ValueKind.INDEX:
        p = parse_number(v, decimal_hint="decimal")
        word = clean_text(v) if isinstance(v, str) else ""
        if p.error == "NOT_A_NUMBER" and re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+){0,3}", word):
            return _ok(word.upper(), [*p.notes, "INDEX_WORD"], f"indeks berupa kata '{word}'")
        return p
    return parse_grade(v, kind)


# --- dates, NIP, budget codes --------------------------------------------------------

_MONTH_NUMBERS = {m.lower(): i for i, m in enumerate(MONTHS, 1)} | {
    "jan": 1, "january": 1, "feb": 2, "peb": 2, "pebruari": 2, "february": 2, "mar": 3,
    "march": 3, "apr": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "agu": 8,
    "agt": 8, "ags": 8, "agust": 8, "aug": 8, "august": 8, "sep": 9, "sept": 9, "okt": 10,
    "oct": 10, "october": 10, "nov": 11, "nop": 11, "nopember": 11, "des": 12, "dec": 12,
    "december": 12,
}  # fmt: skip
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIALS = range((date(1990, 1, 1) - _EXCEL_EPOCH).days, (date(2101, 1, 1) - _EXCEL_EPOCH).days)


def _make_date(y: int, m: int, d: int, text: str) -> Parsed:
    try:
        if not 1900 <= y <= 2100:
            raise ValueError
        return _ok(date(y, m, d))
    except ValueError:
        return _error("BAD_DATE", f"'{text}' bukan tanggal yang ada")


def parse_date_id(v: object) -> Parsed:
    """A `date` from `05 Agustus 2024`, `11 Nopember 2024`, `30 Desember2024`, `24-02-2025`,
    `24/02/2025`, `2025-02-24`, `Banjarbaru, 16 Januari 2025` or a date/datetime object.

    Numeric dates are day-first. A number is taken as an Excel serial date only between
    1990 and 2100 (EXCEL_SERIAL_DATE); a time of day is dropped with TIME_DROPPED.
    """
    p = _prepare(v, "BAD_DATE")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if kind == "date":
        if isinstance(x, datetime):
            notes = ["TIME_DROPPED"] if x.time() != datetime.min.time() else []
            x = x.date()
        return _ok(x, notes)
    if kind == "number":
        if int(x) not in _SERIALS:
            return _error("BAD_DATE", f"angka {x}, bukan tanggal")
        notes = ["EXCEL_SERIAL_DATE"] + (["TIME_DROPPED"] if x != int(x) else [])
        day = _EXCEL_EPOCH + timedelta(days=int(x))
        return _ok(day, notes, f"angka {x} dibaca sebagai tanggal Excel {day.isoformat()}")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", x):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), x)
    if m := re.fullmatch(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})", x):
        return _make_date(int(m[4]), int(m[3]), int(m[1]), x)
    key = match_key(x)
    m = re.fullmatch(r"(?:[a-z ]+ )?(\d{1,2}) ?([a-z]+) ?(\d{4})", key, re.ASCII)
    if m and m[2] in _MONTH_NUMBERS:
        return _make_date(int(m[3]), _MONTH_NUMBERS[m[2]], int(m[1]), x)
    return _error("BAD_DATE", f"'{x}' bukan tanggal (contoh: 05 Agustus 2024, 24-02-2025)")


def _nip_problem(nip: str) -> str:
    """Why an 18-digit string is not a plausible NIP, or '' when it is."""
    try:
        born = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return f"tanggal lahir {nip[:8]} tidak valid"
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12 or not 15 <= year - born.year <= 60 or born.year < 1920:
        return f"TMT {nip[8:14]} tidak masuk akal untuk kelahiran {nip[:8]}"
    if nip[14] not in "12":
        return f"digit jenis kelamin {nip[14]} (harus 1 atau 2)"
    if nip[15:] == "000":
        return "nomor urut 000 (digit terakhir hilang?)"
    return ""


def parse_nip(v: object) -> Parsed:
    """An 18-digit NIP as `str` (`19850915 201012 1 004`, `NIP. 1985…`), checked for a real
    birth date, a plausible appointment month, gender digit 1/2 and sequence ≠ 000.

    A float is always refused: Excel keeps 15 significant digits, so the last three digits
    of an 18-digit NIP are gone and no float identifies one NIP exactly.
    """
    p = _prepare(v, "BAD_NIP")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if isinstance(v, float):
        return _error("BAD_NIP", f"NIP tersimpan sebagai angka ({v:.15g}), digit akhir hilang")
    if kind == "date":
        return _error("BAD_NIP", f"tanggal {x}, bukan NIP")
    if kind == "number":
        nip, notes = format(x, "f"), ["NIP_AS_NUMBER"]
    else:
        nip = re.sub(r"^nip\s*[.:]?\s*", "", x, flags=re.IGNORECASE).replace(" ", "")
    if not re.fullmatch(r"\d{18}", nip, re.ASCII):
        return _error("BAD_NIP", f"'{x}' bukan 18 digit angka", notes)
    if problem := _nip_problem(nip):
        return _error("BAD_NIP", f"NIP {nip}: {problem}", notes)
    return _ok(nip, notes)


_CODE_SHAPES = (
    r"\d{3}\.\d{2}\.[A-Z]{2}",  # program 076.01.CQ
    r"\d{4}(?:\.[A-Z]{3}(?:\.\d{3})?)?",  # kegiatan 6709, 6709.QGE, output 6709.QGE.001
    r"[A-Z]{3}(?:\.\d{3})?",  # KRO.RO QGE.001, bare KRO EBB
    r"[A-Z]{2}",  # program letters CQ, WA
)
_BRACKETS = {"[": "]", "(": ")", "{": "}"}


def parse_budget_code(v: object) -> Parsed:
    """A budget code with spacing, brackets and case normalised: `[6709.QGE.001]`,
    `(6872. QGE.002)`, `[ 6872 ]` → `6709.QGE.001`, `6872.QGE.002`, `6872`.

    OCR `€` reads as `C` (HOMOGLYPH_FOLDED); a program letter pair before a kegiatan
    (`CQ.6709.QGE`) is kept with PROGRAM_PREFIX; mismatched brackets add UNBALANCED_BRACKETS;
    any other shape is kept as text with UNKNOWN_CODE_SHAPE.
    """
    p = _prepare(v, "BAD_CODE")
    if isinstance(p, Parsed):
        return p
    kind, x, notes = p
    if kind == "date" or (kind == "number" and x != x.to_integral_value()):
        return _error("BAD_CODE", f"{x} bukan kode anggaran")
    if kind == "number":
        x, notes = format(x, "f"), ["CODE_AS_NUMBER"]
    if "€" in x:
        x, notes = x.replace("€", "C"), [*notes, "HOMOGLYPH_FOLDED"]
    opener, closer = x[:1] if x[:1] in _BRACKETS else "", x[-1:] if x[-1:] in "])}" else ""
    if (opener or closer) and _BRACKETS.get(opener) != closer:
        notes.append("UNBALANCED_BRACKETS")
    code = re.sub(r"\s*\.+\s*", ".", x[len(opener) : len(x) - len(closer)]).strip(" .").upper()
    if not code:
        return _missing(notes)
    if any(re.fullmatch(shape, code, re.ASCII) for shape in _CODE_SHAPES):
        return _ok(code, notes)
    if m := re.fullmatch(r"([A-Z]{2})\.(\d{4}(?:\.[A-Z]{3}(?:\.\d{3})?)?)", code, re.ASCII):
        return _ok(code, [*notes, "PROGRAM_PREFIX"], f"program {m[1]}, kode {m[2]}")
    return _ok(code, [*notes, "UNKNOWN_CODE_SHAPE"], f"bentuk kode '{code}' tidak dikenal")
