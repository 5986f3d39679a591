"""Load operator values transcribed as text (`samples/*/filling*.yaml`).

Samples keep each value as the report printed it (`"100%"`, `"Rp. 2.617.729.000,-"`,
`"7 Kecamatan"`), so every number can be traced to its seed line; this module
parses them with the same normaliser the workbook reader uses.
"""

from __future__ import annotations

from pathlib import Path

from . import normalize, yamlsrc
from .definition import DefinitionError, Problem
from .model import Definition, Filling
from .yamlsrc import line_of


def load(path: str | Path, definition: Definition) -> tuple[str, str | None, Filling]:
    """Return (satker code, unit code or None, Filling); every problem raised at once."""
    path = Path(path)
    problems: list[Problem] = []

    def problem(where, key, message: str, fix: str) -> None:
        problems.append(Problem("FIL001", str(path), line_of(where, key), message, fix))

    try:
        tree = yamlsrc.load(path)
    except (OSError, yamlsrc.YamlSyntaxError) as exc:
        raise DefinitionError(
            [Problem("FIL000", str(path), getattr(exc, "line", 0), str(exc), "periksa berkas")]
        ) from None
    if not isinstance(tree, dict):
        raise DefinitionError([Problem("FIL000", str(path), 1, "berkas isian kosong", "mulai dengan 'satker:'")])
    satker = str(tree.get("satker", "")).strip()
    if definition.find_satker(satker) is None:
        problem(tree, "satker", f"satker '{satker}' tidak ada di daftar satker", "gunakan kode dari satker.csv")
    unit = tree.get("unit")
    if unit is not None and definition.unit(str(unit)) is None:
        problem(tree, "unit", f"unit '{unit}' tidak ada di definisi", "gunakan kode unit dari 'units'")
    fill = Filling()
    labels = definition.period.labels
    by_id = {i.id: i for i in definition.indikator}
    for iid, values in (tree.get("realisasi") or {}).items():
        ind = by_id.get(iid)
        if ind is None:
            problem(tree["realisasi"], iid, f"indikator '{iid}' tidak ada di definisi", "gunakan id dari 'tujuan'")
            continue
        if isinstance(values, dict):  # {TW IV: "100%"}
            values = [values.get(label) for label in labels]
        if not isinstance(values, list) or len(values) > len(labels):
            problem(
                tree["realisasi"],
                iid,
                f"realisasi '{iid}' harus daftar paling banyak {len(labels)} periode",
                f"tulis [nilai {labels[0]}, …] atau {{{labels[-1]}: nilai}}",
            )
            continue
        parsed = []
        for n, raw in enumerate(values):
            result = normalize.parse_value(raw, ind.kind, ind.satuan)
            if result.error:
                problem(
                    values,
                    n,
                    f"realisasi '{raw}' tidak sesuai jenis indikator {iid} ({result.error})",
                    "tulis seperti tercetak, mis. '100%', '3 kali', 'B'",
                )
            parsed.append(None if result.missing or result.error else result.value)
        fill.realisasi[iid] = parsed
    for iid, notes in (tree.get("notes") or {}).items():
        fill.notes[iid] = {k: str(v) for k, v in (notes or {}).items()}
    _budget(tree, definition, fill, problem)
    for rev in tree.get("revisions") or []:
        fill.revisions.append(
            {
                "tanggal": normalize.parse_date_id(rev.get("tanggal")).value,
                "pagu": _money(rev, "pagu", problem),
                "alasan": str(rev.get("alasan", "")),
                "otoritas": str(rev.get("otoritas", "")),
            }
        )
    if problems:
        raise DefinitionError(problems)
    return satker, (str(unit) if unit is not None else None), fill


def _money(node, key, problem) -> int | None:
    raw = node[key] if isinstance(node, list) else node.get(key)
    result = normalize.parse_money(raw)
    if result.error:
        problem(node, key, f"nilai rupiah '{raw}' tidak sah ({result.error})", "tulis mis. 'Rp. 2.617.729.000,-'")
        return None
    return None if result.missing else result.value


def _budget(tree, definition: Definition, fill: Filling, problem) -> None:
    """Budget lines by key; an annual `realisasi` total goes to December, as samples state."""
    keys = {line.key for line in definition.budget if line.is_leaf}
    for key, node in (tree.get("budget") or {}).items():
        if key not in keys:
            problem(
                tree["budget"],
                key,
                f"baris anggaran '{key}' tidak ada di definisi",
                "gunakan kunci program/kegiatan/output",
            )
            continue
        if node.get("pagu_awal") is not None:
            fill.pagu_awal[key] = _money(node, "pagu_awal", problem)
        revs = node.get("revisi") or []
        fill.pagu_revisi[key] = [_money(revs, n, problem) if revs[n] is not None else None for n in range(len(revs))]
        if node.get("realisasi_bulan") is not None:
            months = node["realisasi_bulan"]
            fill.realisasi_bulan[key] = [
                _money(months, n, problem) if months[n] is not None else None for n in range(len(months))
            ]
        elif node.get("realisasi") is not None:
            fill.realisasi_bulan[key] = [None] * 11 + [_money(node, "realisasi", problem)]
