"""`lkjxl check` and `lkjxl read` as an operator runs them: exit codes 0/1/2, the findings
table, JSON and annotated copies, inputs untouched, and the same findings for a file
checked alone or among others (a batch is recomputed together)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from workbooks import edit, filled

from lkjxl import cli, reader


def run(*args) -> int:
    return cli.main([str(a) for a in args])


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cek")
    clean = filled(folder / "bersih.xlsx", seed=5)
    broken = edit(filled(folder / "rusak.xlsx", seed=6), '| Anggaran | O8 | "Rp. 12.5" |\n| Realisasi | K7 | 250 |')
    junk = folder / "bukan.xlsx"
    junk.write_bytes(b"bukan zip")
    return {"clean": clean, "broken": broken, "junk": junk}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_clean_workbook_exits_0(books, capsys):
    assert run("check", books["clean"]) == 0
    assert "0 galat" in capsys.readouterr().out


def test_errors_exit_1_and_are_written_as_json_and_an_annotated_copy(books, tmp_path, capsys):
    before = _digest(books["broken"])
    out = tmp_path / "temuan.json"
    assert run("check", books["broken"], "--json", out, "--annotate", tmp_path / "tanda") == 1
    found = json.loads(out.read_text(encoding="utf-8"))
    rows = found if isinstance(found, list) else found["findings"]
    assert any(r["code"] == "NOT_INTEGER" and r["cell"] == "O8" for r in rows)
    assert "NOT_INTEGER" in capsys.readouterr().out
    copy = tmp_path / "tanda" / "rusak-temuan.xlsx"
    assert "Temuan" in openpyxl.load_workbook(copy).sheetnames
    assert _digest(books["broken"]) == before  # the operator's file is never modified


def test_an_unusable_file_exits_2_and_the_others_are_still_checked(books, capsys):
    assert run("check", books["clean"], books["junk"], books["broken"]) == 2
    out = capsys.readouterr().out
    assert "UNUSABLE_FILE" in out and "NOT_INTEGER" in out


def test_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert run("check", tmp_path / "hilang.xlsx") == 2
    assert "tidak ditemukan" in capsys.readouterr().err


def test_a_folder_is_checked_as_its_xlsx_files(books, tmp_path, capsys):
    """A planner points check at the folder the city files were saved to, as consolidate takes it."""
    folder = books["clean"].parent
    (folder / "~$bersih.xlsx").write_bytes(b"kunci Excel")  # Excel's lock file is not a workbook
    try:
        by_folder = run("check", folder, "--json", tmp_path / "folder.json")
        by_files = run("check", *sorted(folder.glob("[!~]*.xlsx")), "--json", tmp_path / "files.json")
    finally:
        (folder / "~$bersih.xlsx").unlink()
    assert by_folder == by_files == 2
    assert (tmp_path / "folder.json").read_bytes() == (tmp_path / "files.json").read_bytes()
    assert "3 berkas" in capsys.readouterr().out
    (tmp_path / "kosong").mkdir()
    assert run("check", tmp_path / "kosong") == 2
    assert "tidak ada berkas .xlsx" in capsys.readouterr().err


def test_a_set_checked_in_worker_processes_prints_what_one_process_prints(books, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reader, "BATCH", 1)  # three files, three batches: the workers' path
    files = [books["clean"], books["junk"], books["broken"]]
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"temuan-{workers}.json"
        assert run("check", *files, "--workers", workers, "--json", out) == 2
        outputs.append((capsys.readouterr().out, out.read_bytes()))
    assert outputs[0] == outputs[1] and "NOT_INTEGER" in outputs[0][0]
    assert run("check", books["clean"], "--workers", 0) == 2
    assert "--workers" in capsys.readouterr().err


def test_annotated_copies_made_in_worker_processes_are_those_one_process_makes(books, tmp_path, capsys):
    other = edit(filled(tmp_path / "rusak-2.xlsx", seed=7), '| Realisasi | J7 | "delapan" |')
    files = [books["broken"], books["clean"], other]
    copies = {}
    for workers in (1, 2):
        assert run("check", *files, "--workers", workers, "--annotate", tmp_path / f"tanda-{workers}") == 1
        copies[workers] = {
            path.name: [row for row in openpyxl.load_workbook(path)["Temuan"].iter_rows(values_only=True)]
            for path in sorted((tmp_path / f"tanda-{workers}").iterdir())
        }
    assert list(copies[1]) == ["rusak-2-temuan.xlsx", "rusak-temuan.xlsx"]  # the clean file gets none
    assert copies[1] == copies[2]
    capsys.readouterr()
    blocked = tmp_path / "bukan-folder"
    blocked.write_text("")
    assert run("check", *files, "--annotate", blocked) == 1  # copies that cannot be made never stop a check
    err = capsys.readouterr().err
    assert "salinan bertanda rusak.xlsx tidak dapat dibuat" in err and "rusak-2.xlsx tidak dapat dibuat" in err


def test_read_writes_the_data_model(books, tmp_path):
    out = tmp_path / "data.json"
    assert run("read", books["clean"], "--json", out) == 0
    assert json.loads(out.read_text(encoding="utf-8"))


def test_a_file_gives_the_same_findings_alone_and_in_a_batch(books):
    alone = [reader.read(p) for p in (books["broken"], books["clean"])]
    together = reader.read_many([books["clean"], books["junk"], books["broken"]])
    for single, batched in zip(alone, (together[2], together[0]), strict=True):
        assert [f.to_dict() for f in single.findings] == [f.to_dict() for f in batched.findings]
        assert single.recomputed == batched.recomputed
