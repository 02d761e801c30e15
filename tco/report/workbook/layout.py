"""Cell writing for the finance workbook: styles, safe text, formulas, names, print setup.

Every string written through `Grid.put` is text, never a formula: scenario text that starts
with `=`, `+`, `-` or `@` is stored as a string with Excel's quote prefix, so no spreadsheet
evaluates it. Formulas go only through `Grid.f`, whose text tco composes itself.
"""

from __future__ import annotations

import bisect
import copy
import math
import re
import textwrap
from functools import cache

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

USD = '"$"#,##0_);[Red]("$"#,##0)'
USD_CENTS = '"$"#,##0.00_);[Red]("$"#,##0.00)'
PRICE = '"$"#,##0.0000'
COUNT = "#,##0"
NUMBER = "#,##0.00"
SHARE = "0.00%"
FACTOR = "0.000000"

INPUT_FONT = Font(color="0000CC")
SOLVED_FONT = Font(color="7030A0")
LABEL_FONT = Font(color="595959")
ROLE_FONTS = {"input": INPUT_FONT, "solved": SOLVED_FONT, "label": LABEL_FONT}
"""Typed numbers carry one of three roles, told apart by font colour: an input (blue, edit it),
a figure as solved (purple: a decision or result only a new optimisation changes) or a label
(grey: a period index or year). Every other number is a formula."""
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
SECTION_FONT = Font(bold=True, size=12)
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="999999")

# style key -> (number format, input?, kind)
PRINT_FIT_CHARS = 200
"""Widest sheet (sum of column widths, characters) fitted to one landscape page width: at
that width the text prints at about 65% of its size, still readable."""

_KINDS = ("plain", "header", "section", "title", "note", "total", "wrap", "field", "indent")
UNSAFE_START = ("=", "+", "-", "@")


@cache
def col(c: int) -> str:
    """Column letter of a 1-based column index."""
    return get_column_letter(c)


def ref(sheet: str, r: int, c: int, absolute: bool = True) -> str:
    """A cell reference on another sheet, absolute by default: `'Plan'!$B$4`."""
    d = "$" if absolute else ""
    return f"'{sheet}'!{d}{col(c)}{d}{r}"


