"""Recalculate every formula of a workbook — or of a whole national set — and check its cache.

Cached values in a returned workbook cannot be trusted: files saved by scripts have
none, files in manual-calculation mode are stale, operators type numbers over
formulas. lkjxl recomputes every formula cell from the values read and reports:

* CACHE_STALE         a cached value differs from the recomputed one (relative 1e-9);
* FORMULA_OVERWRITTEN a number typed inside a column of identical formulas, or (in a
                      set) a formula that differs from, or replaces, the one most
                      workbooks of the set have in that cell — the template's;
* RECALC_TEMPLATE     (sets) a formula where the template has none;
* RECALC_UNUSUAL      a formula unlike its column's (a hint, not a problem);
* RECALC_UNSUPPORTED  a function neither lkjxl nor `formulas` evaluates, an array
                      formula; RECALC_CIRCULAR a cycle. Such cells keep their cache.

How it is fast (bench/recalc.py): formulas are grouped by position-independent
shape, each shape is parsed once per process and evaluated once over all its
cells — and over every workbook of a set with the same formula layout — with
numpy (`recalc_plan`). Any .xlsx works, not only lkjxl templates.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections import Counter
from pathlib import Path

from . import recalc_plan as rp
from . import recalc_run as rr
from .findings import table
from .recalc_cells import parse_cells, parse_sheets
from .recalc_check import evaluate, layout
from .recalc_read import Book, UnreadableWorkbook, formulas_of, has_formulas, open_book, read_part
from .recalc_result import Finding, Result, Stats, finding

__all__ = ["Finding", "Result", "UnreadableWorkbook", "recalc_file", "recalc_many", "recalc_values", "run_cli"]

# -- public API -----------------------------------------------------------------------------


def recalc_values(path: Path) -> Result:
    """Recalculate one workbook (any .xlsx). Raises UnreadableWorkbook for a file that is not one."""
    result = recalc_many([path], workers=1)[0]
    unreadable = [f for f in result.findings if f.code == "UNUSABLE_FILE"]
    if unreadable:
        raise UnreadableWorkbook(unreadable[0].message)
    return result


def recalc_many(paths: list[Path], workers: int | None = None) -> list[Result]:
    """Recalculate a set; workbooks with the same formula layout are evaluated together, shape by shape.

    With `workers` > 1 (default: the usable cores, for sets of 64 files or more) the set is
    split into that many contiguous parts recalculated in parallel processes; the template
    a workbook is compared with is then the majority layout of its part.
    """
    paths = [Path(p) for p in paths]
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        workers = workers if len(paths) >= 64 else 1
    if workers <= 1 or len(paths) < 2:
        return _recalc_serial(paths)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    if method == "fork":  # build the first workbook's plan here: forked workers inherit it
        with contextlib.suppress(UnreadableWorkbook):
            _plan_for(*_load(paths[0]))
    size = math.ceil(len(paths) / workers)
    parts = [paths[i : i + size] for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(len(parts), mp_context=multiprocessing.get_context(method)) as pool:
        return [r for part in pool.map(_recalc_serial, parts) for r in part]


_PLANS: dict[bytes, rp.Plan] = {}


def _recalc_serial(paths: list[Path]) -> list[Result]:
    results: dict[int, Result] = {}
    stacks: dict[bytes, list[tuple[int, Path, tuple, float]]] = {}  # per layout: its workbooks
    for n, path in enumerate(paths):
        started = time.perf_counter()
        try:
            book, signature = _load(path)
            signature, plan = _plan_for(book, signature)
            values = _gather(plan, book)
        except UnreadableWorkbook as exc:
            unusable = finding("UNUSABLE_FILE", path, reason=f"tidak terbaca: {exc}", hint="kirim ulang berkas .xlsx")
            results[n] = Result(path, [unusable], Stats())
            continue
        stacks.setdefault(signature, []).append((n, path, values, time.perf_counter() - started))
    template = _majority(stacks)
    for signature, members in stacks.items():
        plan = _PLANS[signature]
        started = time.perf_counter()
        for n, result in evaluate(plan, members, template if signature != template[0] else None):
            results[n] = result
        share = (time.perf_counter() - started) / len(members)
        for n, *_, read_time in members:
            results[n].stats.seconds = read_time + share
    return [results[n] for n in range(len(paths))]


def _load(path: Path) -> tuple[Book, bytes]:
    """Read a workbook and parse its sheets with formulas; the signature identifies its formula layout."""
    if not path.is_file():
        raise UnreadableWorkbook(f"{path} tidak ada")
    z, book, shared = open_book(path)
    with z:
        for sheet in book.sheets:
            read_part(z, sheet)
    signature = [book.signature]
    with_formulas = [i for i, sheet in enumerate(book.sheets) if has_formulas(sheet.data or b"")]
    parse_sheets([book.sheets[i] for i in with_formulas], shared)
    for i in with_formulas:
        signature.append(i.to_bytes(4, "little") + book.sheets[i].signature)
    return book, b"\0\1".join(signature)


def _plan_for(book: Book, signature: bytes) -> tuple[bytes, rp.Plan]:
    """The cached plan of this formula layout — built now if new, or if the extent of a sheet
    its whole-column ranges read differs from the one it was built for."""
    plan = _PLANS.get(signature)
    if plan is not None and plan.bounds:
        now = {si: _bounds(book, si) for si in plan.bounds}
        if now != plan.bounds:
            signature += repr(sorted(now.items())).encode()
            plan = _PLANS.get(signature)
    if plan is None:
        for sheet in book.sheets:
            if len(sheet.formula_cells):
                formulas_of(sheet)
        plan = rp.build(book, lambda si: parse_cells(book.sheets[si], book.shared))
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[signature] = plan
    return signature, plan


def _bounds(book: Book, si: int) -> tuple[int, int]:
    parse_cells(book.sheets[si], book.shared)
    return rp.sheet_bounds(book, si)


def _gather(plan: rp.Plan, book: Book):
    """The workbook's values at the plan's slots; its XML is dropped afterwards."""
    for si, *_ in plan.sheet_slots():
        parse_cells(book.sheets[si], book.shared)
    values = rr.gather(plan, book)
    for sheet in book.sheets:
        sheet.data = None
    return values


def _majority(stacks: dict) -> tuple[bytes | None, dict | None]:
    """The layout most workbooks of a set share — the template's — when there is one."""
    if len(stacks) < 2:
        return (None, None)
    signature, members = max(stacks.items(), key=lambda item: len(item[1]))
    total = sum(len(m) for m in stacks.values())
    if len(members) < 3 or len(members) * 2 <= total:
        return (None, None)
    plan = _PLANS[signature]
    return (signature, layout(plan))


