"""Text clean-up under the cell parsers: Unicode folding, look-alike letters, null-ish marks,
and the alias tables for units of measure and Subbagian names.

Operators paste from Word and PDF reports (DOMAIN §5.3), so a cell may carry NBSP, thin or
zero-width spaces, Cyrillic or Greek letters that look Latin, and OCR letters (dotless i, `ł`,
`ö`). NFKC folds compatibility forms (fullwidth digits, NBSP) but not look-alikes: those go
through the explicit `HOMOGLYPHS` map. Cyrillic I (U+0418) stays: it is a mirrored N, not a
look-alike.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# Letters that render like a Latin letter in the fonts operators use.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic capitals
    "\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E", "\u041d": "H",
    "\u0406": "I", "\u0408": "J", "\u041a": "K", "\u041c": "M", "\u041e": "O",
    "\u0420": "P", "\u0405": "S", "\u0422": "T", "\u0425": "X", "\u04ae": "Y",
    # Cyrillic small letters
    "\u0430": "a", "\u0441": "c", "\u0435": "e", "\u0456": "i", "\u0458": "j",
    "\u043e": "o", "\u0440": "p", "\u0455": "s", "\u0445": "x", "\u0443": "y",
    # Greek capitals and small omicron
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X", "\u03bf": "o",
}  # fmt: skip
_HOMOGLYPH_TABLE = str.maketrans(HOMOGLYPHS)

# Zero-width characters and the soft hyphen vanish; other controls become spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# OCR letters in Indonesian words (DOMAIN §5.3) with no Unicode decomposition.
_OCR_LETTERS = str.maketrans({"\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u0111": "d"})

# A cell made only of these marks (after an optional `Rp`) carries no value (DOMAIN §5.2).
_NULLISH = re.compile(r"(?:(?:rp|idr)\s*[.:]?)?[\s\-\u2010-\u2015\u2212.,%&]*", re.IGNORECASE)


def fold_homoglyphs(s: str) -> tuple[str, bool]:
    """Replace look-alike letters by their Latin twin; also say whether any was replaced."""
    folded = s.translate(_HOMOGLYPH_TABLE)
    return folded, folded != s


def clean_text(s: str | None, *, homoglyphs: bool = True) -> str:
    """NFKC, drop zero-width characters, collapse whitespace (NBSP, thin spaces, newlines).

    Look-alike letters are folded too unless `homoglyphs=False`. `None` gives `''`.
    """
    if s is None:
        return ""
    s = unicodedata.normalize("NFKC", str(s).translate(_INVISIBLE))
    s = " ".join(_CONTROL.sub(" ", s).split())
    return fold_homoglyphs(s)[0] if homoglyphs else s


def match_key(s: str | None) -> str:
    """A loose key for matching names: cleaned, lower case, no accents, punctuation as spaces."""
    s = clean_text(s).casefold().translate(_OCR_LETTERS)
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", s).split())


def is_nullish(s: str) -> bool:
    """True for a cleaned text that holds no value: '', '-', dashes, '%', '.', 'Rp. -', 'Rp -,-'."""
    return _NULLISH.fullmatch(s) is not None


UNIT_ALIASES: dict[str, str] = {
    "lap": "laporan", "lpr": "laporan", "laporan": "laporan",
    "dok": "dokumen", "dokumen": "dokumen",
    "kec": "kecamatan", "kecamatan": "kecamatan",
    "kel": "kelurahan", "kelurahan": "kelurahan", "desa": "desa",
    "org": "orang", "orang": "orang",
    "x": "kali", "kali": "kali",
    "keg": "kegiatan", "kegiatan": "kegiatan",
    "bln": "bulan", "bulan": "bulan",
    "%": "persen", "persen": "persen",
}  # fmt: skip


def fold_unit(s: str | None) -> str:
    """A satuan's canonical name: `Lap.` → `laporan`, `Dok` → `dokumen`, `x` → `kali`.

    Case, spacing and edge punctuation are ignored, `laporan-laporan` counts once, and an
    English plural `s` is dropped when that makes a known unit. Unknown units come back
    cleaned and lower case.
    """
    u = clean_text(s).casefold().strip(" .,:;()")
    u = " ".join(u.split())
    if m := re.fullmatch(r"(\w+)-\1", u):  # Indonesian plural by reduplication
        u = m.group(1)
    if u not in UNIT_ALIASES and u.endswith("s") and u[:-1] in UNIT_ALIASES:
        u = u[:-1]
    return UNIT_ALIASES.get(u, u)


# The four Subbagian (kab/kota) or Bagian (provinsi), DOMAIN §1.3: a name means a unit when
# it holds one of the unit's keywords, or at least two words of its full name.
UNIT_NAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "PDI": (frozenset({"pdi", "rendatin"}), frozenset({"perencanaan", "data", "informasi"})),
    "KUL": (frozenset({"kul"}), frozenset({"keuangan", "umum", "logistik"})),
    "TEKNIS": (
        frozenset({"teknis", "hubmas", "parhumas"}),
        frozenset({"partisipasi", "hubungan", "masyarakat"}),
    ),
    "HUKUM_SDM": (frozenset(), frozenset({"hukum", "sdm", "sumber", "daya", "manusia"})),
}
_NAME_WORDS = sorted({"divisi"}.union(*(k | w for k, w in UNIT_NAMES.values())))


def fold_unit_name(s: str | None) -> str | None:
    """The canonical unit (`PDI`, `KUL`, `TEKNIS`, `HUKUM_SDM`) a Subbagian/Bagian name means.

    Order, `&`, case, prefixes ("Kepala Sub Bagian") and OCR typos do not matter. None when
    unknown, ambiguous or a Divisi (the commissioners' portfolios are another axis).
    """
    if not isinstance(s, str):
        return None
    words = set()
    for w in match_key(s).split():
        close = difflib.get_close_matches(w, _NAME_WORDS, n=1, cutoff=0.85) if len(w) > 4 else []
        words.add(close[0] if close else w)
    if "divisi" in words:
        return None
    hits = [u for u, (keys, name) in UNIT_NAMES.items() if keys & words or len(name & words) >= 2]
    return hits[0] if len(hits) == 1 else None
