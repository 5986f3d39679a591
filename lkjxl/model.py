"""The lkjxl data model: plain typed data, independent of any Excel library.

Names follow the domain (DOMAIN.md §3): a `Definition` holds the planning tree
(`Tujuan` → `Sasaran` → `Indikator`), the Rencana Aksi rows, the budget lines and
the `CapaianRules` of one kind of office and year. Money is integer rupiah and
numeric targets are `Decimal`, so nothing is rounded before display.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property


class Level(StrEnum):
    """Where a satker sits in the KPU hierarchy."""

    RI = "ri"
    PROVINSI = "provinsi"
    KABKOTA = "kabkota"


class ValueKind(StrEnum):
    """What an indicator's target and realisasi are made of."""

    PERCENT = "percent"
    COUNT = "count"
    GRADE_AKIP = "grade_akip"
    OPINION_BPK = "opinion_bpk"
    INDEX = "index"

    @property
    def is_ordinal(self) -> bool:
        return self in (ValueKind.GRADE_AKIP, ValueKind.OPINION_BPK)


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    EXACT = "exact"


class Rollup(StrEnum):
    """How period realisasi become the annual realisasi (DOMAIN §3)."""

    LAST = "last"  # cumulative values and statuses
    SUM = "sum"  # flows, e.g. monthly reports → "12 Lap"
    MAX = "max"
    MEAN = "mean"


class Period(StrEnum):
    MONTHLY = "monthly"
    TRIWULAN = "triwulan"
    SEMESTER = "semester"
    ANNUAL = "annual"

    @property
    def labels(self) -> tuple[str, ...]:
        """Indonesian column labels, one per reporting period of the year."""
        return {
            Period.MONTHLY: tuple(MONTHS),
            Period.TRIWULAN: ("TW I", "TW II", "TW III", "TW IV"),
            Period.SEMESTER: ("Semester I", "Semester II"),
            Period.ANNUAL: ("Tahunan",),
        }[self]


MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

# Ordinal scales, best first (DOMAIN §1.3).
AKIP_GRADES = ("AA", "A", "BB", "B", "CC", "C", "D")
BPK_OPINIONS = ("WTP", "WDP", "TW", "TMP")

JENIS_BELANJA = {"51": "Belanja Pegawai", "52": "Belanja Barang", "53": "Belanja Modal"}

# A target or realisasi: a number for numeric kinds, a grade/opinion word for ordinal kinds.
Value = Decimal | str


@dataclass(frozen=True)
class Unit:
    """A subbagian (kab/kota) or bagian (provinsi) that owns rows."""

    code: str
    name: str


@dataclass(frozen=True)
class Satker:
    code: str
    name: str
    level: Level
    parent: str | None = None
    city: str = ""  # the place printed in the signature block


@dataclass(frozen=True)
class Indikator:
    id: str
    text: str
    kind: ValueKind
    satuan: str
    polarity: Polarity
    target: Value
    owner: str
    period_targets: tuple[Value | None, ...] = ()
    rollup: Rollup = Rollup.LAST
    cara_penghitungan: str = ""
    sumber_data: str = ""
    budget_links: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sasaran:
    id: str
    text: str
    indikator: tuple[Indikator, ...]
    level: str = "program"  # strategis | program | kegiatan


@dataclass(frozen=True)
class Tujuan:
    id: str
    text: str
    sasaran: tuple[Sasaran, ...]


@dataclass(frozen=True)
class RencanaAksi:
    indikator_id: str
    kegiatan: str
    months: frozenset[int] = frozenset()
    biaya: int | None = None
    pelaksana: str = ""


@dataclass(frozen=True)
class BudgetLine:
    """One row of the Anggaran sheet; only outputs (leaves) take input."""

    key: str  # program/kegiatan/output path, e.g. "076.01.CQ/6709/QGE.001"
    code: str  # as shown: "076.01.CQ", "6709", "6709.QGE.001"
    name: str
    level: str  # program | kegiatan | output
    owner: str = ""
    jenis_belanja: str = ""  # "51" | "52" | "53" on leaves, "" when unsplit
    pagu_awal: int = 0

    @property
    def is_leaf(self) -> bool:
        return self.level == "output"


@dataclass(frozen=True)
class Signatory:
    role: str  # pihak_pertama | pihak_kedua | single
    jabatan: str
    nama: str = ""
    nip: str = ""


@dataclass(frozen=True)
class Band:
    """One interval of the category scale: lo <(=) capaian <(=) hi."""

    label: str
    lo: Decimal
    hi: Decimal | None  # None = no upper bound
    lo_incl: bool = False
    hi_incl: bool = True
    keterangan: str = ""

    def contains(self, x: Decimal) -> bool:
        above = x >= self.lo if self.lo_incl else x > self.lo
        below = self.hi is None or (x <= self.hi if self.hi_incl else x < self.hi)
        return above and below


DEFAULT_SCALE = (
    Band("Sangat Berhasil", Decimal(100), None, False, False, "melampaui target"),
    Band("Berhasil", Decimal(90), Decimal(100), False, True, "mencapai target"),
    Band("Cukup Berhasil", Decimal(70), Decimal(90), False, True, "mendekati target"),
    Band("Kurang Berhasil", Decimal(50), Decimal(70), False, True, "tidak sesuai target"),
    Band("Tidak Berhasil", Decimal(0), Decimal(50), True, True, "sangat tidak sesuai target"),
)


