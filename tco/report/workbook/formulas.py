"""Every formula's result, computed in Python, for the workbook's cached values.

openpyxl writes formulas without results; readers that do not calculate (pandas, openpyxl with
`data_only=True`, file previews) see empty cells unless each formula carries its result.
`results(wb)` evaluates the Excel that tco writes (tco.report.workbook.cached stores the results):

    numbers, text, TRUE/FALSE; references A1, $A$1:$B$9, 'Sheet'!A1, workbook names
    + - * / ^, unary - and +, postfix %, & (text join), = <> < > <= >=
    the functions in FUNCTIONS

with Excel's rules for blanks (0 in arithmetic, "" in text), text and booleans in ranges
(skipped by SUM, MAX, AVERAGE; zero in SUMPRODUCT), errors (#DIV/0!, #VALUE! propagate) and
element-wise arithmetic on ranges inside SUMPRODUCT. IF evaluates only the branch it takes.
Anything else (another function, an array result, a date) raises `Unsupported`, and the
caller asks LibreOffice instead. tests/test_workbook_libreoffice.py (and the Tariffs and Risk
sheets' tests) check every formula of their workbooks against LibreOffice's result
(`same_as_libreoffice`); tests/test_workbook_formulas.py holds Excel's rules worked by hand.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

import numpy as np
from openpyxl.formula.tokenizer import Token
from openpyxl.utils.cell import column_index_from_string


class Unsupported(Exception):
    """A formula uses Excel this module does not evaluate."""


@dataclass(frozen=True)
class XlError:
    """An Excel error value (#DIV/0!, #VALUE!, ...)."""

    code: str


DIV0, VALUE, NUM = XlError("#DIV/0!"), XlError("#VALUE!"), XlError("#NUM!")


class _Raised(Exception):
    """An error value on its way out of the expression being evaluated."""

    def __init__(self, error: XlError):
        self.error = error


class Arr:
    """A rectangle of values (a range, or the element-wise result of an operation on one):
    Python values by rows, or a numpy array of floats or booleans."""

    def __init__(self, rows: list[list] | None = None, array: np.ndarray | None = None):
        self._rows, self.array = rows, array
        # what _as_array makes of the values, made once: a range is read by many formulas
        self._numbers: np.ndarray | None | bool = False  # False: not looked at yet
        self._floats: np.ndarray | None | bool = False
        self._lowered: np.ndarray | None | bool = False

    @property
    def rows(self) -> list[list]:
        if self._rows is None:
            self._rows = self.array.tolist()
        return self._rows

    @property
    def shape(self) -> tuple[int, int]:
        if self.array is not None:
            return self.array.shape
        return len(self._rows), len(self._rows[0]) if self._rows else 0

    def flat(self) -> list:
        return [v for row in self.rows for v in row]

    def numbers(self) -> np.ndarray | None:
        """The values as floats when every one is a number or a boolean (blanks 0): what
        arithmetic makes of them; else None (text, errors: Excel's rules one by one)."""
        if self._numbers is False:
            if self.array is not None:
                self._numbers = self.array.astype(float)
            elif all(v is None or type(v) in (float, bool) for row in self._rows for v in row):
                self._numbers = np.array([[0.0 if v is None else float(v) for v in row]
                                          for row in self._rows], dtype=float)
            else:
                self._numbers = None
        return self._numbers

    def floats(self) -> np.ndarray | None:
        """The values as floats when every one is a number (no blanks, no booleans), for a
        comparison of numbers; else None."""
        if self._floats is False:
            if self.array is not None:
                self._floats = self.array if self.array.dtype == float else None
            elif all(type(v) is float for row in self._rows for v in row):
                self._floats = np.array(self._rows, dtype=float)
            else:
                self._floats = None
        return self._floats

    def lowered(self) -> np.ndarray | None:
        """The values lower-cased when every one is text, for a comparison of text (Excel's
        ignores case); else None."""
        if self._lowered is False:
            if self.array is None and all(type(v) is str for row in self._rows for v in row):
                self._lowered = np.array([[v.lower() for v in row] for row in self._rows],
                                         dtype=object)
            else:
                self._lowered = None
        return self._lowered


_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([A-Za-z0-9_.]+))!)?"
                  r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_PREC = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3,
         "*": 4, "/": 4, "^": 5}


