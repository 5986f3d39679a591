"""Template generation at national scale: how fast, how big, how much memory.

Builds a satker-sized definition from the bundled one (≈30 indicators over 10
sasaran, 200 budget outputs over 2 programs and 10 kegiatan), then measures what
`lkjxl template --all` does for 552 satkers: one render per definition and unit,
then a stamp and an atomic write per satker. Prints one table; the figures go in
the issue note. Run: `python bench/templates.py` (about a minute on 2 cores).
"""

from __future__ import annotations

import dataclasses
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script run from a checkout, whether lkjxl is installed or not

from lkjxl import definition, synthetic, template  # noqa: E402
from lkjxl.model import BudgetLine, Definition, Level, Sasaran, Satker, Tujuan  # noqa: E402
from lkjxl.xlexpr import Expr  # noqa: E402

BASE = ROOT / "workbook_templates" / "kabkota-2024.yaml"

SASARAN = 10
INDIKATOR_PER_SASARAN = 3
PROGRAMS = {
    "076.01.CQ": ("6709", "6639", "6867", "6870", "6871", "6872"),
    "076.01.WA": ("3355", "3360", "3361", "3362"),
}
OUTPUTS_PER_KEGIATAN = 20
KRO = ("QGE", "RAN", "BDB", "EBA", "EBB")
PROVINCES, CITIES = 38, 514
TARGET_PER_SECOND = 50


def satker_definition(base: Definition) -> Definition:
    """The bundled definition scaled up; indicators and outputs are copies with new ids and keys."""
    pool = base.indikator  # mixed kinds and polarities: percent, count, AKIP, BPK, index; +, −, exact
    plans = {}
    for ra in base.rencana_aksi:
        plans.setdefault(ra.indikator_id, []).append(ra)
    sasaran, rencana_aksi = [], []
    for s in range(1, SASARAN + 1):
        inds = []
        for k in range(1, INDIKATOR_PER_SASARAN + 1):
            source = pool[((s - 1) * INDIKATOR_PER_SASARAN + k - 1) % len(pool)]
            ind = dataclasses.replace(source, id=f"SS{s:02d}.IK{k:02d}", text=f"{source.text} ({s}.{k})")
            inds.append(ind)
            rencana_aksi += [dataclasses.replace(ra, indikator_id=ind.id) for ra in plans.get(source.id, ())]
        sasaran.append(Sasaran(f"SS{s:02d}", f"Sasaran program sintetis {s}", tuple(inds)))
    tujuan = tuple(Tujuan(f"T{t + 1}", f"Tujuan sintetis {t + 1}", tuple(sasaran[t::3])) for t in range(3))
    return dataclasses.replace(base, tujuan=tujuan, rencana_aksi=tuple(rencana_aksi), budget=_budget(base))


def _budget(base: Definition) -> tuple[BudgetLine, ...]:
    leaves = [line for line in base.budget if line.is_leaf]  # owners and jenis belanja to cycle through
    lines, n = [], 0
    for pcode, kegiatan in PROGRAMS.items():
        program = next((b for b in base.budget if b.key == pcode), None)
        lines.append(BudgetLine(pcode, pcode, program.name if program else "Program sintetis", "program"))
        for kcode in kegiatan:
            lines.append(BudgetLine(f"{pcode}/{kcode}", kcode, f"Kegiatan sintetis {kcode}", "kegiatan"))
            for o in range(OUTPUTS_PER_KEGIATAN):
                leaf = leaves[n % len(leaves)]
                ocode = f"{KRO[o % len(KRO)]}.{o + 1:03d}"
                lines.append(
                    dataclasses.replace(
                        leaf,
                        key=f"{pcode}/{kcode}/{ocode}",
                        code=f"{kcode}.{ocode}",
                        name=f"{leaf.name} ({kcode}.{ocode})",
                    )
                )
                n += 1
    return tuple(lines)


def national_satkers() -> tuple[Satker, ...]:
    """38 province-like and 514 city-like satkers, all at the definition's level (kabkota)."""
    out = [
        Satker(f"{10 + p}", f"KPU Provinsi Sintetis {p + 1}", Level.KABKOTA, "00", "Ibukota") for p in range(PROVINCES)
    ]
    for n in range(CITIES):
        prov = 10 + n % PROVINCES
        out.append(
            Satker(f"{prov}{n // PROVINCES + 1:02d}", f"KPU Kota Sintetis {n + 1}", Level.KABKOTA, str(prov), "Kota")
        )
    assert len({s.code for s in out}) == PROVINCES + CITIES
    return tuple(out)


# -- measuring ------------------------------------------------------------------------


def timed(f, *args, **kwargs):
    start = time.perf_counter()
    result = f(*args, **kwargs)
    return time.perf_counter() - start, result


def median_of(runs: int, f, *args, **kwargs) -> float:
    return statistics.median(timed(f, *args, **kwargs)[0] for _ in range(runs))


