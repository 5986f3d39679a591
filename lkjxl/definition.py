"""Load and validate template definitions (`workbook_templates/*.yaml`).

A definition is edited by hand by planners, so every mistake is reported with the
file, the line and the fix, all at once, instead of stopping at the first one.
The result is the plain `Definition` of `lkjxl.model`.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import normalize, yamlsrc
from .model import (
    DEFAULT_SCALE,
    JENIS_BELANJA,
    Band,
    BudgetLine,
    CapaianRules,
    Definition,
    Indikator,
    Level,
    Period,
    Polarity,
    RencanaAksi,
    Rollup,
    Sasaran,
    Satker,
    Signatory,
    TemplateId,
    Tujuan,
    Unit,
    ValueKind,
)
from .yamlsrc import LineDict, LineList, line_of

# Indonesian spellings accepted for enum values; the canonical value is on the right.
ALIASES = {
    "positif": "positive", "naik baik": "positive", "negatif": "negative",
    "turun baik": "negative", "tepat": "exact", "persen": "percent", "jumlah": "count",
    "nilai_akip": "grade_akip", "opini_bpk": "opinion_bpk", "indeks": "index",
    "kumulatif": "last", "inkremental": "sum", "terakhir": "last", "jumlahkan": "sum",
    "bulanan": "monthly", "semesteran": "semester", "tahunan": "annual",
}  # fmt: skip

MAX_REVISION_SLOTS = 20
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,39}$")


@dataclass(frozen=True)
class Problem:
    """One mistake in a definition: where it is, what is wrong and how to fix it."""

    code: str
    file: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.code}] {self.message} — {self.fix}"


class DefinitionError(Exception):
    """Raised with every problem found; `str()` is ready to print for the user."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reader:
    """Walks the YAML tree, converting fields and collecting problems."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self._absent: set[tuple[int, str]] = set()  # (id of node, key) already reported as missing

    def problem(self, code: str, where, key, message: str, fix: str) -> None:
        self.problems.append(Problem(code, str(self.path), line_of(where, key), message, fix))

    def missing(self, node, key: str, message: str, fix: str) -> None:
        """A required key without a value: one DEF002, however many readers of the key notice it."""
        if (id(node), key) not in self._absent:
            self._absent.add((id(node), key))
            self.problem("DEF002", node, None, message, fix)

    def mapping(self, node, key, allowed: set[str], required: set[str]) -> LineDict:
        value = node.get(key) if key is not None else node
        where = node if key is not None else node
        if not isinstance(value, dict):
            self.problem(
                "DEF002",
                where,
                key,
                f"'{key}' harus berupa pemetaan (key: value)",
                f"tulis '{key}:' diikuti baris-baris 'nama: nilai' yang menjorok",
            )
            return LineDict()
        self.check_keys(value, allowed, required)
        return value

    def check_keys(self, node: dict, allowed: set[str], required: set[str]) -> None:
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"maksud Anda '{close[0]}'?" if close else f"kunci yang dikenal: {', '.join(sorted(allowed))}"
                self.problem("DEF001", node, key, f"kunci '{key}' tidak dikenal", hint)
        for key in sorted(required - set(node)):
            self.missing(node, key, f"kunci wajib '{key}' tidak ada", f"tambahkan '{key}:'")

    def seq(self, node: dict, key: str, required: bool = True) -> LineList:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(
                    "DEF002", node, None, f"daftar '{key}' tidak ada", f"tambahkan '{key}:' dengan butir '- ...'"
                )
            return LineList()
        if not isinstance(value, list):
            self.problem("DEF002", node, key, f"'{key}' harus berupa daftar", "tulis setiap butir pada baris '- ...'")
            return LineList()
        return value

    def text(self, node: dict, key: str, default: str | None = None) -> str:
        value = node.get(key, default)
        if value is None:
            self.missing(node, key, f"'{key}' wajib diisi", f"tambahkan '{key}: ...'")
            return ""
        return str(value).strip()

    def enum(self, node: dict, key: str, enum_type, default=None):
        raw = node.get(key, default)
        if raw is None:
            self.missing(
                node, key, f"'{key}' wajib diisi", f"pilih salah satu: {', '.join(e.value for e in enum_type)}"
            )
            return next(iter(enum_type))
        if isinstance(raw, enum_type):
            return raw
        word = ALIASES.get(str(raw).strip().lower(), str(raw).strip().lower())
        try:
            return enum_type(word)
        except ValueError:
            self.problem(
                "DEF003",
                node,
                key,
                f"nilai '{raw}' untuk '{key}' tidak dikenal",
                f"pilih salah satu: {', '.join(e.value for e in enum_type)}",
            )
            return next(iter(enum_type))

    def integer(self, node: dict, key: str, default: int | None = None, minimum: int = 0) -> int:
        raw = node.get(key, default)
        parsed = normalize.parse_money(raw) if isinstance(raw, str) else None
        value = parsed.value if parsed and parsed.error is None and not parsed.missing else raw
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(
                "DEF004",
                node,
                key,
                f"'{key}' harus bilangan bulat ≥ {minimum}, tertulis '{raw}'",
                "tulis angka tanpa desimal, mis. 43644000 atau 'Rp 43.644.000'",
            )
            return default if isinstance(default, int) else minimum
        return value

    def ident(self, node: dict, key: str, seen: dict[str, int]) -> str:
        value = self.text(node, key)
        if value and not ID_PATTERN.match(value):
            self.problem(
                "DEF005",
                node,
                key,
                f"id '{value}' tidak sah",
                "gunakan huruf, angka, titik, '_' atau '-', diawali huruf, paling panjang 40",
            )
        elif value in seen:
            self.problem(
                "DEF005",
                node,
                key,
                f"id '{value}' dipakai dua kali (juga di baris {seen[value]})",
                "setiap id harus unik dan stabil dari tahun ke tahun",
            )
        seen[value] = line_of(node, key)
        return value


def load(path: str | Path) -> Definition:
    """Read and validate a definition file; raise `DefinitionError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError(
            [Problem("DEF009", str(path), 0, "berkas tidak ditemukan", "periksa nama dan folder berkas")]
        ) from None
    except UnicodeDecodeError:
        raise DefinitionError(
            [Problem("DEF009", str(path), 0, "berkas bukan teks UTF-8", "simpan ulang sebagai UTF-8")]
        ) from None
    return loads(text, path)


def loads(text: str, path: str | Path = "<teks>") -> Definition:
    """Validate a definition given as text (e.g. embedded in a workbook's _Meta sheet)."""
    path = Path(path)
    reader = _Reader(path)
    try:
        tree = yamlsrc.loads(text)
    except yamlsrc.YamlSyntaxError as exc:
        raise DefinitionError(
            [
                Problem(
                    "DEF009",
                    str(path),
                    exc.line,
                    f"YAML tidak sah: {exc.problem}",
                    "periksa indentasi (spasi, bukan tab) dan tanda ':' pada baris itu",
                )
            ]
        ) from None
    if not isinstance(tree, dict):
        raise DefinitionError(
            [
                Problem(
                    "DEF009",
                    str(path),
                    1,
                    "berkas definisi kosong atau bukan pemetaan",
                    "mulai dengan 'template:', 'year:', 'level:' …",
                )
            ]
        )
    definition = _definition(reader, tree)
    if reader.problems:  # top to bottom, the definition's own lines before its satker list's
        raise DefinitionError(sorted(reader.problems, key=lambda p: (p.file != str(path), p.file, p.line)))
    return definition


TOP_KEYS = {
    "template",
    "title",
    "year",
    "level",
    "period",
    "satker_list",
    "units",
    "rules",
    "signatories",
    "tujuan",
    "rencana_aksi",
    "budget",
}


def _definition(r: _Reader, tree: LineDict) -> Definition:
    r.check_keys(tree, TOP_KEYS, {"template", "year", "level", "units", "tujuan", "budget"})
    tpl = r.mapping(tree, "template", {"id", "version"}, {"id", "version"})
    template = TemplateId(r.text(tpl, "id", ""), r.integer(tpl, "version", 1, minimum=1))
    year = r.integer(tree, "year", 2024, minimum=2000)
    units = _units(r, tree)
    unit_codes = {u.code for u in units}
    tujuan = _tujuan(r, tree, unit_codes)
    indikator_ids = {i.id for t in tujuan for s in t.sasaran for i in s.indikator}
    budget, slots = _budget(r, tree, unit_codes)
    budget_node = tree.get("budget")
    keeper = str(budget_node.get("owner", "")).strip() if isinstance(budget_node, dict) else ""
    signatories, sign_date = _signatories(r, tree)
    return Definition(
        template=template,
        year=year,
        level=r.enum(tree, "level", Level),
        period=r.enum(tree, "period", Period, default="triwulan"),
        units=units,
        tujuan=tujuan,
        rencana_aksi=_rencana_aksi(r, tree, indikator_ids, unit_codes),
        budget=budget,
        revision_slots=slots,
        rules=_rules(r, tree),
        signatories=signatories,
        satker=_satker_list(r, tree),
        sign_date=sign_date,
        budget_keeper=keeper,
        title=r.text(tree, "title", "Perjanjian Kinerja"),
        source=str(r.path),
    )


def _units(r: _Reader, tree: LineDict) -> tuple[Unit, ...]:
    units, seen = [], {}
    for node in r.seq(tree, "units"):
        if not isinstance(node, dict):
            r.problem(
                "DEF002", tree, "units", "setiap unit berupa 'code' dan 'name'", "tulis '- {code: KUL, name: ...}'"
            )
            continue
        r.check_keys(node, {"code", "name"}, {"code", "name"})
        units.append(Unit(r.ident(node, "code", seen), r.text(node, "name", "")))
    return tuple(units)


def _tujuan(r: _Reader, tree: LineDict, unit_codes: set[str]) -> tuple[Tujuan, ...]:
    seen: dict[str, int] = {}
    out = []
    for node in r.seq(tree, "tujuan"):
        if not isinstance(node, dict):
            continue
        r.check_keys(node, {"id", "text", "sasaran"}, {"id", "text", "sasaran"})
        sasaran = tuple(_sasaran(r, s, seen, unit_codes) for s in r.seq(node, "sasaran") if isinstance(s, dict))
        out.append(Tujuan(r.ident(node, "id", seen), r.text(node, "text", ""), sasaran))
    return tuple(out)


def _sasaran(r: _Reader, node: LineDict, seen, unit_codes) -> Sasaran:
    r.check_keys(node, {"id", "text", "level", "indikator"}, {"id", "text", "indikator"})
    sid = r.ident(node, "id", seen)
    indikator = tuple(_indikator(r, i, seen, unit_codes) for i in r.seq(node, "indikator") if isinstance(i, dict))
    if not indikator:
        r.problem(
            "DEF002", node, "indikator", f"sasaran '{sid}' tidak punya indikator", "tambahkan minimal satu indikator"
        )
    return Sasaran(sid, r.text(node, "text", ""), indikator, r.text(node, "level", "program"))


INDIKATOR_KEYS = {
    "id",
    "text",
    "kind",
    "satuan",
    "polarity",
    "target",
    "period_targets",
    "rollup",
    "owner",
    "cara_penghitungan",
    "sumber_data",
    "budget_links",
    "aliases",
}


def _indikator(r: _Reader, node: LineDict, seen, unit_codes) -> Indikator:
    r.check_keys(node, INDIKATOR_KEYS, {"id", "text", "target", "polarity", "owner"})
    iid = r.ident(node, "id", seen)
    raw_target = node.get("target")
    kind = r.enum(node, "kind", ValueKind) if "kind" in node else infer_kind(raw_target)
    satuan = str(node.get("satuan") or default_satuan(kind, raw_target)).strip()
    owner = r.text(node, "owner", "")
    if owner and owner not in unit_codes:
        close = difflib.get_close_matches(owner, sorted(unit_codes), n=1)
        r.problem(
            "DEF006",
            node,
            "owner",
            f"unit pemilik '{owner}' tidak ada di 'units'",
            f"maksud Anda '{close[0]}'?" if close else f"pilih salah satu: {', '.join(sorted(unit_codes))}",
        )
    periods = node.get("period_targets") or []
    return Indikator(
        id=iid,
        text=r.text(node, "text", ""),
        kind=kind,
        satuan=satuan,
        polarity=r.enum(node, "polarity", Polarity),
        target=_value(r, node, "target", kind, satuan, required=True),
        owner=owner,
        period_targets=tuple(_period_target(r, periods, n, kind, satuan) for n in range(len(periods))),
        rollup=r.enum(node, "rollup", Rollup, default="last"),
        cara_penghitungan=r.text(node, "cara_penghitungan", ""),
        sumber_data=r.text(node, "sumber_data", ""),
        budget_links=tuple(str(b) for b in node.get("budget_links") or ()),
        aliases=tuple(str(a) for a in node.get("aliases") or ()),
    )


def _value(r: _Reader, node, key, kind: ValueKind, satuan: str, required: bool):
    raw = node.get(key) if isinstance(node, dict) else node[key]
    parsed = normalize.parse_value(raw, kind, satuan)
    if parsed.missing:
        if required and isinstance(node, dict) and key not in node:
            r.missing(node, key, f"kunci wajib '{key}' tidak ada", f"tambahkan '{key}:'")
        elif required:
            r.problem("DEF004", node, key, f"target '{raw}' kosong", "isi target tahunan, mis. '90%', '3 kali', 'B'")
        return None
    if parsed.error:
        r.problem(
            "DEF004",
            node,
            key,
            f"nilai '{raw}' tidak sesuai jenis '{kind.value}' ({parsed.error})",
            _KIND_EXAMPLES[kind],
        )
        return None
    return parsed.value


def _period_target(r: _Reader, periods: LineList, n: int, kind, satuan):
    raw = periods[n]
    if raw is None or (isinstance(raw, str) and not re.search(r"\d", raw) and not kind.is_ordinal):
        return str(raw).strip() if raw is not None else None  # a text milestone, shown as written
    return _value(r, periods, n, kind, satuan, required=False)


_KIND_EXAMPLES = {
    ValueKind.PERCENT: "tulis persen, mis. '90%' atau '97,5%'",
    ValueKind.COUNT: "tulis jumlah dengan satuan, mis. '3 kali' atau '12 laporan'",
    ValueKind.GRADE_AKIP: "tulis nilai AKIP: AA, A, BB, B, CC, C atau D",
    ValueKind.OPINION_BPK: "tulis opini BPK: WTP, WDP, TW atau TMP",
    ValueKind.INDEX: "tulis angka indeks, mis. 75",
}


def infer_kind(target) -> ValueKind:
    """Guess an indicator's kind from how its target is written (for imported PK tables)."""
    text = normalize.clean_text(str(target)) if target is not None else ""
    if "%" in text:
        return ValueKind.PERCENT
    if text.upper() in ("AA", "A", "BB", "B", "CC", "C", "D"):
        return ValueKind.GRADE_AKIP
    if text.upper() in ("WTP", "WDP", "TW", "TMP"):
        return ValueKind.OPINION_BPK
    if re.fullmatch(r"[\d.,]+\s*[A-Za-z].*", text):
        return ValueKind.COUNT
    return ValueKind.INDEX


def default_satuan(kind: ValueKind, target) -> str:
    if kind is ValueKind.PERCENT:
        return "%"
    if kind is ValueKind.COUNT and target is not None:
        match = re.search(r"[A-Za-z].*$", normalize.clean_text(str(target)))
        return match.group(0).lower() if match else ""
    return {ValueKind.GRADE_AKIP: "nilai", ValueKind.OPINION_BPK: "opini"}.get(kind, "indeks")


def _rencana_aksi(r: _Reader, tree, indikator_ids: set[str], unit_codes: set[str]) -> tuple[RencanaAksi, ...]:
    out = []
    for node in r.seq(tree, "rencana_aksi", required=False):
        if not isinstance(node, dict):
            continue
        r.check_keys(node, {"indikator", "kegiatan", "months", "biaya", "pelaksana"}, {"indikator", "kegiatan"})
        iid = r.text(node, "indikator", "")
        if iid not in indikator_ids:
            close = difflib.get_close_matches(iid, sorted(indikator_ids), n=1)
            r.problem(
                "DEF007",
                node,
                "indikator",
                f"indikator '{iid}' tidak ada di pohon kinerja",
                f"maksud Anda '{close[0]}'?" if close else "gunakan id indikator dari 'tujuan'",
            )
        months = node.get("months") or []
        if not isinstance(months, list) or any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
            r.problem(
                "DEF004", node, "months", f"bulan '{months}' tidak sah", "tulis daftar bulan 1–12, mis. [1, 2, 3]"
            )
            months = []
        pelaksana = r.text(node, "pelaksana", "")
        if pelaksana and pelaksana not in unit_codes:
            r.problem(
                "DEF006",
                node,
                "pelaksana",
                f"pelaksana '{pelaksana}' tidak ada di 'units'",
                f"pilih salah satu: {', '.join(sorted(unit_codes))}",
            )
        biaya = r.integer(node, "biaya") if node.get("biaya") is not None else None
        out.append(RencanaAksi(iid, r.text(node, "kegiatan", ""), frozenset(months), biaya, pelaksana))
    return tuple(out)


PROGRAM_CODE = re.compile(r"^\d{3}\.\d{2}\.[A-Z]{2}$")
KEGIATAN_CODE = re.compile(r"^\d{4}$")
OUTPUT_CODE = re.compile(r"^[A-Z]{3}\.\d{3}$")


def _budget(r: _Reader, tree, unit_codes: set[str]) -> tuple[tuple[BudgetLine, ...], int]:
    node = r.mapping(tree, "budget", {"revision_slots", "owner", "programs"}, {"programs"})
    slots = r.integer(node, "revision_slots", 6, minimum=0)
    if slots > MAX_REVISION_SLOTS:
        r.problem(
            "DEF004",
            node,
            "revision_slots",
            f"terlalu banyak kolom revisi ({slots})",
            f"paling banyak {MAX_REVISION_SLOTS}",
        )
    default_owner = str(node.get("owner", "")).strip()
    lines: list[BudgetLine] = []
    seen: dict[str, int] = {}
    for prog in r.seq(node, "programs"):
        if not isinstance(prog, dict):
            continue
        r.check_keys(prog, {"code", "name", "kegiatan"}, {"code", "name", "kegiatan"})
        pcode = _code(r, prog, PROGRAM_CODE, "076.01.CQ")
        lines.append(BudgetLine(pcode, pcode, r.text(prog, "name", ""), "program"))
        for keg in r.seq(prog, "kegiatan"):
            if not isinstance(keg, dict):
                continue
            r.check_keys(keg, {"code", "name", "outputs"}, {"code", "name", "outputs"})
            kcode = _code(r, keg, KEGIATAN_CODE, "6709")
            lines.append(BudgetLine(f"{pcode}/{kcode}", kcode, r.text(keg, "name", ""), "kegiatan"))
            for out in r.seq(keg, "outputs"):
                if isinstance(out, dict):
                    lines.append(_output(r, out, pcode, kcode, default_owner, unit_codes, seen))
    return tuple(lines), min(slots, MAX_REVISION_SLOTS)


def _output(r: _Reader, node, pcode, kcode, default_owner, unit_codes, seen) -> BudgetLine:
    r.check_keys(node, {"code", "name", "jenis_belanja", "pagu_awal", "owner"}, {"code", "name"})
    ocode = _code(r, node, OUTPUT_CODE, "QGE.001")
    key = f"{pcode}/{kcode}/{ocode}"
    if key in seen:
        r.problem(
            "DEF005",
            node,
            "code",
            f"baris anggaran '{key}' dua kali (juga di baris {seen[key]})",
            "satu output hanya sekali di bawah satu kegiatan",
        )
    seen[key] = line_of(node, "code")
    jenis = str(node.get("jenis_belanja", "")).strip()
    if jenis and jenis not in JENIS_BELANJA:
        r.problem("DEF003", node, "jenis_belanja", f"jenis belanja '{jenis}' tidak dikenal", "tulis 51, 52 atau 53")
    owner = str(node.get("owner", default_owner)).strip()
    if owner and owner not in unit_codes:
        r.problem(
            "DEF006",
            node,
            "owner",
            f"unit pemilik '{owner}' tidak ada di 'units'",
            f"pilih salah satu: {', '.join(sorted(unit_codes))}",
        )
    return BudgetLine(
        key, f"{kcode}.{ocode}", r.text(node, "name", ""), "output", owner, jenis, r.integer(node, "pagu_awal", 0)
    )


def _code(r: _Reader, node, pattern: re.Pattern, example: str) -> str:
    raw = r.text(node, "code", "")
    code = normalize.parse_budget_code(raw).value or raw
    if not pattern.match(str(code)):
        r.problem("DEF011", node, "code", f"kode '{raw}' tidak sesuai pola", f"contoh bentuk yang benar: '{example}'")
    return str(code)


RULE_KEYS = {
    "negative_formula",
    "exact_mismatch",
    "grade_rule",
    "grade_else",
    "cap",
    "aggregate",
    "aggregate_on",
    "rounding",
    "decimals",
    "indicator_rounding",
    "indicator_decimals",
    "placeholder_max",
    "scale",
}
RULE_CHOICES = {
    "negative_formula": ("two_minus_ratio", "inverse_ratio"),
    "exact_mismatch": ("flag", "positive_capped"),
    "grade_rule": ("binary", "rank_ratio"),
    "aggregate": ("indicator_mean", "sasaran_mean"),
    "aggregate_on": ("exact", "displayed"),
    "rounding": ("half_up", "truncate", "none"),
    "indicator_rounding": ("half_up", "truncate", "none"),
}


def _rules(r: _Reader, tree) -> CapaianRules:
    node = tree.get("rules") or LineDict()
    if not isinstance(node, dict):
        r.problem("DEF002", tree, "rules", "'rules' harus berupa pemetaan", "lihat docs/templates.md")
        return CapaianRules()
    r.check_keys(node, RULE_KEYS, set())
    settings = {}
    for key, choices in RULE_CHOICES.items():
        if key in node:
            if str(node[key]) not in choices:
                r.problem(
                    "DEF003",
                    node,
                    key,
                    f"aturan '{key}: {node[key]}' tidak dikenal",
                    f"pilih salah satu: {', '.join(choices)}",
                )
            else:
                settings[key] = str(node[key])
    for key in ("decimals", "indicator_decimals"):
        if key in node:
            settings[key] = r.integer(node, key, 2)
            if settings[key] > 4:
                r.problem("DEF004", node, key, f"'{key}' paling banyak 4", "tulis 0 sampai 4")
    if "placeholder_max" in node:
        settings["placeholder_max"] = r.integer(node, "placeholder_max", 10_000)
    for key in ("cap", "grade_else"):
        if node.get(key) is not None:
            settings[key] = _decimal(r, node, key)
    if "scale" in node:
        settings["scale"] = _scale(r, node)
    return CapaianRules(**settings)


def _decimal(r: _Reader, node, key) -> Decimal:
    try:
        return Decimal(str(node[key]).replace(",", "."))
    except InvalidOperation:
        r.problem("DEF004", node, key, f"'{key}' harus angka, tertulis '{node[key]}'", "mis. 100 atau 120")
        return Decimal(0)


def _scale(r: _Reader, node) -> tuple[Band, ...]:
    from .rules import validate_scale

    bands = []
    for band in r.seq(node, "scale"):
        if not isinstance(band, dict):
            continue
        r.check_keys(band, {"label", "lo", "hi", "lo_incl", "hi_incl", "keterangan"}, {"label", "lo"})
        hi = _decimal(r, band, "hi") if band.get("hi") is not None else None
        bands.append(
            Band(
                r.text(band, "label", ""),
                _decimal(r, band, "lo"),
                hi,
                bool(band.get("lo_incl", False)),
                bool(band.get("hi_incl", True)),
                str(band.get("keterangan", "")),
            )
        )
    for message in validate_scale(tuple(bands)):
        r.problem("DEF008", node, "scale", message, "ubah batas sehingga setiap nilai ≥ 0 masuk tepat satu kategori")
    return tuple(bands) or DEFAULT_SCALE


def _signatories(r: _Reader, tree) -> tuple[tuple[Signatory, ...], date | None]:
    node = tree.get("signatories")
    if node is None:
        return (), None
    if not isinstance(node, dict):
        r.problem("DEF002", tree, "signatories", "'signatories' harus berupa pemetaan", "lihat docs/templates.md")
        return (), None
    r.check_keys(node, {"pihak_pertama", "pihak_kedua", "single", "date"}, set())
    people = []
    for role in ("single", "pihak_pertama", "pihak_kedua"):
        person = node.get(role)
        if isinstance(person, dict):
            r.check_keys(person, {"jabatan", "nama", "nip"}, {"jabatan"})
            nip = str(person.get("nip", "") or "").strip()
            if nip and normalize.parse_nip(nip).error:
                r.problem(
                    "DEF004",
                    person,
                    "nip",
                    f"NIP '{nip}' tidak sah",
                    "NIP 18 digit: tgl lahir, TMT, jenis kelamin 1/2, urut",
                )
            people.append(Signatory(role, r.text(person, "jabatan", ""), str(person.get("nama", "") or ""), nip))
    sign_date = None
    if node.get("date"):
        parsed = normalize.parse_date_id(node["date"])
        if parsed.error:
            r.problem(
                "DEF004",
                node,
                "date",
                f"tanggal '{node['date']}' tidak sah",
                "tulis mis. '31 Januari 2024' atau 2024-01-31",
            )
        sign_date = parsed.value
    return tuple(people), sign_date


def _satker_list(r: _Reader, tree) -> tuple[Satker, ...]:
    """The satker list is a CSV beside the definition: code,name,level,parent,city."""
    name = tree.get("satker_list")
    if not name:
        return ()
    path = (r.path.parent / str(name)).resolve()
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except OSError:
        r.problem(
            "DEF010",
            tree,
            "satker_list",
            f"daftar satker '{name}' tidak ditemukan",
            "letakkan berkas CSV di folder yang sama",
        )
        return ()
    out, seen = [], set()
    for n, row in enumerate(rows, start=2):
        try:
            satker = Satker(
                row["code"].strip(),
                row["name"].strip(),
                Level(row["level"].strip()),
                (row.get("parent") or "").strip() or None,
                (row.get("city") or "").strip(),
            )
        except (KeyError, ValueError, AttributeError):
            r.problems.append(
                Problem(
                    "DEF010",
                    str(path),
                    n,
                    "baris satker tidak lengkap atau level salah",
                    "kolom: code,name,level(ri|provinsi|kabkota),parent,city",
                )
            )
            continue
        if satker.code in seen:
            r.problems.append(
                Problem("DEF010", str(path), n, f"kode satker '{satker.code}' dua kali", "setiap kode satker unik")
            )
        seen.add(satker.code)
        out.append(satker)
    return tuple(out)
