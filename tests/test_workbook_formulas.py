"""The workbook's formulas evaluated in Python (tco.report.workbook.formulas): Excel's rules on
small cases worked by hand here; every formula of the test workbooks against LibreOffice in
test_workbook_libreoffice.py."""

from __future__ import annotations

import math

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName

from tco.report.workbook import cached, formulas


def _book(cells: dict[str, object], other: dict[str, object] | None = None) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for coord, v in cells.items():
        ws[coord] = v
    o = wb.create_sheet("Other sheet")
    for coord, v in (other or {}).items():
        o[coord] = v
    wb.defined_names["rate"] = DefinedName("rate", attr_text="'Other sheet'!$A$1")
    wb.defined_names["column_b"] = DefinedName("column_b", attr_text="'S'!$B$1:$B$3")
    return wb


def _eval(formula: str, cells: dict | None = None, other: dict | None = None):
    wb = _book({**(cells or {}), "Z99": formula}, other)
    return formulas.results(wb)["S"]["Z99"]


DATA = {"A1": 1.0, "A2": 2.0, "A3": 3.0, "B1": "x", "B2": "y", "B3": "X", "C1": True,
        "C2": None, "C3": "text", "D1": 0.0, "E1": 5.0, "F1": 6.0, "G1": 7.0}


@pytest.mark.parametrize(("formula", "expected"), [
    ("=1+2*3", 7.0),
    ("=-2^2", 4.0),                       # unary minus binds tighter than ^ in Excel
    ("=2^3^2", 64.0),                     # ^ is left-associative
    ("=2^-1", 0.5),
    ("=50%+1", 1.5),
    ('="a"&1&"b"&2.5&TRUE', "a1b2.5TRUE"),
    ("=A1+C2", 1.0),                      # a blank is 0 in arithmetic
    ('=C2=""', True),                     # and "" against text
    ("=C2=0", True),
    ("=C1+1", 2.0),                       # TRUE is 1 in arithmetic
    ('="3"+1', 4.0),                      # numeric text converts
    ('=B1="X"', True),                    # text compares without case
    ('=A1<"a"', True),                    # numbers sort before text
    ("=1/D1", "#DIV/0!"),
    ("=C3*2", "#VALUE!"),
    ("=IF(D1<>0,1/D1,\"none\")", "none"),  # IF evaluates only the branch it takes
    ("=IF(A1>0,\"yes\")", "yes"),
    ("=IF(A1>5,\"yes\")", False),
    ("=ISNUMBER(1/D1)", False),
    ("=ISNUMBER(C1)", False),
    ("=ISNUMBER(A1)", True),
    ("=SUM(A1:C3)", 6.0),                 # ranges: text, booleans and blanks skipped
    ("=SUM(A1,C1,\"2\",TRUE)", 4.0),      # values typed in count, a referenced TRUE not
    ("=MAX(A1:A3)+MIN(A1:A3)", 4.0),
    ("=MAX(B1:B3)", 0.0),
    ("=SUMPRODUCT(A1:A3,A1:A3)", 14.0),
    ("=SUMPRODUCT((B1:B3=\"x\")*A1:A3)", 4.0),   # rows 1 and 3 ("X" matches "x")
    ("=SUMPRODUCT(B1:B3=\"x\")", 0.0),    # booleans themselves count 0 in SUMPRODUCT
    ("=SUMPRODUCT(A1:A2+C1:C2)", 4.0),    # TRUE is 1, a blank 0
    ("=SUMPRODUCT(A1:A3+C1:C3)", "#VALUE!"),  # and text no number
    ("=SUMIFS(A1:A3,B1:B3,\"x\")", 4.0),
    ("=SUMIFS(A1:A3,A1:A3,\">\"&1)", 5.0),
    ("=SUMIFS(A1:A3,A1:A3,\"<=2\",B1:B3,\"<>y\")", 1.0),
    ("=COUNTIF(A1:A3,2)", 1.0),
    ("=COUNTIF(C1:C3,\"\")", 1.0),
    ("=AVERAGEIF(A1:A3,\">=2\")", 2.5),
    ("=COUNT(A1:C3)", 3.0),
    ("=AVERAGE(A1:A3)", 2.0),
    ("=STDEV(A1:A3)", 1.0),
    ("=PERCENTILE(A1:A3,0.25)", 1.5),
    ("=SQRT(A3+1)", 2.0),
    ("=ROUND(2.675,2)", 2.68),            # half away from zero on the decimal written
    ("=ROUND(-2.5,0)", -3.0),
    ("=ROUNDUP(2.01,0)", 3.0),
    ("=INT(-1.5)", -2.0),
    ("=MOD(-1,3)", 2.0),                  # the sign of the divisor
    ("=ABS(-4)", 4.0),
    ("=AND(A1>0,C1)", True),
    ("=AND(A1>1,C1)", False),
    ("=N(C3)+N(C1)+N(A2)", 3.0),
    ("=T(B1)&T(A1)", "x"),
    ("=CHOOSE(2,\"a\",\"b\",\"c\")", "b"),
    ("=SUMPRODUCT((COLUMN(E1:G1)=6)*E1:G1)", 6.0),
    ("=SUMPRODUCT((COLUMN(A1:A3)=1)*A1:A3)", 6.0),  # a 1x1 column number spread down
    ("=rate*2", 0.2),                     # workbook names, quoted sheet names
    ("='Other sheet'!A1+SUM(column_b)", 0.1),
    ("=C2", 0.0),                         # a formula that points at a blank shows 0
])
def test_excel_rules(formula, expected):
    got = _eval(formula, DATA, {"A1": 0.1})
    if isinstance(expected, float):
        assert isinstance(got, float) and math.isclose(got, expected, rel_tol=1e-12), got
    else:
        assert got == expected


