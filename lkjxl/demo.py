"""The main job on the bundled samples (`make demo`): what a user sees lkjxl do.

Run from a checkout: it reads `workbook_templates/` and `samples/`, and writes
everything under the output folder, then prints where each result is.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from . import definition, filling, synthetic, template


def run(out: Path, root: Path | None = None) -> int:
    root = root or Path.cwd()
    started = time.perf_counter()
    templates_dir = root / "workbook_templates"
    if not templates_dir.is_dir():
        print(f"lkjxl demo: folder 'workbook_templates' tidak ada di {root}; jalankan dari folder proyek")
        return 2
    lines = []
    for path in sorted(templates_dir.glob("*.yaml")):
        d = definition.load(path)
        written = template.write_all(d, out / "templates" / path.stem)
        lines.append(f"templat   {len(written):4d} berkas  {out / 'templates' / path.stem}")
        province = _synthetic_province(d, out / "filled" / f"{path.stem}-sintetis")
        lines.append(
            f"terisi    {len(province):4d} berkas  {out / 'filled' / (path.stem + '-sintetis')} (data sintetis)"
        )
    for sample in sorted(p for p in (root / "samples").glob("*/definition.yaml")):
        d = definition.load(sample)
        files = sorted(sample.parent.glob("filling*.yaml"))
        for fpath in files:
            code, unit, fill = filling.load(fpath, d)
            unit_obj = d.unit(unit) if unit else None
            target = out / "filled" / sample.parent.name / template.file_name(d, d.find_satker(code), unit_obj)
            template.write(d, d.find_satker(code), target, unit_obj, fill)
        lines.append(f"sampel    {len(files):4d} berkas  {out / 'filled' / sample.parent.name}")
    print("lkjxl demo selesai dalam %.1f detik:" % (time.perf_counter() - started))
    for line in lines:
        print("  " + line)
    return 0


def _synthetic_province(d, outdir: Path) -> list[Path]:
    """Filled workbooks for every satker of the definition's level, from seeded random data."""
    rng = random.Random(2024)
    satkers = [s for s in d.satker if s.level is d.level]
    return [
        template.write(d, s, outdir / template.file_name(d, s), None, synthetic.random_filling(d, rng)) for s in satkers
    ]
