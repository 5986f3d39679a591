"""Build tests/files/broken/: one real broken workbook per data trap of DOMAIN §5.

Run `python tests/make_broken.py` to regenerate; `CASES` is also the manifest the
test reads: file name → (DOMAIN section, edits, findings expected at cells).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbooks import edit, filled  # noqa: E402

OUT = Path(__file__).resolve().parent / "files" / "broken"

CASES: dict[str, tuple[str, str, set[tuple[str, str, str]]]] = {
    "5.1-angka-format-campur.xlsx": (
        "5.1 marks mixed in one document",
        """
        | Realisasi | J7  | "87,5%"            |
        | Realisasi | N7  | "87.50%"           |
        | Anggaran  | O8  | "43,644,000"       |
        | Anggaran  | P8  | "Rp. 2.532.693.447-" |
        | Anggaran  | Q8  | "Rp. 95.766,000,-" |
        """,
        {
            ("TEXT_NUMBER", "Realisasi", "J7"),
            ("TEXT_NUMBER", "Realisasi", "N7"),
            ("TEXT_NUMBER", "Anggaran", "O8"),
            ("TEXT_NUMBER", "Anggaran", "P8"),
            ("AMBIGUOUS", "Anggaran", "Q8"),
        },
    ),
    "5.1-persen-ganda-dan-teks.xlsx": (
        "5.1 percent forms and text",
        """
        | Realisasi | J7  | "99, 19% %" |
        | Realisasi | J9  | "0,16"      |
        | Realisasi | J10 | "tujuh"     |
        """,
        {("NORMALISED", "Realisasi", "J7"), ("NORMALISED", "Realisasi", "J9"), ("NOT_A_NUMBER", "Realisasi", "J10")},
    ),
    "5.2-strip-bukan-nol.xlsx": (
        "5.2 null vs zero",
        """
        | Realisasi | J7 | "-" |
        | Realisasi | N7 | "%" |
        | Anggaran  | O8 | "Rp. -" |
        """,
        set(),
    ),
    "5.3-huruf-kiril.xlsx": (
        "5.3 Cyrillic look-alikes",
        """
        | Realisasi | J6 | "В" |
        | Realisasi | N6 | "ВВ" |
        """,
        {("NORMALISED", "Realisasi", "J6"), ("NORMALISED", "Realisasi", "N6")},
    ),
    "5.4-baris-sisipan.xlsx": (
        "5.4 layout: a row inserted into the table",
        "INSERT Realisasi 8",
        {("ROW_INSERTED", "Realisasi", "D8")},
    ),
    "5.5-teks-indikator-berubah.xlsx": (
        "5.5 key by id, not text",
        """
        | Realisasi | D7 | "Persentase laporan monev yang akuntabel (revisi)" |
        """,
        {("TEXT_CHANGED", "Realisasi", "D7")},
    ),
    "5.7-revisi-tidak-urut.xlsx": (
        "5.7 revisions and years",
        """
        | Revisi | B7 | "05 Agustus 2024"  |
        | Revisi | C7 | 1000               |
        | Revisi | B8 | "11 Nopember 2023" |
        | Revisi | C8 | 2000               |
        """,
        {("REVISION_ORDER", "Revisi", "B8")},
    ),
    "5.10-capaian-diketik.xlsx": (
        "5.10 capaian typed by hand",
        """
        | Realisasi | K7  | 100  |
        | Realisasi | AA9 | "95%" |
        """,
        {("FORMULA_OVERWRITTEN", "Realisasi", "K7"), ("FORMULA_OVERWRITTEN", "Realisasi", "AA9")},
    ),
    "5.13-nip-salah.xlsx": ("5.13 people and names: NIP shape", "NIP", {("BAD_NIP", "PK", None)}),
}


def build(name: str, directory: Path) -> Path:
    _, edits, _ = CASES[name]
    path = filled(directory / name, seed=11)
    if edits.startswith("INSERT"):
        import openpyxl

        _, sheet, row = edits.split()
        book = openpyxl.load_workbook(path)
        book[sheet].insert_rows(int(row))
        book[sheet][f"D{row}"] = "Indikator tambahan"
        book[sheet][f"J{row}"] = 0.5
        book.save(path)
    elif edits == "NIP":
        import openpyxl

        book = openpyxl.load_workbook(path)
        cell = book.defined_names["PK_NIP_Pertama"].attr_text.split("!")[1].replace("$", "")
        book["PK"][cell] = "19850914 201012 3 001"  # gender digit 3
        book.save(path)
    else:
        edit(path, "| sheet | cell | value |\n" + "\n".join(line.strip() for line in edits.strip().splitlines()))
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in CASES:
            target = OUT / name
            target.write_bytes(build(name, Path(tmp)).read_bytes())
            print(target)


if __name__ == "__main__":
    main()