def results(wb) -> dict[str, dict[str, object]]:
    """{sheet title: {coordinate: result}} of every formula cell of the openpyxl workbook
    `wb`; error results as their codes ("#DIV/0!"). Raises Unsupported."""
    ev = _Evaluator(wb)
    out: dict[str, dict[str, object]] = {}
    for ws in wb.worksheets:
        got = out.setdefault(ws.title, {})
        for (r, c), cell in ws._cells.items():
            if cell.data_type == "f":
                v = ev.cell(ws.title, r, c)
                got[cell.coordinate] = v.code if isinstance(v, XlError) else v
    return out


class _Evaluator:
    def __init__(self, wb):
        self.sheets = {ws.title: ws for ws in wb.worksheets}
        self.names = {name: d.attr_text for name, d in wb.defined_names.items()}
        self.done: dict[tuple, object] = {}
        self.busy: set[tuple] = set()
        self.parsed: dict[str, object] = {}
        self.ranges: dict[tuple[str, str], Arr] = {}  # a range's values, read once

    # cells and references -------------------------------------------------------------------

    def cell(self, sheet: str, r: int, c: int):
        key = (sheet, r, c)
        if key in self.done:
            return self.done[key]
        cell = self.sheets[sheet]._cells.get((r, c))
        if cell is None:
            return None
        if cell.data_type != "f":
            v = cell.value
            if v is None or isinstance(v, str):
                return v
            if isinstance(v, bool | np.bool_):
                return bool(v)
            if isinstance(v, numbers.Real):  # numpy's too: the writers pass them through
                return float(v)
            raise Unsupported(f"{sheet}!{cell.coordinate} holds {type(v).__name__}")
        if not isinstance(cell.value, str):
            raise Unsupported(f"{sheet}!{cell.coordinate}: array or table formula")
        if key in self.busy:
            raise Unsupported(f"circular reference at {sheet}!{cell.coordinate}")
        self.busy.add(key)
        try:
            v = self.evaluate(cell.value, sheet)
        except _Raised as e:
            v = e.error
        finally:
            self.busy.discard(key)
        if isinstance(v, Arr):
            if v.shape != (1, 1):
                raise Unsupported(f"{sheet}!{cell.coordinate} gives an array")
            v = v.rows[0][0]
        if v is None:
            v = 0.0  # a formula that points at a blank shows 0
        self.done[key] = v
        return v

    def ref(self, text: str, sheet: str) -> Arr:
        key = (sheet, text)
        got = self.ranges.get(key)
        if got is None:
            got = self.ranges[key] = self._ref(text, sheet)
        return got

    def _ref(self, text: str, sheet: str) -> Arr:
        m = _REF.match(text)
        if m is None:
            if text in self.names:
                return self.ref(self.names[text], sheet)
            raise Unsupported(f"reference {text!r}")
        quoted, plain, c1, r1, c2, r2 = m.groups()
        target = quoted.replace("''", "'") if quoted else plain or sheet
        if target not in self.sheets:
            raise Unsupported(f"sheet {target!r}")
        ca, ra = column_index_from_string(c1), int(r1)
        cb, rb = (column_index_from_string(c2), int(r2)) if c2 else (ca, ra)
        return Arr([[self.cell(target, r, c) for c in range(min(ca, cb), max(ca, cb) + 1)]
                    for r in range(min(ra, rb), max(ra, rb) + 1)])

    # parsing: tokens -> nested tuples ------------------------------------------------------

    def evaluate(self, formula: str, sheet: str):
        tree = self.parsed.get(formula)
        if tree is None:
            tree = self.parsed[formula] = _Parser(formula).parse()
        return self.eval(tree, sheet)

    def eval(self, node, sheet: str):
        kind = node[0]
        if kind in ("num", "text", "bool"):
            return node[1]
        if kind == "err":
            raise _Raised(node[1])
        if kind == "ref":
            return self.ref(node[1], sheet)
        if kind == "neg":
            return _map(lambda a: -_number(a), self.eval(node[1], sheet))
        if kind == "pos":
            return self.eval(node[1], sheet)
        if kind == "pct":
            return _map(lambda a: _number(a) / 100.0, self.eval(node[1], sheet))
        if kind == "op":
            return _binary(node[1], self.eval(node[2], sheet), self.eval(node[3], sheet))
        if kind == "call":
            name, args = node[1], node[2]
            if name == "IF":
                return self._if(args, sheet)
            if name == "COLUMN":
                return self._column(args, sheet)
            fn = FUNCTIONS.get(name)
            if fn is None:
                raise Unsupported(f"function {name}")
            return fn(*[self._value(a, sheet) for a in args])
        raise Unsupported(f"expression {kind}")

    def _value(self, node, sheet: str):
        """A function's argument, an error as a value (ISNUMBER looks at it; the others
        raise it again when they use it)."""
        try:
            return self.eval(node, sheet)
        except _Raised as e:
            return e.error

    def _if(self, args: list, sheet: str):
        if not 2 <= len(args) <= 3:
            raise Unsupported("IF with other than 2 or 3 arguments")
        if _truth(_scalar(self.eval(args[0], sheet))):
            return self.eval(args[1], sheet)
        return self.eval(args[2], sheet) if len(args) == 3 else False

    def _column(self, args: list, sheet: str):
        if len(args) != 1 or args[0][0] != "ref":
            raise Unsupported("COLUMN of other than one reference")
        m = _REF.match(args[0][1]) or _REF.match(self.names.get(args[0][1], ""))
        if m is None:
            raise Unsupported(f"COLUMN({args[0][1]})")
        a = column_index_from_string(m.group(3))
        b = column_index_from_string(m.group(5)) if m.group(5) else a
        return Arr([[float(c) for c in range(min(a, b), max(a, b) + 1)]])


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<text>"(?:[^"]|"")*")
  | (?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A))
  | (?P<func>(?:_xlfn\.)?[A-Za-z][A-Za-z0-9_.]*\()
  | (?P<ref>(?:'(?:[^']|'')+'!|[A-Za-z_][A-Za-z0-9_.]*!)?
        \$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?(?![A-Za-z0-9_.(!:]))
  | (?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*(?![(!:]))
  | (?P<op><=|>=|<>|[-+*/^&=<>])
  | (?P<post>%)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<sep>,)
""", re.X)


def _tokens(formula: str) -> list[Token]:
    """openpyxl's tokens of the Excel tco writes, read with one regular expression (openpyxl's
    own tokenizer took half the evaluation's time). Raises Unsupported on anything else."""
    out: list[Token] = []
    depth: list[str] = []  # what each open parenthesis closes: FUNC or PAREN
    text, i = formula[1:] if formula.startswith("=") else formula, 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise Unsupported(f"cannot read {text[i:i + 20]!r}")
        i, kind, v = m.end(), m.lastgroup, m.group()
        if kind == "ws":
            continue
        if kind == "text":
            out.append(Token(v, Token.OPERAND, Token.TEXT))
        elif kind == "err":
            out.append(Token(v, Token.OPERAND, Token.ERROR))
        elif kind == "num":
            out.append(Token(v, Token.OPERAND, Token.NUMBER))
        elif kind in ("ref", "name"):
            if v.upper() in ("TRUE", "FALSE"):
                out.append(Token(v, Token.OPERAND, Token.LOGICAL))
            else:
                out.append(Token(v, Token.OPERAND, Token.RANGE))
        elif kind == "func":
            depth.append(Token.FUNC)
            out.append(Token(v, Token.FUNC, Token.OPEN))
        elif kind == "open":
            depth.append(Token.PAREN)
            out.append(Token(v, Token.PAREN, Token.OPEN))
        elif kind == "close":
            if not depth:
                raise Unsupported("unbalanced parentheses")
            out.append(Token(v, depth.pop(), Token.CLOSE))
        elif kind == "sep":
            if not depth or depth[-1] != Token.FUNC:
                raise Unsupported("a comma outside a function's arguments")
            out.append(Token(v, Token.SEP, Token.ARG))
        elif kind == "post":
            out.append(Token(v, Token.OP_POST, ""))
        else:
            prev = out[-1] if out else None
            infix = prev is not None and (
                prev.type == Token.OPERAND or prev.type == Token.OP_POST
                or prev.subtype == Token.CLOSE)
            if infix:
                out.append(Token(v, Token.OP_IN, ""))
            elif v in "+-":
                out.append(Token(v, Token.OP_PRE, ""))
            else:
                raise Unsupported(f"operator {v!r} without a left operand")
    return out


class _Parser:
    """Precedence climbing over openpyxl's tokens."""

    def __init__(self, formula: str):
        self.tokens = _tokens(formula)
        self.i = 0

    def parse(self):
        node = self.expr(0)
        if self.i != len(self.tokens):
            raise Unsupported(f"unparsed token {self.tokens[self.i].value!r}")
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def expr(self, min_prec: int):
        left = self.unary()
        while True:
            t = self.peek()
            if t is not None and t.type == Token.OP_POST and t.value == "%":
                self.i += 1
                left = ("pct", left)
                continue
            if t is None or t.type != Token.OP_IN or t.value not in _PREC:
                return left
            prec = _PREC[t.value]
            if prec < min_prec:
                return left
            self.i += 1
            # ^ is left-associative in Excel (2^3^2 = 64), as are the others
            left = ("op", t.value, left, self.expr(prec + 1))

    def unary(self):
        t = self.peek()
        if t is None:
            raise Unsupported("formula ends early")
        if t.type == Token.OP_PRE:
            self.i += 1
            inner = self.unary_operand()
            return ("neg" if t.value == "-" else "pos", inner)
        return self.primary()

    def unary_operand(self):
        # a unary sign applies to its operand and any ^ after it binds looser (-2^2 = 4)
        node = self.unary()
        while (t := self.peek()) is not None and t.type == Token.OP_POST and t.value == "%":
            self.i += 1
            node = ("pct", node)
        return node

    def primary(self):
        t = self.peek()
        self.i += 1
        if t.type == Token.OPERAND:
            if t.subtype == Token.NUMBER:
                return ("num", float(t.value))
            if t.subtype == Token.TEXT:
                return ("text", t.value[1:-1].replace('""', '"'))
            if t.subtype == Token.LOGICAL:
                return ("bool", t.value.upper() == "TRUE")
            if t.subtype == Token.ERROR:
                return ("err", XlError(t.value))
            if t.subtype == Token.RANGE:
                return ("ref", t.value)
        if t.type == Token.PAREN and t.subtype == Token.OPEN:
            node = self.expr(0)
            self.close(Token.PAREN)
            return node
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            name = t.value[:-1].upper().removeprefix("_XLFN.")
            args = []
            if not self.closing():
                while True:
                    args.append(self.expr(0))
                    t2 = self.peek()
                    if t2 is not None and t2.type == Token.SEP and t2.subtype == Token.ARG:
                        self.i += 1
                        continue
                    break
            self.close(Token.FUNC)
            return ("call", name, args)
        raise Unsupported(f"token {t.value!r}")

    def closing(self) -> bool:
        t = self.peek()
        return t is not None and t.type == Token.FUNC and t.subtype == Token.CLOSE

    def close(self, kind: str) -> None:
        t = self.peek()
        if t is None or t.type != kind or t.subtype != Token.CLOSE:
            raise Unsupported("unbalanced parentheses")
        self.i += 1


# values ------------------------------------------------------------------------------------

def _scalar(v):
    if isinstance(v, Arr):
        if v.shape != (1, 1):
            raise Unsupported("a range where one value is expected")
        v = v.rows[0][0]
    if isinstance(v, XlError):
        raise _Raised(v)
    return v


def _number(v) -> float:
    v = _scalar(v)
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(v)
    except ValueError:
        raise _Raised(VALUE) from None


def _text(v) -> str:
    v = _scalar(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        x = float(v)
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else format(x, ".15g")
    return v


def _truth(v) -> bool:
    if isinstance(v, str):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        raise _Raised(VALUE)
    return _number(v) != 0


def _rank(v) -> int:
    # Excel orders numbers < text < booleans
    return 2 if isinstance(v, bool) else 1 if isinstance(v, str) else 0


def _compare(op: str, a, b) -> bool:
    a, b = _scalar(a), _scalar(b)
    if a is None:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0.0
    if _rank(a) != _rank(b):
        ka, kb = _rank(a), _rank(b)
    elif isinstance(a, str):
        ka, kb = a.lower(), b.lower()
    else:
        ka, kb = float(a), float(b)
    return {"=": ka == kb, "<>": ka != kb, "<": ka < kb, ">": ka > kb,
            "<=": ka <= kb, ">=": ka >= kb}[op]


def _arith(op: str, a, b):
    if op in _COMPARISONS:
        return _compare(op, a, b)
    if op == "&":
        return _text(a) + _text(b)
    x, y = _number(a), _number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            raise _Raised(DIV0)
        return x / y
    if x == 0 and y < 0:
        raise _Raised(DIV0)
    try:
        out = x ** y
    except OverflowError:
        raise _Raised(NUM) from None
    if isinstance(out, complex):
        raise _Raised(NUM)
    return out


_COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")


def _cellwise(f, a):
    try:
        return f(a)
    except _Raised as e:
        return e.error


def _map(f, a):
    if isinstance(a, Arr) and a.shape != (1, 1):
        return Arr([[_cellwise(f, v) for v in row] for row in a.rows])
    return f(a)


def _binary(op: str, a, b):
    big_a = isinstance(a, Arr) and a.shape != (1, 1)
    big_b = isinstance(b, Arr) and b.shape != (1, 1)
    if not big_a and not big_b:
        return _arith(op, a, b)
    (ra, ca) = a.shape if big_a else (1, 1)
    (rb, cb) = b.shape if big_b else (1, 1)
    if ra not in (1, rb) and rb != 1 or ca not in (1, cb) and cb != 1:
        raise Unsupported(f"ranges of shapes {ra}x{ca} and {rb}x{cb} combined")
    fast = _vectorised(op, a, b)
    if fast is not None:
        return Arr(array=fast)
    rows, cols = max(ra, rb), max(ca, cb)
    left = _spread(a, big_a, rows, cols)
    right = _spread(b, big_b, rows, cols)
    return Arr([[_pair(op, x, y) for x, y in zip(lr, rr)] for lr, rr in zip(left, right)])


def _spread(x, big: bool, rows: int, cols: int) -> list[list]:
    """`x` as rows x cols values: a single row or column repeated, a value everywhere."""
    if not big:
        v = x.rows[0][0] if isinstance(x, Arr) else x
        return [[v] * cols for _ in range(rows)]
    r, c = x.shape
    body = x.rows if c == cols else [row * cols for row in x.rows]
    return body if r == rows else body * rows


def _as_array(x, kind: str) -> np.ndarray | None:
    """`x` (a range or one value) as a numpy array for an operation of `kind` ("number":
    arithmetic, "float" / "str": a comparison of numbers / of text), or None when Excel's
    rules must be applied value by value."""
    if isinstance(x, Arr):
        if x.shape == (1, 1):
            x = x.rows[0][0]
        elif kind == "number":
            return x.numbers()
        elif kind == "float":
            return x.floats()
        else:
            return x.lowered()
    if kind == "number":
        return np.array([[0.0 if x is None else float(x)]]) if x is None or type(x) in (
            float, bool) else None
    if kind == "float":
        return np.array([[x]], dtype=float) if type(x) is float else None
    return np.array([[x.lower()]], dtype=object) if type(x) is str else None


def _vectorised(op: str, a, b) -> np.ndarray | None:
    """The element-wise result with numpy where Excel's rules reduce to numpy's (numbers
    with numbers, text compared with text); None otherwise."""
    if op in ("+", "-", "*", "/"):
        x, y = _as_array(a, "number"), _as_array(b, "number")
        if x is None or y is None or op == "/" and not y.all():
            return None
        return _FAST[op](x, y)
    if op in _COMPARISONS:
        for kind in ("float", "str"):
            x, y = _as_array(a, kind), _as_array(b, kind)
            if x is not None and y is not None:
                return np.asarray(_FAST[op](x, y), dtype=bool)
    return None


_FAST = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
         "=": operator.eq, "<>": operator.ne, "<": operator.lt, ">": operator.gt,
         "<=": operator.le, ">=": operator.ge}


def _pair(op: str, x, y):
    """One element of an element-wise operation numpy could not do whole (text, blanks or
    errors among the values), by Excel's rules; an error is the element's value."""
    try:
        return _arith(op, x, y)
    except _Raised as e:
        return e.error


# functions ---------------------------------------------------------------------------------

def _numbers(args) -> list[float]:
    """Numbers of SUM-like arguments: a range's numbers only (text, booleans and blanks
    skipped); a value given directly counted as a number (text converted)."""
    out = []
    for a in args:
        if isinstance(a, Arr):
            out += _only_numbers(a.flat())
        elif (v := _scalar(a)) is not None:
            out.append(_number(v))
    return out


def _criterion(c):
    """A predicate for a SUMIFS / COUNTIF criterion ("x", ">3", "<>", 5)."""
    c = _scalar(c)
    if isinstance(c, bool | int | float):
        want = c
        return lambda v: v is not None and not isinstance(v, str) and _compare("=", v, want)
    text = "" if c is None else str(c)
    if any(ch in text for ch in "*?~"):
        raise Unsupported(f"wildcard criterion {text!r}")
    m = re.match(r"^(<=|>=|<>|<|>|=)?(.*)$", text, re.S)
    op, rest = m.group(1) or "=", m.group(2)
    try:
        target: object = float(rest)
    except ValueError:
        target = rest
    if isinstance(target, float):
        def numeric(v) -> bool:
            if isinstance(v, bool) or v is None:
                return op == "<>"
            if isinstance(v, str):
                try:
                    v = float(v)
                except ValueError:
                    return op == "<>"
            return _compare(op, float(v), target)
        return numeric
    if op == "=" and target == "":
        return lambda v: v is None or v == ""
    if op == "<>" and target == "":
        return lambda v: v is not None and v != ""
    if op in ("=", "<>"):
        return lambda v: (isinstance(v, str) and v.lower() == target.lower()) == (op == "=")
    return lambda v: isinstance(v, str) and _compare(op, v, target)


def _arr(a) -> Arr:
    if isinstance(a, Arr):
        return a
    return Arr([[_scalar(a)]])


def _ifs(values: Arr, pairs: list) -> list:
    """The entries of `values` whose cells meet every (range, criterion) pair."""
    cells = values.flat()
    keep = [True] * len(cells)
    for rng, crit in pairs:
        rng = _arr(rng)
        if rng.shape != values.shape:
            raise Unsupported("criteria range of another shape")
        test = _criterion(crit)
        for i, v in enumerate(rng.flat()):
            keep[i] = keep[i] and test(v)
    return [v for v, k in zip(cells, keep) if k]


def _only_numbers(vals: list) -> list[float]:
    """The numbers among `vals` (text, booleans and blanks skipped); an error raised."""
    out = []
    for v in vals:
        if isinstance(v, XlError):
            raise _Raised(v)
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append(float(v))
    return out


def _sumifs(total, *pairs):
    if len(pairs) % 2:
        raise Unsupported("SUMIFS with an odd number of criteria arguments")
    return sum(_only_numbers(_ifs(_arr(total), list(zip(pairs[::2], pairs[1::2])))))


def _countif(rng, crit):
    rng = _arr(rng)
    test = _criterion(crit)
    return float(sum(1 for v in rng.flat() if test(v)))


def _averageif(rng, crit, avg=None):
    vals = _only_numbers(_ifs(_arr(avg if avg is not None else rng), [(rng, crit)]))
    if not vals:
        raise _Raised(DIV0)
    return sum(vals) / len(vals)


def _sumproduct(*arrays):
    arrs = [_arr(a) for a in arrays]
    shape = arrs[0].shape
    if any(a.shape != shape for a in arrs):
        raise _Raised(VALUE)
    if all(a.array is not None and a.array.dtype == float for a in arrs):
        return float(np.prod(np.stack([a.array for a in arrs]), axis=0).sum())
    total = 0.0
    for entries in zip(*(a.flat() for a in arrs)):
        p = 1.0
        for v in entries:
            if isinstance(v, XlError):
                raise _Raised(v)
            p *= float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0
        total += p
    return total


def _round(x, n, mode=ROUND_HALF_UP):
    x, n = _number(x), int(_number(n))
    q = Decimal(1).scaleb(-n)
    return float(Decimal(repr(x)).quantize(q, rounding=mode))


def _mod(a, b):
    x, y = _number(a), _number(b)
    if y == 0:
        raise _Raised(DIV0)
    return x - y * math.floor(x / y)


def _and(*args):
    vals = []
    for a in args:
        if isinstance(a, Arr):
            vals += [v for v in a.flat() if isinstance(v, bool | int | float) or
                     isinstance(v, XlError)]
        else:
            vals.append(_scalar(a))
    if not vals:
        raise _Raised(VALUE)
    return all(_truth(v) for v in vals)


def _isnumber(v):
    if isinstance(v, Arr):
        if v.shape != (1, 1):
            raise Unsupported("ISNUMBER of a range")
        v = v.rows[0][0]
    return isinstance(v, int | float) and not isinstance(v, bool)


def _n(v):
    if isinstance(v, Arr):
        v = v.rows[0][0] if v.rows and v.rows[0] else None
    if isinstance(v, XlError):
        raise _Raised(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v) if isinstance(v, int | float) else 0.0


def _t(v):
    v = _scalar(v)
    return v if isinstance(v, str) else ""


def _max(*args):
    vals = _numbers(args)
    return max(vals) if vals else 0.0


def _min(*args):
    vals = _numbers(args)
    return min(vals) if vals else 0.0


def _average(*args):
    vals = _numbers(args)
    if not vals:
        raise _Raised(DIV0)
    return sum(vals) / len(vals)


def _stdev(*args):
    vals = _numbers(args)
    if len(vals) < 2:
        raise _Raised(DIV0)
    m = sum(vals) / len(vals)
    return math.sqrt(sum((v - m) ** 2 for v in vals) / (len(vals) - 1))


def _sqrt(x):
    x = _number(x)
    if x < 0:
        raise _Raised(NUM)
    return math.sqrt(x)


def _percentile(rng, k):
    vals = sorted(_numbers([rng]))
    k = _number(k)
    if not vals or not 0 <= k <= 1:
        raise _Raised(NUM)
    pos = k * (len(vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (pos - lo) * (vals[hi] - vals[lo])


def _count(*args):
    n = 0
    for a in args:
        if isinstance(a, Arr):
            n += sum(1 for v in a.flat() if isinstance(v, int | float) and not isinstance(v, bool))
        else:
            try:
                _number(a)
                n += _scalar(a) is not None
            except _Raised:
                pass
    return float(n)


def _choose(i, *options):
    k = int(_number(i))
    if not 1 <= k <= len(options):
        raise _Raised(VALUE)
    return options[k - 1]


FUNCTIONS = {
    "SUM": lambda *a: sum(_numbers(a)), "SUMPRODUCT": _sumproduct, "SUMIFS": _sumifs,
    "COUNTIF": _countif, "AVERAGEIF": _averageif, "COUNT": _count, "AVERAGE": _average,
    "STDEV": _stdev, "PERCENTILE": _percentile, "MAX": _max, "MIN": _min,
    "ABS": lambda x: abs(_number(x)), "SQRT": _sqrt, "INT": lambda x: float(math.floor(_number(x))),
    "ROUND": _round, "ROUNDUP": lambda x, n: _round(x, n, ROUND_UP), "MOD": _mod,
    "AND": _and, "ISNUMBER": _isnumber, "N": _n, "T": _t, "CHOOSE": _choose,
    "IF": None, "COLUMN": None,  # evaluated by _Evaluator itself (lazily; from the reference)
}
"""The functions tco's workbook uses; any other makes `results` raise Unsupported."""
