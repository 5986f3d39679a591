"""Excel formulas → position-independent shapes and syntax trees (for `recalc`).

A formula filled down a column differs from row to row only in its references:
`IF(J6="","",J6*100/I6)` in K6 and `IF(J7="","",J7*100/I7)` in K7 are one *shape*,
`IF(RC[-1]="","",RC[-1]*100/RC[-2])`. Recalculation groups cells by shape, parses each
shape once and evaluates it over all its rows at once, so this module turns formula
text into (a) the shape key, in relative R1C1 notation, and (b) a small syntax tree
whose references are offsets from the formula's own cell.

Tree nodes are tuples, first item the kind:
  ("num", float) ("str", text) ("bool", b) ("err", "#N/A") ("missing",)
  ("ref", sheet, row, col)            row/col are `Coord`s
  ("range", sheet, row1, col1, row2, col2)
  ("name", NAME) ("fn", NAME, args) ("op", "+", a, b) ("neg", a) ("pct", a)
`sheet` is None for the formula's own sheet.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class FormulaSyntaxError(ValueError):
    """Formula text lkjxl cannot parse (or a construct it does not evaluate)."""


class Coord(NamedTuple):
    """A row or column coordinate: an absolute index, or an offset from the formula's cell."""

    value: int
    absolute: bool

    def at(self, origin: int) -> int:
        return self.value if self.absolute else origin + self.value


# U+00C0–U+FFFF, written as a negated class: a class holding that range costs ≈8 ms to compile
# (re builds a 64K-entry map), and every process compiled four of them before each formula read.
_WIDE = r"[^\x00-\xbf\U00010000-\U0010ffff]"
_WORD = rf"(?:[\w.]|{_WIDE})*"
_SHEET = rf"(?:'(?:[^']|'')+'|(?:[A-Za-z_]|{_WIDE}){_WORD})!"
_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]+"
_END = rf"(?![\w.(!]|{_WIDE})"
_TOKEN = re.compile(
    r"\s*(?:"
    r'(?P<str>"(?:[^"]|"")*")'
    r"|(?P<err>#NULL!|#DIV/0!|#VALUE!|#REF!|#NAME\?|#NUM!|#N/A|#GETTING_DATA)"
    rf"|(?P<ref>(?P<sheet>{_SHEET})?(?:"
    rf"(?P<cells>{_CELL}(?::{_CELL})?){_END}"
    rf"|(?P<cols>\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}){_END}"
    rf"|(?P<rows>\$?[0-9]+:\$?[0-9]+){_END}"
    rf"|(?P<qname>[A-Za-z_\\][\w.]*){_END}))"
    r"|(?P<func>(?:_xlfn\.|_xlws\.)*[A-Za-z_][\w.]*)\("
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    rf"|(?P<name>(?:[A-Za-z_\\]|{_WIDE}){_WORD})"
    r"|(?P<op><>|>=|<=|[-+*/^&=<>%,()])"
    r"|(?P<other>\S)"
    r")"
)
_A1 = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)")
MAX_ROW, MAX_COL = 1_048_575, 16_383


def col_index(letters: str) -> int:
    """'A' → 0, 'AA' → 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) → 'A1'."""
    letters, col = "", col + 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def parse_cell(ref: str) -> tuple[int, int]:
    """'$AB$12' → (11, 27), 0-based."""
    m = _A1.fullmatch(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(4)) - 1, col_index(m.group(2))


def _sheet_name(prefix: str | None) -> str | None:
    if not prefix:
        return None
    text = prefix[:-1]
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!"


class Token(NamedTuple):
    kind: str  # str err ref func num name bool op
    text: str  # canonical text for the shape key
    node: tuple | None  # the tree node of an operand


def _coord(absolute: str, value: int, origin: int) -> tuple[Coord, str]:
    if absolute:
        return Coord(value, True), str(value + 1)
    return Coord(value - origin, False), f"[{value - origin}]" if value != origin else ""


