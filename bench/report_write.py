"""Writing the national consolidated workbook: seconds per sheet, total, peak memory.

    python bench/report_write.py [--satker 552] [--profile]

The national Collection is built in memory from synthetic fillings (the frames a
consolidation of 552 satker-sized workbooks holds), so the write is measured without
reading 552 files. `--profile` prints the top cProfile entries of the write.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from templates import machine, national_satkers, satker_definition  # noqa: E402

from lkjxl import consolidate, definition, frames, report_xlsx, sheetxml, synthetic  # noqa: E402


def national_collection(count: int) -> consolidate.Collection:
    """What `consolidate.collect` returns for `count` satker-sized workbooks, one per satker."""
    d = satker_definition(definition.load(ROOT / "workbook_templates" / "kabkota-2024.yaml"))
    out = consolidate.Collection(frames.empty(), [])
    for n, satker in enumerate(national_satkers()[:count]):
        fill = synthetic.random_filling(d, random.Random(n))
        name = f"masuk/{satker.parent}/{satker.code}.xlsx"
        part = frames.satker_frames(d, satker, fill, name)
        rows = len(part.indikator) + len(part.anggaran) + len(part.revisi)
        out.sources.append(
            consolidate.Source(
                name,
                sha256=f"{n:064x}",
                kind="satker",
                satker=satker.code,
                template=f"{d.template.id} v{d.template.version} ({d.year})",
                status="diterima",
                rows_read=rows,
                satkers=[satker.code],
            )
        )
        out.frames.extend(part)
    out.reconciliation = consolidate.reconcile(out)
    return out


class SheetClock:
    """Wall and CPU seconds spent in each sheet method of report_xlsx.Report and in saving the package.

    CPU seconds count every thread of the process (the zip is compressed in a second thread).
    """

    STEPS = ("ringkasan", "capaian", "anggaran", "revisi", "kelengkapan", "temuan", "sumber", "data_sheet")

    def __init__(self):
        self.seconds: dict[str, list[float]] = {}

    def add(self, label: str, wall: float, cpu: float) -> None:
        spent = self.seconds.setdefault(label, [0.0, 0.0])
        spent[0] += wall
        spent[1] += cpu

    def wrap(self, name: str, f):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                label = args[0] if name == "data_sheet" else name
                self.add(label, time.perf_counter() - wall, time.process_time() - cpu)

        return timed

    def install(self, report) -> None:
        for step in self.STEPS:
            setattr(report, step, self.wrap(step, getattr(report, step)))
        report.wb.close = self.wrap("XlsxWriter close", report.wb.close)
        sheetxml.save = self.wrap("splice rows + zip", sheetxml.save)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--satker", type=int, default=552)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print("lkjxl consolidated-workbook write benchmark (bench/report_write.py)")
    for line in machine():
        print("  " + line)
    started = time.perf_counter()
    collection = national_collection(args.satker)
    f = collection.frames
    print(
        f"  collection: {args.satker} satker, {len(f.indikator):,} indicator rows, {len(f.anggaran):,} budget rows, "
        f"{len(f.revisi):,} revisions (built in {time.perf_counter() - started:.1f} s)"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory(prefix="lkjxl-bench-") as tmp:
        path = Path(tmp) / "nasional.xlsx"
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        clock = SheetClock()
        report = report_xlsx.Report(collection, path, "Konsolidasi Nasional")
        clock.add("setup (sort rows)", time.perf_counter() - wall, time.process_time() - cpu)
        clock.install(report)
        report.write()
        total = time.perf_counter() - wall, time.process_time() - cpu
        if profile:
            profile.disable()
        size = path.stat().st_size
    print(f"  {'step':<28} {'wall':>7}   {'cpu':>7}")
    for label, (w, c) in [*clock.seconds.items(), ("write, total", total)]:
        print(f"  {label:<28} {w:7.2f} s {c:7.2f} s")
    print(f"  file {size / 2**20:.1f} MiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {before:.0f} MB with the collection built, {peak:.0f} MB after the write")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
