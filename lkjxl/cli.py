"""The `lkjxl` command line.

Exit codes: 0 done, 1 problems found in the inputs' content, 2 an input is unusable
or the command was used wrongly. Users see messages, never a traceback (`--debug`
shows one). Heavy modules are imported inside the commands, so `--help` is fast.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from . import __version__


class UsageError(Exception):
    """A wrong command line or an unusable input: exit code 2."""


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `lkjxl check … | head` ends quietly, as other tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"lkjxl: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lkjxl: dibatalkan", file=sys.stderr)
        return 2
    except Exception as exc:  # the last guard: a message, never a traceback
        if args.debug:
            raise
        from .definition import DefinitionError
        from .safety import Refusal

        if isinstance(exc, Refusal):
            print(f"lkjxl: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, DefinitionError):
            print(str(exc), file=sys.stderr)
            print(f"lkjxl: {len(exc.problems)} masalah pada definisi; tidak ada berkas yang ditulis.", file=sys.stderr)
            return 2
        print(f"lkjxl: gagal: {exc.__class__.__name__}: {exc} (jalankan dengan --debug untuk detail)", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lkjxl", description="Laporan Kinerja (SAKIP) KPU dalam Excel.")
    parser.add_argument("--version", action="version", version=f"lkjxl {__version__}")
    parser.add_argument("--debug", action="store_true", help="tampilkan traceback bila gagal")
    sub = parser.add_subparsers(metavar="PERINTAH")

    p = sub.add_parser("template", help="buat templat Excel dari definisi")
    p.add_argument("definition", type=Path, metavar="DEF")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--satker", metavar="KODE", help="kode satker dari daftar satker")
    who.add_argument("--all", action="store_true", help="semua satker tingkat ini, dan setiap subbagiannya")
    p.add_argument("--subbagian", metavar="UNIT", help="kode atau nama subbagian (dengan --satker)")
    p.add_argument("-o", "--output", type=Path, required=True, help="berkas .xlsx (--satker) atau folder (--all)")
    p.add_argument("--no-units", action="store_true", help="dengan --all: tanpa templat per subbagian")
    p.set_defaults(run=_cmd_template)

    d = sub.add_parser("definition", help="periksa atau impor definisi")
    dsub = d.add_subparsers(metavar="AKSI")
    c = dsub.add_parser("check", help="periksa berkas definisi")
    c.add_argument("definition", type=Path, metavar="DEF")
    c.set_defaults(run=_cmd_definition_check)
    i = dsub.add_parser("import", help="buat definisi dari tabel PK (.xlsx/.csv)")
    i.add_argument("table", type=Path, metavar="TABLE")
    i.add_argument("-o", "--output", type=Path, required=True, metavar="DEF.yaml")
    i.add_argument("--id", default="kpu-impor", help="id templat")
    i.add_argument("--year", type=int, default=None, help="tahun (bawaan: tahun ini)")
    i.add_argument("--level", default="kabkota", choices=["ri", "provinsi", "kabkota"])
    i.set_defaults(run=_cmd_definition_import)

    k = sub.add_parser("check", help="periksa buku kerja yang sudah diisi")
    k.add_argument("files", type=Path, nargs="+", metavar="FILE", help="berkas .xlsx, atau folder berisi berkas .xlsx")
    k.add_argument("--json", type=Path, metavar="OUT", help="tulis temuan sebagai JSON")
    k.add_argument("--annotate", type=Path, metavar="DIR", help="tulis salinan bertanda temuan ke folder ini")
    k.add_argument(
        "--definitions",
        type=Path,
        nargs="*",
        metavar="DEF",
        help="hanya terima templat dari definisi ini (bawaan: definisi yang tertanam di berkas)",
    )
    k.add_argument(
        "--workers", type=int, default=None, help="jumlah proses pembaca dan pembuat salinan bertanda (bawaan: 2)"
    )
    k.set_defaults(run=_cmd_check)

    r = sub.add_parser("read", help="baca buku kerja menjadi data (JSON)")
    r.add_argument("file", type=Path, metavar="FILE")
    r.add_argument("--json", type=Path, required=True, metavar="OUT")
    r.set_defaults(run=_cmd_read)

    rc = sub.add_parser("recalc", help="hitung ulang semua rumus buku kerja .xlsx apa pun")
    rc.add_argument("file", type=Path, metavar="FILE")
    rc.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.xlsx")
    rc.set_defaults(run=_cmd_recalc)

    f = sub.add_parser("findings", help="daftar kode temuan")
    f.add_argument("--markdown", action="store_true", help="dalam Markdown (docs/findings.md)")
    f.set_defaults(run=_cmd_findings)

    g = sub.add_parser("merge", help="gabungkan berkas subbagian menjadi satu buku kerja satker")
    g.add_argument("files", type=Path, nargs="+", metavar="FILE")
    g.add_argument("-o", "--output", type=Path, required=True, metavar="SATKER.xlsx")
    g.set_defaults(run=_cmd_merge)

    c = sub.add_parser("consolidate", help="konsolidasi capaian dan anggaran banyak satker")
    c.add_argument("inputs", type=Path, nargs="+", metavar="FILE_OR_DIR")
    c.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.xlsx")
    c.add_argument("--expected", type=Path, metavar="SATKER_LIST", help="CSV daftar satker yang wajib mengirim")
    c.add_argument("--prefer", choices=["newest"], help="bila satu satker mengirim dua kali: pakai yang terbaru")
    c.add_argument(
        "--previous",
        type=Path,
        metavar="LAST_YEAR.xlsx",
        help="konsolidasi tahun lalu: tambah lembar Perbandingan (perubahan dalam poin)",
    )
    c.add_argument("--title", default="Konsolidasi Capaian Kinerja dan Anggaran")
    c.add_argument("--workers", type=int, default=None, help="jumlah proses pembaca (bawaan: 2)")
    c.set_defaults(run=_cmd_consolidate)

    sg = sub.add_parser("sample", help="data sampel sintetis")
    sgs = sg.add_subparsers(metavar="AKSI")
    gen = sgs.add_parser("generate", help="buku kerja terisi untuk provinsi sintetis (dengan salah ketik operator)")
    gen.add_argument("--definition", type=Path, default=Path("workbook_templates/kabkota-2024.yaml"), metavar="DEF")
    gen.add_argument("--provinces", type=int, default=1)
    gen.add_argument("--cities", type=int, default=10)
    gen.add_argument("--seed", type=int, default=2024)
    gen.add_argument("--noise", type=float, default=0.05, help="bagian nilai yang diketik sebagai teks (0–1)")
    gen.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    gen.set_defaults(run=_cmd_sample_generate)

    m = sub.add_parser("demo", help="jalankan pekerjaan utama pada sampel bawaan")
    m.add_argument("--out", type=Path, default=Path("out"))
    m.set_defaults(run=_cmd_demo)
    return parser


def _load_definition(path: Path):
    from .definition import load

    if not path.exists():
        raise UsageError(f"berkas definisi '{path}' tidak ditemukan")
    return load(path)


def _cmd_definition_check(args) -> int:
    d = _load_definition(args.definition)
    print(
        f"{args.definition}: sah — {len(d.sasaran)} sasaran, {len(d.indikator)} indikator, "
        f"{sum(1 for b in d.budget if b.is_leaf)} baris anggaran, {len(d.satker)} satker"
    )
    return 0


def _cmd_template(args) -> int:
    from . import template

    d = _load_definition(args.definition)
    if args.satker:
        satker = d.find_satker(args.satker)
        if satker is None:
            raise UsageError(f"satker '{args.satker}' tidak ada di daftar satker definisi")
        unit = _find_unit(d, args.subbagian) if args.subbagian else None
        path = template.write(d, satker, args.output, unit)
        print(f"ditulis: {path}")
        return 0
    if args.subbagian:
        raise UsageError("--subbagian hanya dipakai bersama --satker")
    written = template.write_all(d, args.output, units=not args.no_units, progress=_progress)
    print(f"\n{len(written)} berkas ditulis di {args.output}")
    return 0


def _find_unit(d, name: str):
    from .normalize import fold_unit_name

    unit = d.unit(name) or d.unit(fold_unit_name(name) or "")
    if unit is None:
        raise UsageError(f"subbagian '{name}' tidak dikenal; pilih: {', '.join(u.code for u in d.units)}")
    return unit


def _progress(done: int, total: int, label: str) -> None:
    """A one-line progress bar on stderr, redrawn in place (only on a terminal)."""
    if not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    sys.stderr.flush()


def _cmd_definition_import(args) -> int:
    from .pktable import ImportError_, import_table

    if not args.table.exists():
        raise UsageError(f"tabel '{args.table}' tidak ditemukan")
    try:
        text, warnings = import_table(args.table, template_id=args.id, year=args.year, level=args.level)
    except ImportError_ as exc:
        raise UsageError(f"{args.table}: {exc}") from None
    if not (args.output.parent / "satker.csv").exists():
        warnings.append(
            f"letakkan daftar satker 'satker.csv' di {args.output.parent or '.'} (lihat workbook_templates/)"
        )
    for w in warnings:
        print(f"peringatan: {w}", file=sys.stderr)
    from .template import save_bytes

    save_bytes(text.encode("utf-8"), args.output)
    print(
        f"ditulis: {args.output} — periksa 'polarity' dan 'owner' setiap indikator, lalu jalankan "
        f"'lkjxl definition check {args.output}'"
    )
    return 0


def _registry(paths):
    from .reader import Registry

    return Registry([_load_definition(p) for p in paths]) if paths else None


UNUSABLE = {"UNUSABLE_FILE", "NOT_LKJXL", "DEFINITION_CHANGED", "TEMPLATE_VERSION", "CONSOLIDATED_WORKBOOK"}


def _cmd_check(args) -> int:
    from . import findings
    from .annotate import annotate_many
    from .consolidate import expand
    from .reader import findings_many

    registry = _registry(args.definitions)
    everything, unusable = [], False
    files = expand(args.files)  # a folder: every .xlsx in it, as consolidate takes them
    for path in files:
        if not path.is_file():
            raise UsageError(f"berkas '{path}' tidak ditemukan")
    if not files:
        raise UsageError("tidak ada berkas .xlsx di folder yang diberikan")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers paling sedikit 1")
    read = findings_many(
        files, registry, workers=args.workers, progress=lambda n, path: _progress(n, len(files), path.name)
    )
    jobs = []
    for path, found in zip(files, read, strict=True):
        everything.extend(found)
        unusable |= any(f.code in UNUSABLE for f in found)
        if args.annotate and found and not any(f.code == "UNUSABLE_FILE" for f in found):
            jobs.append((path, found, args.annotate / f"{path.stem}-temuan.xlsx"))
    for (path, *_), failed in zip(jobs, annotate_many(jobs, args.workers), strict=True):
        if failed:  # a copy we cannot annotate never stops the check
            print(
                f"peringatan: salinan bertanda {path.name} tidak dapat dibuat ({failed}); temuan tetap tercantum di bawah",
                file=sys.stderr,
            )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(findings.table(everything) if everything else "Tidak ada temuan.")
    counts = {s: sum(f.severity == s for f in everything) for s in ("error", "warning", "info")}
    print(f"\n{len(files)} berkas: {counts['error']} galat, {counts['warning']} peringatan, {counts['info']} info")
    if args.json:
        from .template import save_bytes

        save_bytes(findings.to_json(everything).encode("utf-8"), args.json)
    if unusable:
        return 2
    return 1 if findings.has_errors(everything) else 0


def _cmd_read(args) -> int:
    from .export import workbook_json
    from .reader import read
    from .template import save_bytes

    if not args.file.is_file():
        raise UsageError(f"berkas '{args.file}' tidak ditemukan")
    data = read(args.file)
    save_bytes(workbook_json(data).encode("utf-8"), args.json)
    print(f"ditulis: {args.json} ({len(data.findings)} temuan)")
    if any(f.code in UNUSABLE for f in data.findings):
        return 2
    return 1 if any(f.severity == "error" for f in data.findings) else 0


def _cmd_recalc(args) -> int:
    from .recalc import run_cli

    if not args.file.is_file():
        raise UsageError(f"berkas '{args.file}' tidak ditemukan")
    if args.output.resolve() == args.file.resolve():
        raise UsageError("berkas keluaran harus berbeda dari masukan (masukan tidak pernah diubah)")
    code, lines = run_cli(args.file, args.output)
    for line in lines:
        print(line)
    return code


def _cmd_findings(args) -> int:
    from .findings import CATALOGUE, catalogue_markdown

    if args.markdown:
        print(catalogue_markdown(), end="")
    else:
        for t in CATALOGUE.values():
            print(f"{t.code:<22} {t.severity:<8} {t.title}")
    return 0


def _cmd_merge(args) -> int:
    from . import findings, merge, template
    from .reader import read

    for path in args.files:
        if not path.is_file():
            raise UsageError(f"berkas '{path}' tidak ditemukan")
    datas = [read(p) for p in args.files]
    problems = [f for d in datas for f in d.findings]
    usable = [d for d in datas if d.usable and d.unit is not None]
    if not usable:
        print(findings.table(problems))
        raise UsageError("tidak ada berkas subbagian yang dapat digabung")
    key = lambda d: (d.satker_code, d.definition.template.id, d.definition.template.version)  # noqa: E731
    groups = {key(d) for d in usable}
    if len(groups) > 1:
        raise UsageError("berkas berasal dari satker atau templat yang berbeda: " + "; ".join(map(str, sorted(groups))))
    merged = merge.merge(usable)
    template.write(merged.definition, merged.satker, args.output, None, merged.filling)
    everything = problems + merged.findings
    print(findings.table(everything) if everything else "Tidak ada temuan.")
    print(f"ditulis: {args.output} (unit: {', '.join(merged.units)})")
    return 1 if findings.has_errors(everything) else 0


def _cmd_consolidate(args) -> int:
    from . import consolidate, frames, report_previous, report_xlsx

    for path in args.inputs:
        if not path.exists():
            raise UsageError(f"'{path}' tidak ditemukan")
    if args.expected and not args.expected.is_file():
        raise UsageError(f"daftar satker '{args.expected}' tidak ditemukan")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers paling sedikit 1")
    if args.expected:
        try:
            consolidate.load_expected(args.expected)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(str(exc)) from None
    previous = None
    if args.previous:
        try:  # before the inputs are read: a wrong file should not cost the whole reading
            previous = report_previous.load(args.previous)
        except report_previous.PreviousError as exc:
            raise UsageError(str(exc)) from None
    # An earlier output, or last year's workbook, in an input folder must not be read back as an input.
    skip = {args.output.resolve(), *([args.previous.resolve()] if previous else [])}
    files = [f for f in consolidate.expand(args.inputs) if f.resolve() not in skip]
    if not files:
        raise UsageError("tidak ada berkas .xlsx pada masukan")
    collection = consolidate.collect(
        files, expected=args.expected, prefer=args.prefer, workers=args.workers, progress=_progress
    )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if previous and (problem := report_previous.year_problem(previous, frames.year_of(collection.frames))):
        raise UsageError(problem)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    report_xlsx.write(collection, args.output, args.title, previous=previous)  # atomic: temporary file, renamed
    _summary(collection)
    if previous:
        print(f"pembanding: {previous.name} (tahun {previous.year}), lembar {report_previous.SHEET}")
    print(f"ditulis: {args.output}")
    open_problems = [  # doubles settled by --prefer newest are not a problem left open
        s
        for s in collection.sources
        if s.status == "ditolak" or (s.status == "ganda" and s.reason != consolidate.SUPERSEDED)
    ]
    return 1 if open_problems or not collection.ok else 0


def _summary(collection) -> None:
    """The end-of-run table: per satker, then the reconciliation."""
    accepted = [s for s in collection.sources if s.status == "diterima"]
    print(f"{'satker':<8} {'jenis':<12} {'status':<9} berkas")
    for s in sorted(collection.sources, key=lambda s: (s.satker, s.file)):
        print(
            f"{s.satker or '?':<8} {s.kind or '-':<12} {s.status:<9} {s.file.rsplit('/', 1)[-1]}"
            + (f" — {s.reason}" if s.reason else "")
        )
    print(f"\n{len(accepted)} diterima dari {len(collection.sources)} berkas")
    for line in collection.reconciliation:
        print("rekonsiliasi: " + line)


def _cmd_sample_generate(args) -> int:
    from .synthetic import generate

    if not 0 <= args.noise <= 1 or args.provinces < 1 or args.cities < 0:
        raise UsageError("--noise 0–1, --provinces ≥ 1, --cities ≥ 0")
    d = _load_definition(args.definition)
    written = generate(
        d,
        args.output,
        provinces=args.provinces,
        cities=args.cities,
        seed=args.seed,
        noise=args.noise,
        progress=_progress,
    )
    print(f"\n{len(written)} berkas ditulis di {args.output}")
    return 0


def _cmd_demo(args) -> int:
    from .demo import run

    return run(args.out)


if __name__ == "__main__":
    sys.exit(main())
