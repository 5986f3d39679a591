"""The shared-string table: every item read as the text its cell shows, whatever its form.

Excel appends the strings an operator types to the end of the table, and writes text with
mixed formatting as rich runs (`<si><r>…</r></si>`); a reader that took the table apart
as plain items only dropped such an item after the last plain one, shifting nothing but
reading its cells as blank.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workbooks import DEF, filled

from lkjxl import reader, safety
from lkjxl.recalc_read import SharedStrings

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

ITEMS = [  # the forms Excel, LibreOffice and XlsxWriter write, with text to vary
    "<si><t>{}</t></si>",
    '<si><t xml:space="preserve"> {} </t></si>',
    "<si><t/></si>",
    "<si></si>",
    "<si><r><t>{}</t></r><r><rPr><b/></rPr><t>tebal</t></r></si>",
    '<si><t>{}</t><rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>',
]
TEXT = st.text(st.sampled_from("ab &<>é1"), max_size=5).map(
    lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)


def shown(sst: str) -> list[str]:
    """What each item shows, by an XML parser: its <t> runs, not the phonetic ones."""
    out = []
    for si in fromstring(sst).iter(NS + "si"):
        runs = [t.text or "" for t in si.iter(NS + "t")]
        phonetic = [t.text or "" for ph in si.iter(NS + "rPh") for t in ph.iter(NS + "t")]
        out.append("".join(runs[: len(runs) - len(phonetic)]))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ITEMS), TEXT), max_size=8))
def test_every_item_is_read_as_it_shows(items):
    body = "".join(form.format(text) for form, text in items)
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS[1:-1]}" count="{len(items)}">{body}</sst>'
    assert list(SharedStrings(sst.encode()).texts) == shown(sst)


def _pointing(path: Path, out: Path, address: str, index: int | str, appended: str = "") -> None:
    """Copy a workbook with the cell at `address` ('Sheet!A1') made a shared string at `index`
    (its style kept), and `appended` added to the end of the shared-string table."""
    sheet, cell = address.split("!")
    part = safety.inspect(path).sheets[sheet]
    written = re.compile(rf'<c r="{cell}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)'.encode(), re.DOTALL)

    def pointed(m: re.Match) -> bytes:
        style = re.search(rb'\ss="\d+"', m["attrs"])
        return b'<c r="%s"%s t="s"><v>%s</v></c>' % (cell.encode(), style[0] if style else b"", str(index).encode())

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data, found = written.subn(pointed, data, count=1)
                assert found == 1, address
            elif info.filename == "xl/sharedStrings.xml":
                data = data.replace(b"</sst>", appended.encode() + b"</sst>")
            dst.writestr(info, data)


def test_rich_text_typed_last_is_read(tmp_path):
    """An operator formats part of a kegiatan in bold: Excel appends a rich item to the table."""
    path = filled(tmp_path / "isi.xlsx")
    clean = reader.read(path)
    ind, n = next(
        (i.id, n) for i in DEF.indikator for n, plan in enumerate(clean.filling.rencana_aksi[i.id]) if plan.kegiatan
    )
    address = clean.cells[("rencana", ind, n, "kegiatan")]
    with zipfile.ZipFile(path) as z:
        index = z.read("xl/sharedStrings.xml").count(b"<si>")
    rich = "<si><r><rPr><b/></rPr><t>Rapat </t></r><r><t>koordinasi</t></r></si>"
    edited = tmp_path / "tebal.xlsx"
    _pointing(path, edited, address, index, rich)
    assert address.startswith("Rencana Aksi!")
    assert reader.read(edited).filling.rencana_aksi[ind][n].kegiatan == "Rapat koordinasi"


@pytest.mark.parametrize("index", ["-1", "99999"])
def test_an_index_outside_the_table_is_reported_at_its_cell(tmp_path, index):
    """Only a damaged or forged file has one; its cell is an error the checks report, never the
    table's last string or a blank."""
    path = filled(tmp_path / "isi.xlsx")
    line = next(b for b in DEF.budget if b.is_leaf)
    address = reader.read(path).cells[("pagu_awal", line.key, 0)]
    sheet, cell = address.split("!")
    broken = tmp_path / "rusak.xlsx"
    _pointing(path, broken, address, index)
    data = reader.read(broken)
    assert line.key not in data.filling.pagu_awal
    assert any(f.sheet == sheet and f.cell == cell and f.severity == "error" for f in data.findings)
