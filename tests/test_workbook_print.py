"""The workbook printed: every sheet on A4 landscape pages with headers, footers and page
numbers, and no chart over a used cell range.

One LibreOffice run prints the rich workbook to PDF; pdftotext reads the pages back (each
page's header names its sheet). Without LibreOffice or pdftotext the tests are skipped, except
on CI (env CI=true), where .ci/run installs both and a skip would hide a failure.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_workbook import rich_scenario, run_of

from tco.report.workbook import SHEETS, write_workbook
from tco.report.workbook.recalc import recalculate, soffice

MAX_PAGES = {"Summary": 3, "Sign-off": 4, "Method": 2, "Unit economics": 1, "Strategies": 3,
             "Capacity": 4, "Costs": 6}
"""Most pages each sheet may take for the rich test scenario (6 quarters, 4 workloads). The
Summary: headline, cost per year and 13 orders on one or two pages, its chart on its own."""


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    missing = [b for b, found in (("soffice", soffice()), ("pdftotext", shutil.which("pdftotext")))
               if not found]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{', '.join(missing)} required on CI: .ci/run installs them")
        pytest.skip(f"{', '.join(missing)} not installed: the workbook cannot be printed here")
    run = run_of(rich_scenario())
    run.strategies = pd.DataFrame({
        "strategy": ["api_only", "api_batch_cache", "self_host_only", "hybrid"],
        "status": ["ok", "ok", "infeasible", "ok"],
        "npv_usd": [run.solution.npv_usd + 9e3, run.solution.npv_usd + 4e3, None,
                    run.solution.npv_usd],
        # as long as a real explanation: it once made its row pages tall
        "reason": ["", "", "strategy 'self_host_only': no feasible plan.\n"
                   "workload 'chat' has no option left (task chat, min_quality 80, latency "
                   "interactive, residency any): 31 candidates removed\n"
                   "  - 24 candidates: score below the minimum 80 (best 79): "
                   "self:llama-3.1-8b@l40s-48gb/interactive, "
                   "self:llama-3.1-8b@a100-80gb/interactive and 22 more\n"
                   "  - 7 candidates: strategy self_host_only excludes api: "
                   "api:openai/gpt-4.1, api:openai/gpt-4.1-mini and 5 more\n"
                   "  to fix: lower min_quality or add a better-scoring model", ""]})
    run.curves = pd.DataFrame([(s, k, 1000.0 * k * (i + 1)) for i, s in
                               enumerate(["api_only", "hybrid"]) for k in (0.5, 1.0, 2.0)],
                              columns=["strategy", "scale", "npv_usd"])
    d = tmp_path_factory.mktemp("print")
    xlsx = write_workbook(run, d / "plan.xlsx")
    (pdf,) = recalculate([xlsx], d / "pdf", fmt="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    return {"run": run, "xlsx": xlsx, "pages": pages}


def _sheet_of(page: str) -> str | None:
    """The sheet a printed page belongs to: the header's centre names it."""
    head = next((line for line in page.splitlines() if line.strip()), "")
    found = [s for s in SHEETS if f" {s} " in f" {head} "]
    return max(found, key=len) if found else None


def test_every_sheet_prints_with_headers_footers_and_a_sane_page_count(printed):
    pages, run = printed["pages"], printed["run"]
    counts: dict[str, int] = {}
    for i, page in enumerate(pages, start=1):
        sheet = _sheet_of(page)
        assert sheet is not None, f"page {i} has no header naming its sheet"
        counts[sheet] = counts.get(sheet, 0) + 1
        head = next(line for line in page.splitlines() if line.strip())
        assert run.scenario.name in head and "solved 20" in head, head
        if getattr(run, "run_id", None):
            assert f"run {run.run_id}" in head, head
        assert f"Page {i} of {len(pages)}" in page, f"page {i} has no page number"
    assert set(counts) == set(SHEETS), counts
    for sheet, most in MAX_PAGES.items():
        assert counts[sheet] <= most, (sheet, counts[sheet])
    # Headers are words, not snake_case identifiers.
    summary = "\n".join(p for p in pages if _sheet_of(p) == "Summary")
    assert "Saved against the best single-mode strategy" in summary
    assert "npv_usd" not in summary and "savings_vs_best_single" not in summary


def _extent(ws, first: int, size_cm: float, kind: str) -> int:
    """Rows (or columns) a chart of `size_cm` covers from 0-based index `first`."""
    n, used = first, 0.0
    while used < size_cm:
        n += 1
        if kind == "row":
            h = ws.row_dimensions[n].height or 15.0  # points
            used += h / 72 * 2.54
        else:
            from openpyxl.utils import get_column_letter

            w = ws.column_dimensions[get_column_letter(n)].width or 8.43  # characters
            used += (w * 7 + 5) / 96 * 2.54
    return n


def test_no_chart_covers_a_used_cell(printed):
    wb = load_workbook(printed["xlsx"])
    charts = 0
    for ws in wb.worksheets:
        for chart in ws._charts:
            charts += 1
            a = chart.anchor._from
            r0, c0 = a.row + 1, a.col + 1
            r1 = _extent(ws, a.row, chart.height, "row")
            c1 = _extent(ws, a.col, chart.width, "col")
            used = [c.coordinate for row in ws.iter_rows(min_row=r0, max_row=r1, min_col=c0,
                                                         max_col=c1)
                    for c in row if c.value not in (None, "")]
            assert not used, f"{ws.title}: chart at {a.row + 1},{a.col + 1} covers {used[:5]}"
            assert math.isfinite(r1)
    assert charts >= 4  # Summary, Costs, Strategies side by side, cost versus volume
