"""The main job on the bundled samples (`make demo`): what a user sees lkjxl do.

generate templates → fill them (sample data and a synthetic province) → check →
recalculate → merge subbagian → consolidate the province, writing everything under
the output folder and printing where each result is. Run from a checkout: it reads
`workbook_templates/` and `samples/`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from . import consolidate, definition, filling, findings, merge, reader, report_xlsx, stated, synthetic, template
from .annotate import annotate


def run(out: Path, root: Path | None = None) -> int:
    root = root or Path.cwd()
    started = time.perf_counter()
    if not (root / "workbook_templates").is_dir():
        print(f"lkjxl demo: folder 'workbook_templates' tidak ada di {root}; jalankan dari folder proyek")
        return 2
    lines: list[str] = []
    kabkota = definition.load(root / "workbook_templates" / "kabkota-2024.yaml")

    def step(label: str, path: Path, detail: str) -> None:
        lines.append(f"{label:<14} {detail:<46} {path}")

    written = template.write_all(kabkota, out / "1-templat")
    step("templat", out / "1-templat", f"{len(written)} berkas (satker dan subbagian)")

    filled = _fill_samples(root, out / "2-terisi" / "sampel")
    step("isi sampel", out / "2-terisi" / "sampel", f"{len(filled)} berkas dari laporan asli")
    province = synthetic.generate(
        kabkota, out / "2-terisi" / "provinsi-sintetis", provinces=1, cities=8, seed=2024, noise=0.05, first_province=19
    )
    step("isi sintetis", out / "2-terisi" / "provinsi-sintetis", f"{len(province)} berkas, dengan salah ketik")

    found, checked = _check(filled + province, out / "3-temuan", root)
    step("periksa", out / "3-temuan", f"{checked} berkas, {found} temuan (JSON + salinan bertanda)")

    recalculated = _recalc(filled[:1], out / "4-hitung-ulang")
    if recalculated:
        step("hitung ulang", out / "4-hitung-ulang", recalculated)

    merged = _merge(filled, out / "5-gabungan")
    step("gabung", out / "5-gabungan", merged)

    target = out / "6-konsolidasi" / "konsolidasi-provinsi.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    inputs = [out / "2-terisi" / "provinsi-sintetis", out / "5-gabungan"]
    collection = consolidate.collect(inputs)
    report_xlsx.write(collection, target, "Konsolidasi Provinsi (demo)")
    accepted = sum(s.status == "diterima" for s in collection.sources)
    step(
        "konsolidasi",
        target,
        f"{accepted}/{len(collection.sources)} berkas diterima; rekonsiliasi " + ("OK" if collection.ok else "SELISIH"),
    )
    print(f"lkjxl demo selesai dalam {time.perf_counter() - started:.1f} detik. Hasil di {out}/:")
    for line in lines:
        print("  " + line)
    return 0


def _fill_samples(root: Path, outdir: Path) -> list[Path]:
    written = []
    for sample in sorted((root / "samples").glob("*/definition.yaml")):
        d = definition.load(sample)
        for fpath in sorted(sample.parent.glob("filling*.yaml")):
            code, unit, fill = filling.load(fpath, d)
            unit_obj = d.unit(unit) if unit else None
            satker = d.find_satker(code)
            target = outdir / sample.parent.name / template.file_name(d, satker, unit_obj)
            written.append(template.write(d, satker, target, unit_obj, fill))
    return written


def _check(paths: list[Path], outdir: Path, root: Path) -> tuple[int, int]:
    """Check every filled file; findings as JSON, annotated copies of files with findings."""
    everything = []
    for path in paths:
        data = reader.read(path)
        everything += data.findings
        sample = root / "samples" / path.parent.name / "stated.yaml"
        if data.usable and data.unit is None and sample.exists():
            everything += stated.check(data.definition, data.filling, sample)[0]
        if data.findings:
            annotate(path, data.findings, outdir / "anotasi" / f"{path.stem}-temuan.xlsx")
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "temuan.json").write_text(findings.to_json(everything), encoding="utf-8")
    counts = {s: sum(f.severity == s for f in everything) for s in ("error", "warning", "info")}
    (outdir / "ringkasan.json").write_text(json.dumps(counts), encoding="utf-8")
    return len(everything), len(paths)


def _recalc(paths: list[Path], outdir: Path) -> str:
    try:
        from .recalc import recalc_file
    except ImportError:
        return ""
    outdir.mkdir(parents=True, exist_ok=True)
    done = [recalc_file(p, outdir / p.name) for p in paths]
    return f"{len(done)} berkas: semua rumus dihitung ulang, nilai tersimpan diperbarui"


def _merge(paths: list[Path], outdir: Path) -> str:
    """Merge the subbagian files of each sample satker (Banjarbaru's four units)."""
    groups: dict[str, list] = {}
    for path in paths:
        data = reader.read(path)
        if data.usable and data.unit is not None:
            groups.setdefault(data.satker_code, []).append(data)
    for code, datas in groups.items():
        merged = merge.merge(datas)
        template.write(merged.definition, merged.satker, outdir / f"gabungan-{code}.xlsx", None, merged.filling)
    return f"{sum(len(g) for g in groups.values())} berkas subbagian → {len(groups)} satker"