def _ref_token(m: re.Match, row: int, col: int, rows_at: list | None) -> Token:
    """`rows_at`, if given, gets the (start, end) in the formula of each relative row number."""
    sheet = _sheet_name(m.group("sheet"))
    prefix = _quote(sheet) if sheet is not None else ""
    if m.group("qname"):
        if sheet is not None:
            raise FormulaSyntaxError("nama bercakupan sheet tidak didukung")  # Sheet1!Name
        name = m.group("qname")
        if name.upper() in ("TRUE", "FALSE"):
            return Token("bool", name.upper(), ("bool", name.upper() == "TRUE"))
        return Token("name", name.upper(), ("name", name.upper()))
    if m.group("cells"):
        parts = m.group("cells").split(":")
        coords, texts = [], []
        at = m.start("cells")
        for part in parts:
            a = _A1.fullmatch(part)
            r, c = int(a.group(4)) - 1, col_index(a.group(2))
            if r > MAX_ROW or c > MAX_COL:
                raise FormulaSyntaxError(f"referensi di luar lembar: {part}")
            if rows_at is not None and not a.group(3):
                rows_at.append((at + a.start(4), at + a.end(4)))
            at += len(part) + 1
            rc, rt = _coord(a.group(3), r, row)
            cc, ct = _coord(a.group(1), c, col)
            coords.append((rc, cc))
            texts.append(f"R{rt}C{ct}")
        if len(parts) == 1:
            return Token("ref", prefix + texts[0], ("ref", sheet, *coords[0]))
        return Token("ref", prefix + ":".join(texts), ("range", sheet, *coords[0], *coords[1]))
    if m.group("cols"):
        a, b = m.group("cols").split(":")
        c1, t1 = _coord(a.startswith("$"), col_index(a.lstrip("$")), col)
        c2, t2 = _coord(b.startswith("$"), col_index(b.lstrip("$")), col)
        node = ("range", sheet, Coord(0, True), c1, Coord(MAX_ROW, True), c2)
        return Token("ref", f"{prefix}C{t1}:C{t2}", node)
    a, b = m.group("rows").split(":")
    if rows_at is not None:
        at = m.start("rows")
        rows_at.extend((s, s + len(x)) for x, s in ((a, at), (b, at + len(a) + 1)) if not x.startswith("$"))
    r1, t1 = _coord(a.startswith("$"), int(a.lstrip("$")) - 1, row)
    r2, t2 = _coord(b.startswith("$"), int(b.lstrip("$")) - 1, row)
    return Token("ref", f"{prefix}R{t1}:R{t2}", ("range", sheet, r1, Coord(0, True), r2, Coord(MAX_COL, True)))


def tokenize(formula: str, row: int, col: int, rows_at: list | None = None) -> list[Token]:
    """Tokens of `formula` (without '=') placed at 0-based (row, col); references become offsets.
    `rows_at`, if given, gets where each relative row number is in `formula` (see `_ref_token`)."""
    out: list[Token] = []
    pos, end = 0, len(formula.rstrip())
    while pos < end:
        m = _TOKEN.match(formula, pos)
        if not m or m.end() == pos:
            raise FormulaSyntaxError(f"rumus tidak terbaca di posisi {pos + 1}")
        pos = m.end()
        kind = m.lastgroup if m.lastgroup not in ("sheet", "cells", "cols", "rows", "qname") else "ref"
        text = m.group(kind)
        if kind == "str":
            out.append(Token("str", text, ("str", text[1:-1].replace('""', '"'))))
        elif kind == "err":
            out.append(Token("err", text, ("err", text)))
        elif kind == "ref":
            out.append(_ref_token(m, row, col, rows_at))
        elif kind == "func":
            out.append(Token("func", text.upper(), None))
        elif kind == "num":
            out.append(Token("num", text, ("num", float(text))))
        elif kind == "name":
            up = text.upper()
            if up in ("TRUE", "FALSE"):
                out.append(Token("bool", up, ("bool", up == "TRUE")))
            else:
                out.append(Token("name", up, ("name", up)))
        elif kind == "op":
            out.append(Token("op", text, None))
        else:
            raise FormulaSyntaxError(f"tanda {text!r} tidak didukung (larik, irisan atau rujukan eksternal)")
    return out


def shape_key(tokens: list[Token]) -> str:
    """The position-independent text of a formula: equal for every cell of a filled-down column.
    Tokens are kept apart (by a character XML cannot hold): `AB CD` (two names: an intersection)
    is not `ABCD` (one), nor `1 2` the number `12`, although the spaces between them are dropped."""
    return "\x1f".join(t.text if t.kind != "func" else t.text + "(" for t in tokens)