def traced_peak(f, *args, **kwargs) -> int:
    """Peak bytes Python allocated while `f` ran (tracemalloc slows it; never timed)."""
    tracemalloc.start()
    try:
        f(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def counts(book) -> dict[str, int]:
    cells = [c for s in book.sheets for c in s.cells.values()]
    return {
        "cells": len(cells),
        "formulas": sum(isinstance(c.value, Expr) for c in cells),
        "inputs": sum(c.input for c in cells),
        "validations": sum(len(s.validations) for s in book.sheets),
        "names": len(book.names),
    }


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def kib(n: float) -> str:
    return f"{n / 1024:.0f} KiB"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo")
    models = (
        [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        if cpuinfo.exists()
        else []
    )
    cpu = models[0] if models else platform.processor() or "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"machine: {usable} usable cores (nproc), {cpu}, {platform.system()} {platform.release()}",
        f"python {platform.python_version()} ({platform.python_implementation()}), XlsxWriter {xlsxwriter.__version__}",
    ]


def main() -> None:
    started = time.perf_counter()
    base = definition.load(BASE)
    d = satker_definition(base)
    satkers = national_satkers()
    national = dataclasses.replace(d, satker=satkers)
    satker = satkers[PROVINCES]  # a city
    filling = synthetic.random_filling(d, random.Random(7))
    n_leaves = sum(1 for b in d.budget if b.is_leaf)
    n_kegiatan = sum(1 for b in d.budget if b.level == "kegiatan")
    units = len(d.units)

    rows: list[tuple[str, str, str]] = []

    def row(what: str, value: str, note: str = "") -> None:
        rows.append((what, value, note))

    # One render per definition and unit: build, evaluate, write with XlsxWriter. The first
    # call in the process is what `lkjxl template --satker` pays (lazy imports included).
    render_cold, rendered = timed(template.render, d)
    render_s = median_of(5, template.render, d)

    # The in-memory model: what one workbook holds, and the two steps before writing.
    book = template.build(d)
    c = counts(book)
    build_s = median_of(5, template.build, d)
    eval_s = median_of(5, book.evaluate)
    unit_render_s = median_of(5, template.render, d, d.units[0])

    # Per satker: stamp the identity in, write the file atomically.
    with tempfile.TemporaryDirectory(prefix="lkjxl-bench-") as tmp:
        out = Path(tmp)
        stamp_s = median_of(5, lambda: [template.stamp(rendered, satker) for _ in range(20)]) / 20
        stamped = template.stamp(rendered, satker)
        save_s = median_of(5, lambda: [template.save_bytes(stamped, out / f"s{n}.xlsx") for n in range(20)]) / 20

        # Every satker, as `lkjxl template --all --no-units` and `--all`.
        all_s, written = timed(template.write_all, national, out / "satker", units=False)
        assert len(written) == len(satkers)
        size_all = sum(p.stat().st_size for p in written)
        units_s, written_u = timed(template.write_all, national, out / "unit", units=True)
        assert len(written_u) == len(satkers) * (1 + units)
        size_units = sum(p.stat().st_size for p in written_u)

        # A filled workbook: a full render with operator values, then stamp and write.
        filled_path = out / "terisi.xlsx"
        filled_s = median_of(3, template.write, d, satker, filled_path, None, filling)
        filled_size = filled_path.stat().st_size

    peak_render = traced_peak(template.render, d)
    peak_filled = traced_peak(template.render, d, None, filling)
    peak_stamp = traced_peak(template.stamp, rendered, satker)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

    rate_all = len(satkers) / all_s
    rate_units = len(written_u) / units_s
    ok = "ok" if rate_all >= TARGET_PER_SECOND else "BELOW TARGET"

    row(
        "definition",
        f"{len(d.indikator)} ind / {len(d.sasaran)} sas",
        f"{n_leaves} outputs, {n_kegiatan} kegiatan, 2 programs, {len(d.rencana_aksi)} RA rows, {d.period.value}, "
        f"{d.revision_slots} revision slots",
    )
    row("cells per workbook", f"{c['cells']:,}", "Book model from template.build(d), all sheets")
    row("formula cells", f"{c['formulas']:,}", f"{c['formulas'] / c['cells']:.0%} of cells; each with a cached value")
    row("input cells", f"{c['inputs']:,}", f"{c['validations']} validation ranges, {c['names']} defined names")
    row("template.build", ms(build_s), "median of 5: the in-memory Book")
    row("Book.evaluate", ms(eval_s), "median of 5: every cached value")
    row("template.render, first", ms(render_cold), "first call in the process; once per definition + unit")
    row("template.render", ms(render_s), "median of 5: build + evaluate + XlsxWriter")
    row("template.render (subbagian)", ms(unit_render_s), f"median of 5, unit {d.units[0].code}")
    row("template.stamp", ms(stamp_s), "per satker, median of 5 × 20")
    row("save_bytes", ms(save_s), "per satker, atomic write, median of 5 × 20")
    row(
        f"write_all, {len(satkers)} satker",
        f"{all_s:.1f} s",
        f"{rate_all:.0f} workbooks/s (target ≥ {TARGET_PER_SECOND}: {ok}); 1 render",
    )
    row(
        f"write_all + subbagian ({len(written_u)})",
        f"{units_s:.1f} s",
        f"{rate_units:.0f} workbooks/s, {len(satkers) / units_s:.0f} satker/s; {1 + units} renders",
    )
    row("filled workbook (write)", ms(filled_s), "median of 3: render with random_filling + stamp + save")
    row("file size, template", kib(len(stamped)), f"{mib(size_all)} for all {len(satkers)}")
    row("file size, all + subbagian", mib(size_units), f"{len(written_u)} files")
    row("file size, filled", kib(filled_size), "")
    row("peak memory, render", mib(peak_render), "tracemalloc, template")
    row("peak memory, render filled", mib(peak_filled), "tracemalloc")
    row("peak memory, stamp", mib(peak_stamp), "tracemalloc, per satker")
    row("peak RSS, whole bench", mib(rss), "resource.getrusage ru_maxrss")

    print("lkjxl template benchmark (bench/templates.py)")
    for line in machine():
        print(line)
    print()
    widths = [max(len(r[i]) for r in [("measure", "value", "note"), *rows]) for i in range(3)]
    header = ("measure", "value", "note")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join((r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2])).rstrip())
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
