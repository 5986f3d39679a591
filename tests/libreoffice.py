"""LibreOffice headless as an independent "real spreadsheet client" test oracle.

Why this exists
---------------
``lkjxl`` writes workbooks whose formulas carry cached values computed by our
own code.  A test that reads those cached values back with openpyxl only proves
that we agree with ourselves.  To check the formulas against an independent
implementation, we let LibreOffice Calc open each workbook, *recalculate every
formula*, and save it again; the recalculated cached values are then compared
with ours.

This module is a **test oracle only**.  It is never imported by the package and
LibreOffice is never a runtime dependency of ``lkjxl``.

Things measured while building it (LibreOffice 7.4, Debian 12):

* ``soffice --headless --convert-to xlsx`` keeps the stale cached values by
  default - even when the file carries ``<calcPr fullCalcOnLoad="1"/>`` (as
  xlsxwriter and openpyxl write).  Recalculation on load must be forced via the
  profile setting ``/org.openoffice.Office.Calc/Formula/Load`` ->
  ``OOXMLRecalcMode`` / ``ODFRecalcMode`` = 0 ("always recalculate"; 1 =
  never, 2 = ask).  We therefore always run soffice with its own, freshly
  created profile (``-env:UserInstallation=...``), which also lets several
  soffice processes run in parallel without fighting over one profile lock.
* The cold start dominates (~1-2 s per soffice call), so all files are
  converted in as few soffice invocations as possible.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import openpyxl

__all__ = ["soffice_path", "recalculate", "cell_values", "RECALC_XCU"]

#: Profile settings that make Calc recalculate every formula when it loads a
#: file (0 = always, 1 = never, 2 = prompt).  Schema: LibreOffice
#: ``share/registry/main.xcd`` -> ``org.openoffice.Office.Calc`` /
#: ``Formula`` / ``Load``.
RECALC_XCU = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_FALLBACK_PATHS = (
    "/usr/bin/soffice",
    "/usr/bin/libreoffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
)

#: Files per soffice call.  One call is much cheaper than many (cold start),
#: but the argument list must stay well below the OS limit.
DEFAULT_BATCH_SIZE = 200


def soffice_path() -> str | None:
    """Return the path of the LibreOffice executable, or ``None``.

    Looks on ``PATH`` first (``soffice``, then ``libreoffice``), then at the
    usual Debian/Ubuntu install locations, so that tests can decide whether to
    skip (local machine) or fail (CI) when the oracle is unavailable.
    """
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _FALLBACK_PATHS:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _write_profile(profile_dir: Path) -> None:
    """Create a minimal LibreOffice user profile that forces recalc on load."""
    user = profile_dir / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")


def _output_names(paths: list[Path], outdir: Path) -> list[Path]:
    """Pick one output path per input: ``<stem>.xlsx`` in *outdir*.

    Two inputs with the same basename (from different folders) get ``-2``,
    ``-3``, ... suffixes, and an output never equals an input path - so the
    inputs are never overwritten even when *outdir* is their own folder.
    """
    taken = {p.resolve() for p in paths}
    result: list[Path] = []
    for p in paths:
        stem = p.stem
        candidate = outdir / f"{stem}.xlsx"
        n = 2
        while candidate.resolve() in taken:
            candidate = outdir / f"{stem}-{n}.xlsx"
            n += 1
        taken.add(candidate.resolve())
        result.append(candidate)
    return result


def _run_soffice(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run soffice in its own process group; kill the whole group on timeout.

    ``soffice`` is a launcher that spawns ``soffice.bin``; killing only the
    launcher would leave the real office process running.
    """
    env = dict(os.environ)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")  # no X11/display needed
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise RuntimeError(
            f"soffice timed out after {timeout:.0f}s: {' '.join(cmd)}\n"
            f"stdout:\n{out.decode(errors='replace')}\n"
            f"stderr:\n{err.decode(errors='replace')}"
        ) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def recalculate(
    paths: list[Path],
    outdir: Path,
    timeout: float = 300,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[Path, Path]:
    """Let LibreOffice recalculate every formula of *paths*; return input->output.

    Each input is copied to a uniquely numbered file in a private temporary
    directory first, because

    * soffice names its output after the input's basename, so two inputs
      called ``report.xlsx`` from different folders would overwrite each other;
    * soffice drops ``.~lock.<name>#`` files next to what it opens - the
      inputs (and their folders) must stay untouched.

    All copies are converted by a single soffice call per *batch_size* files
    (cold start dominates the cost) with a fresh profile that forces
    recalculation on load (see :data:`RECALC_XCU`).  The recalculated
    workbooks land in *outdir* as ``<stem>.xlsx`` (``<stem>-2.xlsx`` ... on
    name clashes); existing files of those names in *outdir* are replaced.

    *timeout* applies to each soffice call.  Raises ``RuntimeError`` (with
    soffice's stdout/stderr) if soffice is missing, fails, times out, or does
    not produce an output for some input - soffice often exits 0 even when a
    file could not be loaded, so outputs are checked one by one.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        return {}
    exe = soffice_path()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) not found on PATH")
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(p)

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    finals = _output_names(paths, outdir)
    mapping: dict[Path, Path] = {}

    with tempfile.TemporaryDirectory(prefix="lkjxl-soffice-") as tmp:
        tmpdir = Path(tmp)
        profile = tmpdir / "profile"
        _write_profile(profile)
        profile_url = profile.resolve().as_uri()

        for start in range(0, len(paths), batch_size):
            batch = list(range(start, min(start + batch_size, len(paths))))
            indir = tmpdir / f"in{start:06d}"
            convdir = tmpdir / f"out{start:06d}"
            indir.mkdir()
            convdir.mkdir()
            copies = []
            for i in batch:
                copy = indir / f"f{i:06d}{paths[i].suffix.lower() or '.xlsx'}"
                shutil.copyfile(paths[i], copy)
                copies.append(copy)

            cmd = [
                exe,
                f"-env:UserInstallation={profile_url}",
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(convdir),
                *map(str, copies),
            ]
            res = _run_soffice(cmd, timeout)
            missing = [
                paths[i] for i, c in zip(batch, copies, strict=True) if not (convdir / f"{c.stem}.xlsx").is_file()
            ]
            if res.returncode != 0 or missing:
                raise RuntimeError(
                    f"soffice conversion failed (exit {res.returncode}); "
                    f"no output for: {[str(m) for m in missing]}\n"
                    f"command: {' '.join(cmd)}\n"
                    f"stdout:\n{res.stdout.decode(errors='replace')}\n"
                    f"stderr:\n{res.stderr.decode(errors='replace')}"
                )
            for i, c in zip(batch, copies, strict=True):
                shutil.move(str(convdir / f"{c.stem}.xlsx"), finals[i])
                mapping[paths[i]] = finals[i]
    return mapping


def cell_values(path: Path) -> dict[tuple[str, str], object]:
    """Cached values of all formula cells, keyed by ``(sheet title, coordinate)``.

    openpyxl cannot give formula and cached value in one pass, so the workbook
    is loaded twice: ``data_only=False`` tells which cells hold formulas,
    ``data_only=True`` gives their cached values.

    Value conventions (as openpyxl reads them): numbers -> ``int``/``float``,
    booleans -> ``bool``, errors -> strings such as ``"#DIV/0!"``, a formula
    without any cached value -> ``None``.  A formula that evaluates to the
    empty string is written as ``t="str"`` with an empty ``<v>`` (LibreOffice
    and Excel alike); openpyxl turns that into ``None``, so it is mapped back
    to ``""`` here to keep it distinct from "no cached value".
    """
    path = Path(path)
    wb_f = openpyxl.load_workbook(path, data_only=False)
    wb_v = openpyxl.load_workbook(path, data_only=True)
    try:
        result: dict[tuple[str, str], object] = {}
        for ws in wb_f.worksheets:
            ws_v = wb_v[ws.title]
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type != "f":
                        continue
                    vcell = ws_v[cell.coordinate]
                    value = vcell.value
                    if value is None and vcell.data_type in ("s", "str"):
                        value = ""
                    result[(ws.title, cell.coordinate)] = value
        return result
    finally:
        wb_f.close()
        wb_v.close()


def require_soffice() -> None:
    """Skip locally, but fail on CI, when LibreOffice is not installed."""
    import os

    import pytest

    if soffice_path() is not None:
        return
    msg = "LibreOffice (soffice) not found; the recalculation oracle cannot run"
    if os.environ.get("CI"):
        pytest.fail(msg + " (CI is set, so this is an error, not a skip)")
    pytest.skip(msg)
