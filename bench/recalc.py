"""Formula recalculation: a satker workbook and a national set, against `formulas` and LibreOffice.

Builds the satker-sized definition of bench/templates.py (≈30 indicators, 200 budget
outputs), fills it, and measures:

* naive `formulas` use, `ExcelModel().loads(f).finish().calculate()` (once: it is slow);
* `recalc.recalc_values` cold (first call in the process) and warm (median of 5), on the
  same workbook and on another filling of the same template;
* one shape evaluated over its rows by a `formulas`-compiled function with array inputs
  versus lkjxl's vectorised kernel — why recalc evaluates shapes itself;
* `recalc.recalc_many` on 14 and on 552 distinct workbooks of one template version
  (24 fillings × 23 satker identities), serially and in parallel processes;
* LibreOffice recalculating 14 workbooks in one batch (tests/libreoffice.py).

Prints one table; the figures go in the issue note. Run: `python bench/recalc.py`
(about a minute and a half on 2 cores). Timings on a shared machine vary: the CPU pressure
(Linux PSI) during the run is printed with them.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script run from a checkout, whether lkjxl is installed or not
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from templates import BASE, machine, national_satkers, satker_definition, timed  # noqa: E402

from lkjxl import definition, recalc, synthetic, template  # noqa: E402

TARGET_WARM_MS, TARGET_NAIVE_RATIO, TARGET_NATIONAL_S = 100, 30, 3.0
FILLINGS, NATIONAL = 24, 552


def median_time(runs: int, f, *args) -> float:
    return statistics.median(timed(f, *args)[0] for _ in range(runs))


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu_pressure() -> str:
    """Linux PSI 'some' average over 60 s: how often runnable tasks waited for a CPU."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return line.split()[2].split("=")[1] + " %"
    except (OSError, IndexError):
        return "?"


def naive_formulas(path: Path) -> float:
    import formulas

    start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar
        formulas.ExcelModel().loads(str(path)).finish().calculate()
    return time.perf_counter() - start


def one_shape(rows: int) -> tuple[float, float]:
    """(formulas, lkjxl) seconds for the capaian shape IF(OR(J="",I=""),"",IFERROR(J*100/I,"")) over `rows`."""
    import formulas

    from lkjxl import recalc_plan as rp
    from lkjxl import recalc_run as rr
    from lkjxl.recalc_read import NUM

    rng = np.random.default_rng(1)
    j = rng.uniform(0, 2, rows)
    i = rng.uniform(0, 2, rows)
    j[::7] = np.nan  # some blanks
    func = formulas.Parser().ast('=IF(OR(J6="",I6=""),"",IFERROR((J6*100)/I6,""))')[1].compile()
    import schedula

    ji = np.array([schedula.EMPTY if np.isnan(x) else x for x in j], object)
    ii = np.array(list(i), object)
    start = time.perf_counter()
    func(ii, ji)  # inputs in the compiled function's order: I6, J6
    t_formulas = time.perf_counter() - start
    key = rp.shape_of('IF(OR(J6="",I6=""),"",IFERROR((J6*100)/I6,""))', 5, 10)
    program = rp._compile(rp._TREES[key], leaves := [], {}, 0)
    kinds = np.where(np.isnan(j), 0, NUM).astype(np.int8)
    values = {
        "J": rr.xv.V(kinds[None], np.nan_to_num(j)[None]),
        "I": rr.xv.V(np.full((1, rows), NUM, np.int8), i[None]),
    }
    args = [values["J" if leaf.node[3].value == -1 else "I"] for leaf in leaves]
    start = time.perf_counter()
    rr._evaluate(program, args)
    return t_formulas, time.perf_counter() - start


