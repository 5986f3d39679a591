"""Consolidation: many satker, subbagian and consolidated workbooks → one set of tidy rows.

Inputs are read in parallel; subbagian files are merged per satker; a consolidated
workbook contributes its satker rows (so a nation built from provinces counts no
satker twice); a rejected file never stops the others. Every accepted input is
reconciled against the rows written: amounts and value counts must match.
"""

from __future__ import annotations

import csv
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import ParseError

from . import findings, frames, merge, reader
from .model import Filling

KIND_KONSOLIDASI = "konsolidasi"
# The reason of a double that --prefer newest settled: not a problem left open (see cli's exit code).
SUPERSEDED = "digantikan kiriman yang lebih baru (--prefer newest)"


@dataclass
class Source:
    """One input file and what became of it (the Sumber sheet)."""

    file: str
    sha256: str = ""
    kind: str = ""  # satker | subbagian | konsolidasi | -
    satker: str = ""
    unit: str = ""
    template: str = ""
    timestamp: str = ""
    status: str = "ditolak"  # diterima | ditolak | ganda
    reason: str = ""
    rows_read: int = 0
    rows_written: int = 0
    values_read: int = 0
    satkers: list[str] = field(default_factory=list)  # satker whose rows this source gave the output


@dataclass
class Collection:
    frames: frames.Frames
    sources: list[Source]
    expected: list[dict] = field(default_factory=list)  # satker list rows, when given
    reconciliation: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.startswith("OK") for line in self.reconciliation)


def expand(paths: list[Path]) -> list[Path]:
    """Files and folders → .xlsx files, sorted, skipping Excel's lock files."""
    out = []
    for p in paths:
        found = sorted(p.rglob("*.xlsx")) if p.is_dir() else [p]
        out += [f for f in found if not f.name.startswith(("~$", ".~lock"))]
    return out


def peek_kind(path: Path) -> str:
    """The lkjxl_kind custom property, without reading the workbook."""
    try:
        with zipfile.ZipFile(path) as z:
            if "docProps/custom.xml" not in z.namelist():
                return ""
            text = z.read("docProps/custom.xml").decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile):
        return ""
    return KIND_KONSOLIDASI if 'name="lkjxl_kind"' in text and f">{KIND_KONSOLIDASI}<" in text else ""


def _read_one(path: Path):
    """Worker: read one input; a consolidated workbook gives its Data rows instead."""
    if peek_kind(path) == KIND_KONSOLIDASI:
        from .report_read import read_consolidated

        try:
            return read_consolidated(path)
        except Exception as exc:  # a broken consolidated file is rejected, never fatal  # noqa: BLE001
            data = reader.WorkbookData(str(path), "")
            data.findings.append(
                findings.make(
                    "UNUSABLE_FILE", file=str(path), reason=str(exc)[:200], hint="buat ulang berkas konsolidasi"
                )
            )
            return data
    data = reader.read(path, recompute=False)  # figures come from the rules engine; see reader.read
    if not data.usable or data.unit is not None:
        return data  # subbagian files are merged per satker first, in the parent
    d = data.definition
    part = frames.satker_frames(d, merge.satker_of(data.meta), data.filling, path.name)
    slim = replace(data, definition=None, cells={}, filling=Filling())
    return _Satker(slim, _template_label(d), part, _count_filling(data.filling))


@dataclass
class _Satker:
    """A satker workbook read in a worker and reduced to what consolidation keeps: identity,
    findings and its rows (the definition, with its satker list, is not sent back per file)."""

    data: reader.WorkbookData
    template: str
    part: frames.Frames
    values: int


def _template_label(d) -> str:
    return f"{d.template.id} v{d.template.version} ({d.year})"


def read_all(paths: list[Path], workers: int | None = None, progress=None) -> list:
    workers = reader.worker_count(workers)
    if workers <= 1 or len(paths) < 8:
        results = []
        for n, p in enumerate(paths, start=1):
            results.append(_read_one(p))
            if progress:
                progress(n, len(paths), p.name)
        return results
    results = []
    with ProcessPoolExecutor(workers) as pool:
        for n, result in enumerate(pool.map(_read_one, paths, chunksize=4), start=1):
            results.append(result)
            if progress:
                progress(n, len(paths), paths[n - 1].name)
    return results