def test_formulas_that_use_other_formulas_and_numpy_numbers():
    import numpy as np

    wb = _book({"A1": np.float64(2.0), "A2": np.int64(3), "A3": "=A1*A2", "A4": "=A3+1",
                "A5": np.bool_(True), "A6": "=A5*A4"})
    got = formulas.results(wb)["S"]
    assert got == {"A3": 6.0, "A4": 7.0, "A6": 7.0}


@pytest.mark.parametrize("formula", ["=VLOOKUP(1,A1:B3,2,FALSE)", "=A1:A3", "=SUM(A:A)",
                                     '=SUMIFS(A1:A3,B1:B3,"x*")', "=A1+missing_name"])
def test_what_it_does_not_evaluate_it_says(formula):
    with pytest.raises(formulas.Unsupported):
        _eval(formula, DATA)


def test_circular_references_are_not_evaluated():
    with pytest.raises(formulas.Unsupported):
        formulas.results(_book({"A1": "=A2+1", "A2": "=A1+1"}))


def test_cached_values_without_libreoffice(tmp_path, monkeypatch):
    # The results reach the file from Python, so a machine without LibreOffice gets them too,
    # and LibreOffice is not started for a workbook Python evaluates whole.
    monkeypatch.setattr(cached, "available", lambda: False)
    monkeypatch.setattr(cached, "recalculate", lambda *a, **k: pytest.fail("LibreOffice run"))
    wb = _book({"A1": 2.0, "A2": "=A1*3", "A3": '=IF(A2>5,"big","small")', "A4": "=1/0"})
    path = tmp_path / "b.xlsx"
    wb.save(path)
    assert cached.add_cached_values(path, wb) == 3
    ws = load_workbook(path, data_only=True)["S"]
    assert (ws["A2"].value, ws["A3"].value, ws["A4"].value) == (6, "big", "#DIV/0!")
    assert load_workbook(path)["S"]["A2"].value == "=A1*3"  # the formula itself stays


def test_a_formula_python_does_not_evaluate_goes_to_libreoffice(tmp_path, monkeypatch):
    wb = _book({"A1": 2.0, "A2": "=VLOOKUP(2,A1:A1,1,FALSE)"})
    path = tmp_path / "b.xlsx"
    wb.save(path)
    asked = []
    monkeypatch.setattr(cached, "available", lambda: True)
    monkeypatch.setattr(cached, "_recalculated",
                        lambda p: asked.append(p) or {"S": {"A2": 2}})
    assert cached.add_cached_values(path, wb) == 1
    assert asked == [path]
    assert load_workbook(path, data_only=True)["S"]["A2"].value == 2
    # and without LibreOffice the file keeps its formulas without results
    monkeypatch.setattr(cached, "available", lambda: False)
    wb.save(path)
    assert cached.add_cached_values(path, wb) == 0


def same_as_libreoffice(path, lo_book) -> int:
    """Assert that every formula of the workbook at `path`, evaluated in Python, gives what
    LibreOffice computed (`lo_book`: its recalculated copy, read with data_only=True);
    returns the number of formulas compared."""
    checked = 0
    for sheet, cells in formulas.results(load_workbook(path)).items():
        for coord, v in cells.items():
            want = lo_book[sheet][coord].value
            where = f"{path.name} {sheet}!{coord}"
            if isinstance(v, float):
                assert isinstance(want, int | float) and not isinstance(want, bool), where
                assert v == pytest.approx(want, rel=1e-9, abs=1e-9), where
            elif v == "":
                assert want in ("", None), where
            else:
                assert v == want, where
            checked += 1
    return checked
