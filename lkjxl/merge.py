"""Merge a satker's subbagian workbooks into one satker filling (`lkjxl merge`).

Each value comes from the unit that owns its row (DOMAIN §2: rows are keyed by
indicator id and budget key, never by position). A different value filled in by
another unit is a conflict, reported with both values and both files; a unit
whose file is missing is listed. Template defaults (values every unit's copy
carries because the template put them there) are not conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import findings
from .model import Definition, Filling, Level, Satker
from .sheets_kinerja import rencana_rows


@dataclass
class Merged:
    definition: Definition
    satker: Satker
    filling: Filling
    findings: list[findings.Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)  # files whose values were taken (a unit's duplicates are not)


def satker_of(meta: dict) -> Satker:
    """The satker a workbook's metadata names (the satker list is not needed to read it)."""
    level = meta.get("lkjxl_satker_level", "kabkota")
    return Satker(
        meta.get("lkjxl_satker_code", ""),
        meta.get("lkjxl_satker_name", ""),
        Level(level) if level in Level._value2member_map_ else Level.KABKOTA,
        meta.get("lkjxl_satker_parent") or None,
    )


def merge(datas: list, prefer: str | None = None) -> Merged:
    """Merge readable subbagian files of one satker and template; the caller checks they belong together.

    Two files of one unit are never merged silently: both are reported and neither is
    used, unless `prefer='newest'` takes the one saved last.
    """
    first = datas[0]
    d = first.definition
    found: list = []
    by_unit = _one_per_unit(datas, prefer, found)
    for data in datas:
        if data.unit is None:
            found.append(findings.make("NOT_A_UNIT_FILE", file=data.file, value=data.satker_code))
    merged = Merged(
        d,
        satker_of(first.meta),
        Filling(),
        found,
        files=[x.file for x in datas],
        units=sorted(by_unit),
        used=[x.file for x in by_unit.values()],
    )
    for unit in d.units:
        if unit.code not in by_unit:
            merged.findings.append(findings.make("UNIT_MISSING", file=first.file, value=f"{unit.code} ({unit.name})"))
    pk_owner = d.units[0].code if d.units else ""
    fields = _fields(d, d.budget_owner, pk_owner)
    for (kind, key), (owner, default) in fields.items():
        _take(merged, by_unit, kind, key, owner, default)
    return merged


def _one_per_unit(datas: list, prefer: str | None, found: list) -> dict:
    groups: dict[str, list] = {}
    for data in datas:
        if data.unit is not None:
            groups.setdefault(data.unit.code, []).append(data)
    chosen = {}
    for code, group in groups.items():
        if len(group) == 1:
            chosen[code] = group[0]
            continue
        names = ", ".join(x.file.rsplit("/", 1)[-1] for x in group)
        what = f"unit {code} satker {group[0].satker_code}"
        found.append(findings.make("DUPLICATE_SUBMISSION", file=group[0].file, value=code, what=what, other=names))
        if prefer == "newest":
            chosen[code] = max(group, key=lambda x: x.meta.get("modified", ""))
    return chosen


def _fields(d: Definition, rev_owner: str, pk_owner: str) -> dict:
    """Every mergeable field: (kind, key) → (owning unit, the template's own value)."""
    out = {}
    for ind in d.indikator:
        out[("realisasi", ind.id)] = (ind.owner, None)
        out[("notes", ind.id)] = (ind.owner, None)
        out[("rencana_aksi", ind.id)] = (ind.owner, None)
    for line in d.budget:
        if line.is_leaf:
            out[("pagu_awal", line.key)] = (line.owner, line.pagu_awal)
            out[("pagu_revisi", line.key)] = (line.owner, None)
            out[("realisasi_bulan", line.key)] = (line.owner, None)
    out[("revisions", "")] = (rev_owner, None)
    out[("pk", "")] = (pk_owner, None)
    return out


def _get(fill: Filling, kind: str, key: str):
    if kind in ("revisions", "pk"):
        return getattr(fill, kind) or None
    return getattr(fill, kind).get(key)


def _set(fill: Filling, kind: str, key: str, value) -> None:
    if kind in ("revisions", "pk"):
        setattr(fill, kind, value)
    else:
        getattr(fill, kind)[key] = value


def _is_default(value, default, kind: str, d: Definition, key: str) -> bool:
    if value in (None, [], {}) or value == default:
        return True
    if kind == "rencana_aksi":  # every unit's copy carries the plan rows from the definition
        plan = rencana_rows(d, key)
        return [(r.kegiatan, r.months, r.biaya, r.pelaksana) for r in value] == [
            (p.kegiatan, p.months, p.biaya, p.pelaksana) if p else ("", frozenset(), None, "") for p in plan
        ] or all(not r.kegiatan and not r.months and r.biaya is None for r in value)
    if kind == "pk":
        return True  # the signature block repeats in every copy; the owner's is taken
    return isinstance(value, list) and all(v is None for v in value)


def _take(merged: Merged, by_unit: dict, kind: str, key: str, owner: str, default) -> None:
    d = merged.definition
    owner_data = by_unit.get(owner)
    value = _get(owner_data.filling, kind, key) if owner_data else None
    if value is not None:
        _set(merged.filling, kind, key, value)
    for unit, data in by_unit.items():
        if unit == owner:
            continue
        other = _get(data.filling, kind, key)
        if _is_default(other, default, kind, d, key) or other == value:
            continue
        merged.findings.append(
            findings.make(
                "CONFLICT",
                file=data.file,
                value=_short(value),
                what=f"{kind} {key}".strip(),
                other=_short(other),
                file_a=owner_data.file if owner_data else f"unit {owner} tidak ada",  # the template adds the ( )
                file_b=data.file,
            )
        )


def _short(value) -> str:
    """A value as an operator reads it: lists joined, decimals plain."""
    from decimal import Decimal

    def show(v) -> str:
        return "kosong" if v is None else format(v.normalize(), "f") if isinstance(v, Decimal) else str(v)

    text = " | ".join(show(v) for v in value) if isinstance(value, list) else show(value)
    return text if len(text) <= 80 else text[:77] + "…"