@dataclass(frozen=True)
class CapaianRules:
    """Every convention of DOMAIN §4.8 as a named setting, per satker and year."""

    negative_formula: str = "two_minus_ratio"  # | inverse_ratio
    exact_mismatch: str = "flag"  # | positive_capped
    grade_rule: str = "binary"  # | rank_ratio
    grade_else: Decimal = Decimal(0)  # capaian of a missed grade under `binary`
    cap: Decimal | None = None
    aggregate: str = "indicator_mean"  # | sasaran_mean
    aggregate_on: str = "exact"  # | displayed
    rounding: str = "half_up"  # | truncate | none
    decimals: int = 2
    indicator_rounding: str | None = None  # None = same as `rounding`
    indicator_decimals: int | None = None
    placeholder_max: int = 10_000  # pagu at or below this marks a placeholder line
    scale: tuple[Band, ...] = DEFAULT_SCALE

    @property
    def indicator_display(self) -> tuple[str, int]:
        """Rounding mode and decimals used when one indicator's capaian is shown."""
        mode = self.indicator_rounding or self.rounding
        dec = self.decimals if self.indicator_decimals is None else self.indicator_decimals
        return mode, dec


@dataclass(frozen=True)
class TemplateId:
    id: str
    version: int


@dataclass(frozen=True)
class Definition:
    """Everything a template of one kind of office and year is made from."""

    template: TemplateId
    year: int
    level: Level
    period: Period
    units: tuple[Unit, ...]
    tujuan: tuple[Tujuan, ...]
    rencana_aksi: tuple[RencanaAksi, ...]
    budget: tuple[BudgetLine, ...]
    revision_slots: int
    rules: CapaianRules
    signatories: tuple[Signatory, ...]
    satker: tuple[Satker, ...]
    sign_date: date | None = None
    budget_keeper: str = ""  # budget.owner: the unit that keeps the pagu and its revision history
    title: str = "Perjanjian Kinerja"
    source: str = ""  # the file it was loaded from, for messages

    def __hash__(self) -> int:
        """Worked out once: a definition keys the per-template caches, and hashing its whole tree
        (with a national satker list) cost milliseconds every time."""
        known = self.__dict__.get("_hash")
        if known is None:
            known = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", known)
        return known

    def __getstate__(self) -> dict:
        fields_only = {f.name for f in fields(self)}  # not the cached hash (str hashes differ between processes)
        return {k: v for k, v in self.__dict__.items() if k in fields_only}  # nor what is worked out again

    @cached_property
    def sasaran(self) -> tuple[Sasaran, ...]:
        return tuple(s for t in self.tujuan for s in t.sasaran)

    @cached_property
    def indikator(self) -> tuple[Indikator, ...]:
        return tuple(i for s in self.sasaran for i in s.indikator)

    @cached_property
    def budget_line(self) -> dict[str, BudgetLine]:
        """Budget lines by key: looked up line by line when reading and tabulating."""
        return {line.key: line for line in self.budget}

    @cached_property
    def budget_sums(self) -> dict[str, tuple[str, ...]]:
        """Each output's key → the keys of the lines it adds to: itself, its kegiatan and its
        program (`a/b/c` → `a`, `a/b`, `a/b/c`), as the workbook's sums run."""
        sums = {}
        for line in self.budget:
            if line.is_leaf:
                parts = line.key.split("/")
                sums[line.key] = tuple("/".join(parts[:n]) for n in range(1, len(parts) + 1))
        return sums

    @property
    def budget_owner(self) -> str:
        """The unit that keeps the revision history: `budget.owner`, else the one owning most lines."""
        if self.budget_keeper:
            return self.budget_keeper
        counts: dict[str, int] = {}
        for line in self.budget:
            if line.is_leaf and line.owner:
                counts[line.owner] = counts.get(line.owner, 0) + 1
        if counts:
            return max(counts, key=lambda unit: (counts[unit], unit))
        return self.units[0].code if self.units else ""

    def find_satker(self, code: str) -> Satker | None:
        return next((s for s in self.satker if s.code == code), None)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)


def blank_revision(revision: dict) -> bool:
    """A Revisi row with nothing typed in it. A pagu of 0 is typed in: not `not any(...)`."""
    return all(v is None for v in revision.values())


@dataclass
class Filling:
    """Operator input for one satker workbook: what `fill` writes into a template.

    Keys are indicator ids and budget-line keys; absent keys stay blank.
    """

    realisasi: dict[str, list[Value | None]] = field(default_factory=dict)
    notes: dict[str, dict[str, str]] = field(default_factory=dict)  # hambatan/solusi/bukti
    pagu_awal: dict[str, int] = field(default_factory=dict)
    pagu_revisi: dict[str, list[int | None]] = field(default_factory=dict)
    realisasi_bulan: dict[str, list[int | None]] = field(default_factory=dict)
    revisions: list[dict] = field(default_factory=list)  # tanggal, pagu, alasan, otoritas
    rencana_aksi: dict[str, list[RencanaAksi]] = field(default_factory=dict)  # by indikator id, template rows
    pk: dict[str, object] = field(default_factory=dict)  # tempat, tanggal, nama/nip of each party
