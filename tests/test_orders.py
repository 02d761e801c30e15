"""One list of orders: what `tco run` prints (tco.orders, first period) is what the workbook's
Summary lists for that period, and the Summary's quantities are formulas that read the counts
the list gives from the Capacity sheet, for every period."""

from __future__ import annotations

import re

import pytest
from test_workbook import book, rich, rich_scenario, run_of  # noqa: F401  (fixtures)

from tco.orders import assets_of, orders

REF = re.compile(r"'(?P<sheet>[^']+)'!\$(?P<col>[A-Z]+)\$(?P<row>\d+)")


def _value(wb, formula: str) -> float:
    """A quantity formula the Summary writes (=REF, =REF-REF, =-(REF-REF)) over solved cells."""
    def cell(m):
        return repr(float(wb[m["sheet"]][f"{m['col']}{m['row']}"].value or 0))

    expr = REF.sub(cell, formula[1:])
    assert re.fullmatch(r"[-+() .0-9e]+", expr), formula
    return eval(expr)  # arithmetic on numbers only, checked above


def _summary_rows(wb):
    ws = wb["Summary"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Order")
    return [tuple(ws.cell(r, c).value for c in (1, 2, 3, 4))
            for r in range(head + 1, ws.max_row + 1) if ws.cell(r, 4).value]


def test_workbook_orders_are_the_printed_orders(rich, book):  # noqa: F811
    sol = rich.solution
    table = orders(sol.tables, assets_of(rich), sol.periods, t=None)
    rows = _summary_rows(book)
    assert len(rows) == len(table) > 0
    kinds = set(table["order"])
    assert {"buy", "reserve_3y", "rent", "hire", "train", "route", "move"} <= kinds, kinds
    for (text, qty, cost, period), o in zip(rows, table.itertuples(index=False), strict=True):
        assert period == o.period and str(o.what) in text
        assert cost == pytest.approx(o.cost_usd)
        if not isinstance(o.source, str):
            assert qty is None
        else:  # the count is read from the Capacity sheet, not typed in
            assert qty.startswith("=") and _value(book, qty) == pytest.approx(o.count)
    # what `tco run` prints is the first period of the same list
    first = orders(sol.tables, assets_of(rich), sol.periods)
    def key(df):
        return [(r.order, r.what, r.count if r.count == r.count else None, round(r.cost_usd, 6))
                for r in df.itertuples(index=False)]

    assert key(first) == key(table[table.t == 0])
    assert [r[2] for r in rows if r[3] == sol.periods[0]] == pytest.approx(list(first.cost_usd))


def test_fewer_engineers_is_a_release_order():
    """Hired engineers falling from 2 to 1 between periods is an order too (count 1, no cost)."""
    import pandas as pd

    tables = {"fleet": pd.DataFrame(columns=["t", "gpu", "bought", "reserved_1y_new",
                                             "reserved_3y_new", "on_demand"]),
              "staffing": pd.DataFrame({"t": [0, 1], "engineers_hired": [2, 1]}),
              "allocation": pd.DataFrame(columns=["t", "workload", "option", "share",
                                                  "api_cost_usd"])}
    o = orders(tables, {"engineer_usd_per_year": 1e5}, ["2027Q1", "2027Q2"], t=None)
    assert list(zip(o.order, o["count"], o.cost_usd)) == [("hire", 2, 2e5), ("release", 1, 0.0)]


def test_printed_orders_at_80_columns_never_cut_an_option_name():
    # `make run` printed "api:anthropic/c…" in the orders: at 80 columns the route's option and
    # its provider's model were cut. Folded, the whole name is on screen.
    from io import StringIO

    import pandas as pd
    from rich.console import Console

    from tco.orders import print_orders

    option = "api:anthropic/claude-sonnet-4-5@a-very-long-deployment-name"
    tables = {"fleet": pd.DataFrame(columns=["t", "gpu", "bought", "reserved_1y_new",
                                             "reserved_3y_new", "on_demand"]),
              "staffing": pd.DataFrame({"t": [0], "engineers_hired": [0]}),
              "allocation": pd.DataFrame({"t": [0], "workload": ["contract-extraction"],
                                          "option": [option], "share": [1.0],
                                          "api_cost_usd": [12_251.0]})}
    out = StringIO()
    print_orders(Console(file=out, width=80), orders(tables, {}, ["2027Q1"], t=0))
    text = out.getvalue()
    assert "…" not in text
    columns: dict[int, str] = {}  # each column's folded pieces, joined in order
    for line in text.splitlines():
        for i, part in enumerate(line.split("│")[1:-1]):
            columns[i] = columns.get(i, "") + part.strip()
    # at 80 columns the note (the option) is the second line of `what`
    assert any(c.startswith("contract-extraction" + option) for c in columns.values())


def test_printed_orders_keep_the_notes_words_whole_at_80_columns_and_a_column_when_wide():
    # At 80 columns the note column was 9 characters: "commitmen|t", "code-helpe|r". Now the
    # note goes under its `what`, wrapped at spaces; a wide terminal keeps it in its column.
    # Unit prices of 1,000 USD and more are whole dollars (a salary), below keep cents.
    from io import StringIO

    import pandas as pd
    from rich.console import Console

    from tco.orders import print_orders

    table = pd.DataFrame({
        "period": ["2027Q1"] * 3, "order": ["reserve_3y", "hire", "route"],
        "what": ["h100-80gb", "platform engineer", "nightly-summaries"],
        "count": [1, 2, None], "unit_usd": [2.0, 250_000.0, None],
        "cost_usd": [52_429.0, 500_000.0, 0.0], "ends": ["2029Q4", None, None],
        "note": ["USD per GPU-hour; whole 3y commitment", "USD per year each",
                 "self:gpt-oss-20b@h100-80gb/batch 100%"]})
    for width in (80, 140):
        out = StringIO()
        print_orders(Console(file=out, width=width), table)
        text = out.getvalue()
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= width
        assert "commitment" in text and "nightly-summaries" in text and "platform engineer" in text
        assert "250,000 " in text and "2.00 " in text and "250,000.00" not in text
        header = next(line for line in lines if "order" in line)
        assert ("note" in header) == (width == 140)
        if width == 140:
            assert "self:gpt-oss-20b@h100-80gb/batch 100%" in text


def test_printed_orders_break_a_long_option_name_after_its_separators():
    # At 80 columns "self:gpt-oss-120b@a100-80gb/interactive" was folded at the column's edge,
    # "a100-80|gb", which reads as two GPUs. It now breaks after a separator that fits; a word
    # with none is folded as before, and nothing is cut.
    from io import StringIO

    import pandas as pd
    from rich.console import Console

    from tco.orders import _wrapped, print_orders

    table = pd.DataFrame({
        "period": ["2027Q1"] * 3, "order": ["reserve_3y", "hire", "route"],
        "what": ["h100-80gb", "platform engineer", "code-helper"], "count": [1, 2, None],
        "unit_usd": [2.0, 250_000.0, None], "cost_usd": [52_429.0, 500_000.0, 0.0],
        "ends": ["2029Q4", None, None],
        "note": ["USD per GPU-hour; whole 3y commitment", "USD per year each",
                 "self:gpt-oss-120b@a100-80gb/interactive 100%"]})
    out = StringIO()
    print_orders(Console(file=out, width=80), table)
    pieces = [line.split("│")[2].strip() for line in out.getvalue().splitlines()
              if line.count("│") > 2]
    i = pieces.index("self:gpt-oss-120b@")
    assert pieces[i + 1].startswith("a100-80gb/interactive")
    assert "a100-80" not in [p.rstrip() for p in pieces]
    # the rule itself: spaces first, then the last separator that fits, then a hyphen, then fold
    assert _wrapped("api:google/gemini-2.5-pro 100%", 25) == "api:google/gemini-2.5-pro\n100%"
    assert _wrapped("self:gpt-oss-20b@h100-80gb/batch 100%", 25) == \
        "self:gpt-oss-20b@\nh100-80gb/batch 100%"
    assert _wrapped("abcdefghij-klmnopqrstuvwxyz", 14) == "abcdefghij-\nklmnopqrstuvwx\nyz"
    assert _wrapped("abcdefghijklmnopqrstuvwxyz", 12) == "abcdefghijkl\nmnopqrstuvwx\nyz"
    assert _wrapped("short", 12) == "short" and _wrapped("a-long-name-here", 8) == \
        "a-long-name-here"  # under 12 columns: left to Rich