def main() -> int:
    started = time.perf_counter()
    base = definition.load(BASE)
    d = satker_definition(base)
    satkers = national_satkers()
    rows: list[tuple[str, str, str]] = []

    def row(what: str, value: str, note: str = "") -> None:
        rows.append((what, value, note))

    with tempfile.TemporaryDirectory(prefix="lkjxl-bench-recalc-") as tmp:
        out = Path(tmp)
        renders = [template.render(d, None, synthetic.random_filling(d, random.Random(n))) for n in range(FILLINGS)]
        paths = []
        for n in range(NATIONAL):
            paths.append(template.save_bytes(template.stamp(renders[n % FILLINGS], satkers[n]), out / f"w{n:03d}.xlsx"))
        satker_file, other_file = paths[0], paths[1]
        size = satker_file.stat().st_size

        cold, result = timed(recalc.recalc_values, satker_file)
        stats = result.stats
        assert not result.problems, result.problems[:3]
        warm = median_time(5, recalc.recalc_values, satker_file)
        warm_other = median_time(5, recalc.recalc_values, other_file)
        naive = naive_formulas(satker_file)
        shape_formulas, shape_lkjxl = one_shape(1500)

        many14 = median_time(3, recalc.recalc_many, paths[:14])
        cpu = cpu_seconds()
        serial = timed(recalc.recalc_many, paths, 1)[0]
        serial_cpu = cpu_seconds() - cpu
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        cpu = cpu_seconds()
        parallel, results = timed(recalc.recalc_many, paths)
        parallel_cpu = cpu_seconds() - cpu
        assert all(not r.problems for r in results)
        pressure = cpu_pressure()

        lo_s = None
        try:
            from libreoffice import recalculate, soffice_path

            if soffice_path():
                lo_s = timed(recalculate, paths[:14], out / "lo")[0]
        except RuntimeError as exc:  # pragma: no cover - shown in the table instead
            row("LibreOffice", "failed", str(exc)[:60])

    best_national = min(serial, parallel)
    ok_warm = "ok" if warm * 1000 <= TARGET_WARM_MS else "ABOVE TARGET"
    ok_ratio = "ok" if naive / warm >= TARGET_NAIVE_RATIO else "BELOW TARGET"
    ok_national = "ok" if best_national <= TARGET_NATIONAL_S else "ABOVE TARGET"
    row(
        "satker workbook",
        f"{stats.formula_cells:,} formulas",
        f"{stats.shapes} shapes, {stats.groups} shape×level groups, {size / 1024:.0f} KiB",
    )
    row("naive formulas", f"{naive:.1f} s", "ExcelModel().loads().finish().calculate(), once")
    row("recalc_values cold", f"{cold * 1000:.0f} ms", "first call: every shape parsed, plan built")
    row(
        "recalc_values warm",
        f"{warm * 1000:.0f} ms",
        f"median of 5, same file (target ≤ {TARGET_WARM_MS} ms: {ok_warm})",
    )
    row(
        "recalc_values warm, other file",
        f"{warm_other * 1000:.0f} ms",
        "median of 5, another filling: the plan is reused",
    )
    row("naive / warm", f"{naive / warm:.0f}×", f"target ≥ {TARGET_NAIVE_RATIO}×: {ok_ratio}")
    row(
        "one shape, 1,500 rows",
        f"{shape_lkjxl * 1000:.1f} ms",
        f"lkjxl kernel; formulas' compiled function with array inputs {shape_formulas * 1000:.0f} ms",
    )
    row(
        "recalc_many, 14 files",
        f"{many14:.2f} s",
        f"{many14 / 14 * 1000:.0f} ms per workbook, median of 3, one process",
    )
    row(
        f"recalc_many, {NATIONAL} files",
        f"{serial:.2f} s",
        f"one process, {serial / NATIONAL * 1000:.1f} ms per workbook; CPU {serial_cpu:.1f} s",
    )
    row(
        f"recalc_many, {NATIONAL} files, {workers} procs",
        f"{parallel:.2f} s",
        f"target ≤ {TARGET_NATIONAL_S:.0f} s: {ok_national}; CPU {parallel_cpu:.1f} s, all processes",
    )
    row(
        "national set",
        f"{NATIONAL} files",
        f"{FILLINGS} fillings × {NATIONAL // FILLINGS} satker identities, distinct files",
    )
    if lo_s is not None:
        row("LibreOffice, 14 files", f"{lo_s:.1f} s", f"{lo_s / 14 * 1000:.0f} ms per workbook, one soffice batch")
        row("LibreOffice / recalc_many", f"{lo_s / many14:.0f}×", "14 files each")
    else:
        row("LibreOffice", "not run", "soffice not found")
    row("CPU pressure (PSI some, 60 s)", pressure, "other work on the machine while measuring")

    print("lkjxl recalculation benchmark (bench/recalc.py)")
    for line in machine():
        print(line)
    print()
    header = ("measure", "value", "note")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join((r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2])).rstrip())
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")
    return 0 if ok_warm == ok_ratio == ok_national == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
