"""Cached results in the formula cells, so file previews, pandas and other readers see numbers.

openpyxl writes formulas without results. `add_cached_values` computes each formula's result
and writes it into the file's sheet XML as the cell's cached value (`<v>`), leaving everything
else byte for byte as tco wrote it (styles, names, charts, print setup). The results come from
tco.report.workbook.formulas (Python, about a second for the enterprise example's 4,800
formulas) when it can evaluate every formula of the workbook; otherwise from LibreOffice, when
it is installed (`recalc.recalculate`: a headless recalculation of a copy, about 4 s).
Spreadsheet applications still recalculate on open (`fullCalcOnLoad`); readers that do not
calculate (pandas, openpyxl with `data_only=True`, previews) read the cached value. With
neither, the file keeps its formulas without cached values.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import load_workbook

from tco.report.workbook import formulas
from tco.report.workbook.recalc import recalculate, soffice

_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f><v ?/>(?:</v>)?</c>', re.S)
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def available() -> bool:
    """Whether LibreOffice is installed, to compute what tco.report.workbook.formulas cannot."""
    return soffice() is not None


def add_cached_values(path: Path, wb=None) -> int:
    """Write every formula's result into `path` as its cached value; returns cells filled.

    `wb`: the openpyxl workbook `path` was saved from, whose formulas are evaluated in Python;
    LibreOffice recalculates the file when that is not possible (without `wb`, or a formula
    tco.report.workbook.formulas does not evaluate). Without LibreOffice then, nothing is
    filled."""
    path = Path(path)
    values = None
    if wb is not None:
        try:
            values = formulas.results(wb)
        except Exception:  # noqa: BLE001 - Unsupported, or a case the evaluator gets wrong:
            values = None  # LibreOffice's answer is then the one to trust
    if values is None:
        if not available():
            return 0
        values = _recalculated(path)
    filled = 0
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zin:
        names = _sheet_files(zin)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                sheet = names.get(item.filename)
                if sheet is not None:
                    data, n = _fill(data.decode("utf-8"), values.get(sheet, {}))
                    data = data.encode("utf-8")
                    filled += n
                zout.writestr(item, data)
    path.write_bytes(out.getvalue())
    return filled


def _recalculated(path: Path) -> dict[str, dict[str, object]]:
    """{sheet: {coordinate: value}} of a copy of `path` recalculated by LibreOffice."""
    with tempfile.TemporaryDirectory(prefix="tco-cache-") as tmp:
        src = Path(tmp) / "in" / "plan.xlsx"
        src.parent.mkdir()
        shutil.copyfile(path, src)
        (computed,) = recalculate([src], Path(tmp) / "out")
        wb = load_workbook(computed, data_only=True, read_only=True)
        values = {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                             if c.value is not None and hasattr(c, "coordinate")}
                  for ws in wb.worksheets}
        wb.close()
    return values


def _sheet_files(z: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each worksheet -> its sheet name (from workbook.xml and its rels)."""
    wbxml = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    target = {m.group(1): m.group(2) for m in
              re.finditer(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
    target.update({m.group(2): m.group(1) for m in
                   re.finditer(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    out = {}
    for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wbxml):
        t = target.get(m.group(2), "")
        t = t.lstrip("/")
        out[t if t.startswith("xl/") else f"xl/{t}"] = _unescape(m.group(1))
    return out


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
        .replace("&apos;", "'").replace("&amp;", "&")


def _fill(xml: str, values: dict) -> tuple[str, int]:
    n = 0

    def cell(m: re.Match) -> str:
        nonlocal n
        coord, attrs, formula = m.group(1), m.group(2), m.group(3)
        v = values.get(coord)
        attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
        if v is None:
            return m.group(0)
        n += 1
        if isinstance(v, bool):
            return f'<c r="{coord}"{attrs} t="b"><f>{formula}</f><v>{int(v)}</v></c>'
        if isinstance(v, int | float):
            if math.isnan(v) or math.isinf(v):
                return m.group(0)
            return f'<c r="{coord}"{attrs}><f>{formula}</f><v>{repr(float(v))}</v></c>'
        text = str(v)
        kind = "e" if text in ERRORS else "str"
        return f'<c r="{coord}"{attrs} t="{kind}"><f>{formula}</f><v>{escape(text)}</v></c>'

    return _CELL.sub(cell, xml), n