def rng(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    """An absolute range on a sheet: `'Plan'!$B$2:$B$90`."""
    return f"'{sheet}'!${col(c1)}${r1}:${col(c2)}${r2}"


def local(r: int, c: int, absolute: bool = False) -> str:
    """A reference on the same sheet."""
    d = "$" if absolute else ""
    return f"{d}{col(c)}{d}{r}"


def clean_text(s: str) -> str:
    """Text Excel can store: control characters removed, at most 32,767 characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", s)[:32767]


def name_token(s: str) -> str:
    """A fragment usable inside a defined name: letters, digits and underscores."""
    return re.sub(r"[^A-Za-z0-9_]", "_", s).strip("_") or "x"


class Styles:
    """Cell styles built once and copied onto cells (fast: no per-cell style lookup)."""

    def __init__(self, scratch: Worksheet):
        self._scratch = scratch
        self._cache: dict[tuple, object] = {}

    def get(self, kind: str = "plain", fmt: str | None = None, is_input: bool = False,
            quote: bool = False, role: str | None = None):
        """The StyleArray of a style; built on a scratch cell the first time."""
        if is_input:
            role = "input"
        key = (kind, fmt, role, quote)
        style = self._cache.get(key)
        if style is None:
            cell = self._scratch.cell(1, len(self._cache) + 1)
            if fmt:
                cell.number_format = fmt
            if kind == "header":
                cell.font = Font(bold=True)
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = Border(bottom=THIN)
            elif kind == "section":
                cell.font = SECTION_FONT
            elif kind == "title":
                cell.font = TITLE_FONT
            elif kind == "note":
                cell.font = Font(italic=True, color="555555")
                cell.alignment = Alignment(wrap_text=False, vertical="top")
            elif kind == "wrap":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif kind == "indent":
                cell.alignment = Alignment(indent=2, vertical="top")
            elif kind == "field":
                cell.border = Border(bottom=THIN)
            elif kind == "total":
                cell.font = Font(bold=True)
                cell.border = Border(top=THIN)
            if role:
                cell.font = ROLE_FONTS[role]
            if kind in ("plain", "total", "field"):
                # Top-aligned like wrapped text beside it, so a row reads across.
                cell.alignment = Alignment(vertical="top")
            if quote:
                cell.quotePrefix = True
            style = self._cache[key] = copy.copy(cell._style)
        return style


class Grid:
    """One worksheet written cell by cell, values and formulas kept apart."""

    def __init__(self, ws: Worksheet, styles: Styles):
        self.ws = ws
        self.styles = styles
        self.widths: dict[int, float] = {}
        self.headers: list[tuple[int, int, list[str]]] = []
        self.wrapped: dict[int, list[tuple[int, int]]] = {}
        """Row -> (column, text length) of wrapped text, to size the row for printing."""
        self.header_at: dict[tuple[int, int], str] = {}
        """Header text by cell, to name the inputs below it."""
        self.header_rows: dict[int, list[int]] = {}
        """Column -> rows with a header, ascending (`label_of` finds the one above a cell)."""
        self.inputs: list[tuple[int, int, float, str]] = []
        """(row, column, value, source) of every numeric input written, in order."""

    def _cell(self, r: int, c: int, style):
        # Built directly, sharing one style array per style: Worksheet.cell() and setting a
        # style afterwards check and look up more than a writer needs (half the build time on
        # a large plan). Because the array is shared, never set a style attribute on a written
        # cell; write the cell again with the style wanted.
        cell = Cell.__new__(Cell)
        cell.parent, cell.row, cell.column = self.ws, r, c
        cell._hyperlink = cell._comment = None
        cell._style = style
        self.ws._cells[(r, c)] = cell
        return cell

    def put(self, r: int, c: int, value, fmt: str | None = None, kind: str = "plain",
            is_input: bool = False, role: str | None = None, source: str = ""):
        """A value: number, bool or text (text is never a formula). None leaves it empty.

        `is_input` (or role "input") marks an input and logs it with its `source` for the
        sign-off sheet; role "solved" a decision or result as solved; role "label" an index.
        """
        quote = False
        data_type = "n"
        if value is None:
            pass
        elif isinstance(value, bool | np.bool_):
            value, data_type = bool(value), "b"
        elif isinstance(value, int | float) or hasattr(value, "dtype"):
            v = float(value)
            if math.isnan(v) or math.isinf(v):
                value = None
            else:
                value = int(v) if v.is_integer() and abs(v) < 2**53 else v
        else:
            value, data_type = clean_text(str(value)), "s"
            quote = value.startswith(UNSAFE_START)
        if kind == "header" and data_type == "s":
            if (r, c) not in self.header_at:
                bisect.insort(self.header_rows.setdefault(c, []), r)
            self.header_at[(r, c)] = value
        elif kind == "wrap" and data_type == "s":
            self.wrapped.setdefault(r, []).append((c, len(value)))
        if is_input or role == "input":
            is_input = True
            if data_type == "n" and value is not None:
                self.inputs.append((r, c, value, source))
        cell = self._cell(r, c, self.styles.get(kind, fmt, is_input, quote, role))
        cell._value, cell.data_type = value, data_type
        return cell

    def note_lines(self, r: int, text: str, width: int = 110) -> int:
        """A long note from row `r` in column A, one printed line a row (a note cell is not
        wrapped, and one long line runs off the page); the row after it."""
        for line in textwrap.wrap(text or "", width):
            self.put(r, 1, line, kind="note")
            r += 1
        return r

    def f(self, r: int, c: int, formula: str, fmt: str | None = None, kind: str = "plain"):
        """A formula tco composed (must start with '=')."""
        cell = self._cell(r, c, self.styles.get(kind, fmt, False, False))
        cell._value, cell.data_type = formula, "f"
        return cell

    def label_of(self, r: int, c: int) -> str:
        """What an input is: its row's name and the header of its column, read up the sheet."""
        row = self.ws._cells.get((r, 1))
        name = str(row.value) if row is not None and row.value is not None and c != 1 else ""
        rows = self.header_rows.get(c, [])
        above = bisect.bisect_left(rows, r) - 1  # the nearest header row above r
        head = self.header_at[(rows[above], c)] if above >= 0 else ""
        if head in ("Value", "") or not name:
            return name or head
        return f"{name}: {head}"

    def header(self, r: int, c: int, labels: list[str], widths: list[float] | None = None):
        """A header row; widths (characters) per column when given."""
        for i, label in enumerate(labels):
            self.put(r, c + i, label, kind="header")
            if widths:
                self.width(c + i, widths[i])
        self.headers.append((r, c, labels))

    def chart_below(self, chart, r: int) -> None:
        """Place a chart at column A of row r, below the tables above it, starting a new
        printed page so that it is never cut or printed over a table."""
        from openpyxl.worksheet.pagebreak import Break

        if r > 1:
            self.ws.row_breaks.append(Break(id=r - 1))
        self.ws.add_chart(chart, f"A{r}")

    def width(self, c: int, w: float) -> None:
        """Widen column c to at least w characters."""
        self.widths[c] = max(self.widths.get(c, 0), w)

    def finish(self, freeze: str | None = None, filter_ref: str | None = None,
               title_rows: str | None = None) -> None:
        """Widths, frozen panes, filter and print setup.

        Print: landscape on A4 (fits Letter too), the rows above the frozen pane repeated on
        every page; a sheet narrow enough to stay readable on one page width is fitted to it,
        a wider one prints at 60% across pages with its first column repeated.
        """
        for c, w in self.widths.items():
            self.ws.column_dimensions[col(c)].width = w
        for r, c0, labels in self.headers:
            # Wrapped header text needs a taller row (spreadsheets do not grow it on load).
            lines = max((math.ceil(len(str(label)) / max(self.widths.get(c0 + i, 9.0) - 1, 4))
                         for i, label in enumerate(labels) if label), default=1)
            if lines > 1:
                self.ws.row_dimensions[r].height = 15 * min(lines, 4)
        for r, cells in self.wrapped.items():
            # Spreadsheets do not grow a row for wrapped text on load either: without a height
            # the lines print over the next row.
            # Text runs about 15% narrower than the digit-based column width; a word that does
            # not fit moves whole to the next line (about 6 characters lost per line).
            lines = max(math.ceil(n / max(self.widths.get(c, 9.0) * 1.15 - 6, 4))
                        for c, n in cells)
            if lines > 1:
                self.ws.row_dimensions[r].height = 14.5 * min(lines, 30)
        if freeze:
            self.ws.freeze_panes = freeze
        if filter_ref:
            self.ws.auto_filter.ref = filter_ref
        ps = self.ws.page_setup
        ps.orientation = "landscape"
        ps.paperSize = Worksheet.PAPERSIZE_A4
        frozen_row = int(re.sub(r"[A-Z]", "", freeze)) if freeze else 1
        if title_rows is None and frozen_row > 1:
            title_rows = f"1:{frozen_row - 1}"
        if title_rows:
            self.ws.print_title_rows = title_rows
        used = max(self.ws.max_column, 1)
        total = sum(self.widths.get(c, 9.0) for c in range(1, used + 1))
        if total <= PRINT_FIT_CHARS:
            ps.fitToWidth = 1
            ps.fitToHeight = 0
            self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        else:
            ps.scale = 60
            self.ws.print_title_cols = "A:A"
        self.ws.print_options.gridLines = False
        self.ws.page_margins.left = self.ws.page_margins.right = 0.4
        self.ws.page_margins.top = self.ws.page_margins.bottom = 0.9
        self.ws.page_margins.header = self.ws.page_margins.footer = 0.35


def define(wb, name: str, target: str) -> str:
    """Add a workbook-level defined name for `target` (an absolute reference); returns name."""
    wb.defined_names[name] = DefinedName(name, attr_text=target)
    return name


def unique_name(taken: set[str], base: str) -> str:
    """A defined name not yet used: base, base_2, base_3, ..."""
    name, k = base, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name


def name_column(df: pd.DataFrame) -> str | None:
    """The column naming each row of an analysis table ("strategy" or "name"), if any."""
    for c in ("strategy", "name"):
        if c in df.columns:
            return c
    return None


WORDS = {"usd": "(USD)", "npv": "NPV", "mtok": "1M tokens", "pct": "(%)", "api": "API",
         "gpu": "GPU", "gpus": "GPUs"}
NAMES = {"a": "Strategy", "b": "Against"}


def readable(name: str) -> str:
    """A column name for people: `npv_usd` -> `NPV (USD)`, `cheaper_below` -> `Cheaper below`.

    Names already written for people (with a space) are kept.
    """
    name = str(name)
    if name in NAMES:
        return NAMES[name]
    if " " in name:
        return name
    words = [WORDS.get(w.lower(), w) for w in re.split(r"[_. ]", name)]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def write_frame(g: Grid, r: int, df: pd.DataFrame, role: str = "solved") -> int:
    """A DataFrame as a header row and value rows (text stays text); returns the next row.

    Numbers carry `role` (by default: figures as solved by an analysis run); headers are
    made readable.
    """
    labels = [readable(c) for c in df.columns]
    g.header(r, 1, labels)
    for i, c in enumerate(labels, start=1):
        g.width(i, max(12, min(40, len(c) + 2)))
    for row in df.itertuples(index=False):
        r += 1
        for c, (name, v) in enumerate(zip(df.columns, row), start=1):
            v, fmt = cell_value(name, v)
            g.put(r, c, v, fmt, role=role if fmt else None)
    return r + 1


def cell_value(name: str, v):
    """(value, number format or None) of one field of a results table named `name`: yes/no for
    booleans, text for lists, None for missing, the format the name implies for numbers."""
    if isinstance(v, bool | np.bool_):
        return ("yes" if v else "no"), None  # LibreOffice printed a styled TRUE as "1"
    if isinstance(v, list | tuple):
        # a list of scales or names, as a controller reads it: "0.01, 0.0178", or "none"
        return (", ".join(map(str, v)) if len(v) else "none"), None
    if isinstance(v, dict):
        return str(v), None
    if v is not None and not isinstance(v, str) and pd.isna(v):
        return None, None
    if isinstance(v, int | float | np.number):
        low = str(name).lower()
        return v, (USD_CENTS if "per_mtok" in low or "per_1k" in low
                   else USD if "usd" in low
                   # a MIP gap or a relative tolerance is a fraction: 0.0003 is 0.03%, not
                   # "0.00" (a break-even's gap read as none)
                   else SHARE if low.endswith(("gap", "rtol"))
                   # requests and tokens are counted whole (5,000,000 a month, not 5,000,000.00)
                   else COUNT if low.startswith(("requests", "tokens")) else NUMBER)
    return v, None
