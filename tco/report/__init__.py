"""Reports: results.json and CSVs, the Excel workbook, the HTML page.

Only this package writes files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import SubprocessError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tco.run import RunResult


def write_report_set(run: RunResult, folder: str | Path,
                     warn: Callable[[str], None] | None = None) -> list[Path]:
    """Write every report of `run` into `folder` (results.json, CSVs, plan.xlsx, report.html).

    `tco run` calls this on a temporary folder that tco.report.run_folder swaps in whole.
    When LibreOffice fails to compute the workbook's cached values, the workbook is written
    without them (its formulas are the same) and `warn` is told why.
    """
    from tco.report.html import write_html
    from tco.report.results_json import write_results
    from tco.report.workbook import write_workbook

    folder = Path(folder)
    written = write_results(run, folder)
    # Cached results in every formula cell (readers that do not calculate, such as pandas and
    # file previews, then see numbers): computed in Python, or by LibreOffice for a formula
    # Python does not evaluate (tco.report.workbook.cached).
    try:
        written.append(write_workbook(run, folder / "plan.xlsx", cached_values=True))
    except (RuntimeError, SubprocessError) as e:  # LibreOffice crashed or timed out (recalc)
        written.append(write_workbook(run, folder / "plan.xlsx"))
        if warn is not None:
            warn("plan.xlsx is written without cached values (readers that do not calculate "
                 f"see empty cells): {str(e).splitlines()[0]}")
    written.append(write_html(run, folder / "report.html"))
    from tco.report.html import plotly_file_name

    written.append(folder / plotly_file_name())  # the page's shared script, beside it
    if getattr(run, "variance", None) is not None:  # the previous plan against actuals
        from tco.report.atomic import write_atomic

        table = run.variance.table
        written.append(write_atomic(folder / "variance.csv",
                                    lambda p: table.to_csv(p, index=False)))
    return written