def recalc_file(src: Path, dst: Path) -> Result:
    """Recalculate `src` and write a copy to `dst` whose formula cells cache the recomputed values.

    Formulas are kept; cells that could not be recalculated keep their cached value. The
    input is never modified (`dst` may not be `src`); `dst` is replaced atomically.
    """
    from .recalc_write import write_cached

    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise ValueError("berkas keluaran harus berbeda dari berkas masukan")
    result = recalc_values(src)
    write_cached(src, dst, result.cached())
    return result


_REPORT_LIMIT = 40


def run_cli(src: Path, dst: Path) -> tuple[int, list[str]]:
    """`lkjxl recalc SRC -o DST`: (exit code, Indonesian report lines). 0 ok, 1 findings, 2 unusable input."""
    from .safety import Refusal, inspect

    src, dst = Path(src), Path(dst)
    try:
        inspect(src)  # hostile archives are refused before anything is inflated
        result = recalc_file(src, dst)
    except Refusal as exc:
        return 2, [f"lkjxl: {src.name}: {exc.message} [{exc.code}]"]
    except (UnreadableWorkbook, ValueError) as exc:
        return 2, [f"lkjxl: {src.name}: {exc}"]
    s = result.stats
    lines = [
        f"{src.name}: {s.formula_cells} sel rumus dihitung ulang ({s.shapes} bentuk rumus, "
        f"{s.seconds * 1000:.0f} ms); ditulis ke {dst}"
    ]
    if result.findings:
        order = {"error": 0, "warning": 1, "info": 2}
        shown = sorted(result.findings, key=lambda f: order[f.severity])[:_REPORT_LIMIT]
        lines += table(shown).splitlines()
        if len(result.findings) > len(shown):
            lines.append(f"… dan {len(result.findings) - len(shown)} temuan lain")
    problems = result.problems
    if problems:
        counts = ", ".join(f"{n} {code}" for code, n in sorted(Counter(f.code for f in problems).items()))
        lines.append(f"{len(problems)} masalah ditemukan ({counts}); berkas tetap ditulis.")
    else:
        lines.append("Semua nilai tersimpan sesuai hasil hitung ulang.")
    return (1 if problems else 0), lines