def load_expected(path: Path) -> list[dict]:
    """A satker list (code,name,level,parent[,city]) of who should have sent a file.

    Comma or semicolon separated (Excel in an Indonesian locale saves with ';').
    Raises ValueError when there is no `code` column, rather than rejecting everyone.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [
        {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        for row in csv.DictReader(text.splitlines(), dialect=dialect)
    ]
    if rows and "code" not in rows[0]:
        raise ValueError(f"daftar satker '{path}' tidak punya kolom 'code' (kolom: code,name,level,parent)")
    return [row for row in rows if row.get("code")]


def collect(
    paths: list[Path],
    *,
    expected: Path | None = None,
    prefer: str | None = None,
    workers: int | None = None,
    progress=None,
) -> Collection:
    files = expand(paths)
    results = read_all(files, workers, progress)
    out = Collection(frames.empty(), [])
    if expected is not None:
        out.expected = load_expected(expected)
    expected_codes = {row.get("code") for row in out.expected}
    satker_inputs: dict[str, list] = {}  # satker code → [(Source, payload)]
    unit_inputs: dict[tuple, list] = {}
    for path, result in zip(files, results, strict=True):
        source = Source(str(path))
        out.sources.append(source)
        if isinstance(result, frames.Frames):  # a consolidated workbook: its satker rows, one by one
            source.kind, source.sha256 = KIND_KONSOLIDASI, result.sha256
            codes = sorted({row["satker"] for row in result.indikator + result.anggaran})
            outside = [code for code in codes if expected_codes and code not in expected_codes]
            for code in codes:
                if code in outside:
                    out.frames.temuan += frames.finding_rows(
                        code,
                        [
                            findings.make(
                                "WRONG_SATKER", file=str(path), found=code, expected="satker dalam daftar --expected"
                            )
                        ],
                    )
                    continue
                satker_inputs.setdefault(code, []).append((source, _only(result, code)))
            if not codes:  # stays ditolak: every rejected file says why (summary, Kelengkapan, Sumber)
                source.reason = "buku kerja konsolidasi ini tidak memuat baris satker (sheet Data kosong)"
            elif outside == codes:
                source.reason = (
                    f"tidak satu pun satker dalam berkas ini ada di daftar --expected (berkas memuat: {_listed(codes)})"
                )
            continue
        data = result.data if isinstance(result, _Satker) else result
        source.sha256, source.satker = data.sha256, data.satker_code
        source.timestamp = data.meta.get("modified", "")
        out.frames.temuan += frames.finding_rows(data.satker_code, data.findings)
        if not isinstance(result, _Satker) and not data.usable:
            source.reason = "; ".join(f.message for f in data.findings if f.severity == "error")[:300]
            continue
        source.template = result.template if isinstance(result, _Satker) else _template_label(data.definition)
        if expected_codes and data.satker_code not in expected_codes:
            wrong = findings.make(
                "WRONG_SATKER", file=str(path), found=data.satker_code, expected="satker dalam daftar --expected"
            )
            out.frames.temuan += frames.finding_rows(data.satker_code, [wrong])
            source.reason = wrong.message
            continue
        if isinstance(result, _Satker):
            source.kind = "satker"
            satker_inputs.setdefault(data.satker_code, []).append((source, result))
        else:
            d = data.definition
            source.kind, source.unit = "subbagian", data.unit.code
            unit_inputs.setdefault((data.satker_code, d.template.id, d.template.version, d.year), []).append(
                (source, data)
            )
    for (code, *_), group in sorted(unit_inputs.items()):
        merged = merge.merge([data for _, data in group], prefer)
        out.frames.temuan += frames.finding_rows(code, merged.findings)
        used = [source for source, data in group if data.file in merged.used]
        for source, _ in group:
            if all(source is not u for u in used):  # merge took the newest of the unit's files, or none
                source.status = "ganda"
                source.reason = (
                    SUPERSEDED
                    if prefer == "newest"
                    else f"unit {source.unit} dikirim lebih dari sekali; pilih satu (atau --prefer newest)"
                )
        if used:  # a satker whose only unit files were all set aside gives nothing
            satker_inputs.setdefault(code, []).append((used, merged))
    for code in sorted(satker_inputs):
        chosen = _choose(satker_inputs[code], prefer, out)
        if chosen is not None:
            _accept(out, code, *chosen)
    accepted = {code for s in out.sources for code in s.satkers}
    for row in out.expected:
        if row["code"] not in accepted:
            out.frames.temuan += frames.finding_rows(
                row["code"], [findings.make("SATKER_MISSING", value=f"{row['code']} {row.get('name', '')}".strip())]
            )
    out.reconciliation = reconcile(out)
    return out


def _listed(codes: list[str], most: int = 10) -> str:
    shown = ", ".join(codes[:most])
    return shown if len(codes) <= most else f"{shown}, … ({len(codes)} satker)"


def _only(part: frames.Frames, code: str) -> frames.Frames:
    return frames.Frames(
        [r for r in part.indikator if r["satker"] == code],
        [r for r in part.anggaran if r["satker"] == code],
        [r for r in part.revisi if r["satker"] == code],
        [],
    )


def _choose(candidates: list, prefer: str | None, out: Collection):
    """One submission per satker: duplicates are reported; `prefer='newest'` picks by timestamp."""
    if len(candidates) == 1:
        return candidates[0]
    sources = [_sources_of(c[0]) for c in candidates]
    names = ", ".join(s.file.rsplit("/", 1)[-1] for group in sources for s in group)
    code = sources[0][0].satker or "?"
    out.frames.temuan += frames.finding_rows(
        code,
        [
            findings.make(
                "DUPLICATE_SUBMISSION", file=sources[0][0].file, value=code, what=f"satker {code}", other=names
            )
        ],
    )
    if prefer != "newest":
        for group in sources:
            for s in group:
                s.status, s.reason = "ganda", "satker dikirim lebih dari sekali; pilih satu (atau --prefer newest)"
        return None
    best = max(range(len(candidates)), key=lambda i: max(s.timestamp for s in sources[i]))
    for i, group in enumerate(sources):
        if i != best:
            for s in group:
                s.status, s.reason = "ganda", SUPERSEDED
    return candidates[best]


def _sources_of(source_or_group) -> list[Source]:
    return source_or_group if isinstance(source_or_group, list) else [source_or_group]


def _accept(out: Collection, code: str, source_or_group, payload) -> None:
    sources = _sources_of(source_or_group)
    names = " + ".join(Path(s.file).name for s in sources)
    if isinstance(payload, frames.Frames):
        part = payload
        values = _count_values(part)
    elif isinstance(payload, _Satker):
        part, values = payload.part, payload.values
    else:
        part = frames.satker_frames(payload.definition, payload.satker, payload.filling, names)
        values = _count_filling(payload.filling)
    for s in sources:
        s.status = "diterima"
    lead = sources[0]
    lead.satkers.append(code)
    lead.rows_read += len(part.indikator) + len(part.anggaran) + len(part.revisi)
    lead.values_read += values
    out.frames.extend(part)


def _count_filling(fill) -> int:
    """Operator values read: realisasi per period, pagu, revisions and months (the reconciled quantities)."""
    n = sum(v is not None for values in fill.realisasi.values() for v in values)
    n += sum(v is not None for v in fill.pagu_awal.values())
    n += sum(v is not None for values in fill.realisasi_bulan.values() for v in values)
    n += sum(v is not None for values in fill.pagu_revisi.values() for v in values)
    return n


def _count_values(part: frames.Frames) -> int:
    n = sum(row.get(f"realisasi_p{p}") is not None for row in part.indikator for p in range(1, frames.MAX_PERIODS + 1))
    n += sum(row.get("pagu_awal") is not None for row in part.anggaran)
    return n + sum(row.get(f"bulan_{m}") is not None for row in part.anggaran for m in range(1, 13))


def reconcile(out: Collection) -> list[str]:
    """Rows and amounts read = rows and amounts written, per input and in total."""
    lines = []
    written: dict[str, int] = {}
    for table in (out.frames.indikator, out.frames.anggaran, out.frames.revisi):
        for row in table:
            written[row["satker"]] = written.get(row["satker"], 0) + 1
    for s in out.sources:
        if not s.satkers:
            continue
        s.rows_written = sum(written.get(code, 0) for code in s.satkers)
        if s.rows_written != s.rows_read:
            lines.append(f"SELISIH {Path(s.file).name}: {s.rows_read} baris dibaca, {s.rows_written} ditulis")
    pagu = sum(r["pagu_akhir"] or 0 for r in out.frames.anggaran)
    spent = sum(r["realisasi"] or 0 for r in out.frames.anggaran)
    months = sum(sum(filter(None, map(r.get, frames.MONTHS))) for r in out.frames.anggaran)  # 1.3 M cells
    lines.append(("OK" if months == spent else "SELISIH") + f" realisasi: jumlah bulanan {months:,} = total {spent:,}")
    counted = {status: sum(s.status == status for s in out.sources) for status in ("diterima", "ditolak", "ganda")}
    lines.append(
        f"OK {counted['diterima']} berkas diterima, {counted['ditolak']} ditolak, {counted['ganda']} ganda; "
        f"pagu akhir {pagu:,}, realisasi {spent:,}"
    )
    if not any(line.startswith("SELISIH") for line in lines):
        lines.insert(0, "OK setiap baris yang dibaca tertulis di keluaran")
    return lines


__all__ = ["collect", "Collection", "Source", "expand", "ParseError"]