# Binding powers (Excel): comparison < & < +- < */ < ^ < % < unary minus.
_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
_PREFIX_POWER, _PERCENT_POWER = 7, 6


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens, self.i = tokens, 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise FormulaSyntaxError("rumus berakhir terlalu cepat")
        self.i += 1
        return tok

    def expr(self, power: int = 0) -> tuple:
        tok = self.take()
        if tok.kind == "op" and tok.text in ("-", "+"):
            operand = self.expr(_PREFIX_POWER)
            left = ("neg", operand) if tok.text == "-" else operand
        elif tok.kind == "op" and tok.text == "(":
            left = self.expr()
            self.expect(")")
        elif tok.kind == "func":
            left = ("fn", tok.text.removeprefix("_XLFN.").removeprefix("_XLWS."), self.args())
        elif tok.node is not None:
            left = tok.node
        else:
            raise FormulaSyntaxError(f"tanda {tok.text!r} tidak terduga")
        while (nxt := self.peek()) is not None and nxt.kind == "op":
            if nxt.text == "%" and power < _PERCENT_POWER:
                self.i += 1
                left = ("pct", left)
                continue
            bp = _BINARY.get(nxt.text)
            if bp is None or bp <= power:
                break
            self.i += 1
            left = ("op", nxt.text, left, self.expr(bp))
        return left

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != text:
            raise FormulaSyntaxError(f"diharapkan {text!r}, ditemukan {tok.text!r}")

    def args(self) -> tuple:
        out: list[tuple] = []
        if (tok := self.peek()) is not None and tok.kind == "op" and tok.text == ")":
            self.i += 1
            return ()
        while True:
            tok = self.peek()
            if tok is not None and tok.kind == "op" and tok.text in (",", ")"):
                out.append(("missing",))
            else:
                out.append(self.expr())
            tok = self.take()
            if tok.kind == "op" and tok.text == ")":
                return tuple(out)
            if tok.kind != "op" or tok.text != ",":
                raise FormulaSyntaxError(f"diharapkan ',' atau ')', ditemukan {tok.text!r}")


def parse(tokens: list[Token]) -> tuple:
    """The syntax tree of a tokenised formula."""
    if not tokens:
        raise FormulaSyntaxError("rumus kosong")
    p = _Parser(tokens)
    tree = p.expr()
    if p.peek() is not None:
        raise FormulaSyntaxError(f"tanda {p.peek().text!r} tidak terduga")
    return tree


def functions(tree: tuple) -> set[str]:
    """Names of the functions a tree calls."""
    out: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "fn":
            out.add(node[1])
            stack.extend(node[2])
        elif node[0] in ("op", "neg", "pct"):
            stack.extend(n for n in node[1:] if isinstance(n, tuple))
    return out


def a1(tree: tuple, sheet: str, row: int, col: int) -> str:
    """Render a shape's tree as A1 text at (row, col), with the parentheses precedence needs."""
    kind = tree[0]
    if kind == "num":
        return repr(tree[1]).removesuffix(".0")
    if kind == "str":
        return '"' + tree[1].replace('"', '""') + '"'
    if kind == "bool":
        return "TRUE" if tree[1] else "FALSE"
    if kind in ("err", "name"):
        return tree[1]
    if kind == "missing":
        return ""
    if kind == "ref":
        _, sh, r, c = tree
        return (_quote(sh) if sh else "") + _a1_cell(r, c, row, col)
    if kind == "range":
        _, sh, r1, c1, r2, c2 = tree
        return (_quote(sh) if sh else "") + _a1_cell(r1, c1, row, col) + ":" + _a1_cell(r2, c2, row, col)
    if kind == "fn":
        return f"{tree[1]}({','.join(a1(a, sheet, row, col) for a in tree[2])})"
    if kind == "neg":
        return "-" + _operand(tree[1], _PREFIX_POWER, sheet, row, col)
    if kind == "pct":
        return _operand(tree[1], _PERCENT_POWER, sheet, row, col) + "%"
    _, op, left, right = tree
    power = _BINARY[op]
    return _operand(left, power, sheet, row, col) + op + _operand(right, power + 1, sheet, row, col)


def _operand(tree: tuple, power: int, sheet: str, row: int, col: int) -> str:
    """An operator's operand, parenthesised when it binds less tightly than `power`."""
    text = a1(tree, sheet, row, col)
    binds = (
        _BINARY[tree[1]]
        if tree[0] == "op"
        else _PREFIX_POWER
        if tree[0] == "neg"
        else _PERCENT_POWER
        if tree[0] == "pct"
        else 99
    )
    return f"({text})" if binds < power else text


def _a1_cell(r: Coord, c: Coord, row: int, col: int) -> str:
    rr, cc = r.at(row), c.at(col)
    name = cell_name(rr, cc)
    letters = name.rstrip("0123456789")
    return ("$" if c.absolute else "") + letters + ("$" if r.absolute else "") + name[len(letters) :]
