"""Charts shared by several sheets."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference

from tco.model.terms import CATEGORIES
from tco.report.workbook.columns import COSTS
from tco.report.workbook.context import Context


def category_chart(ctx: Context, title: str) -> BarChart:
    """Stacked columns of the Costs sheet's categories per period."""
    ws = ctx.sheets[COSTS].ws
    first, last = ctx.costs_first, ctx.costs_first + ctx.T - 1
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    chart.y_axis.title = "USD"
    chart.x_axis.title = "Period"
    chart.y_axis.numFmt = "#,##0"
    data = Reference(ws, min_col=4, max_col=3 + len(CATEGORIES), min_row=1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 11, 26
    chart.legend.position = "b"
    show_axes(chart)
    return chart


def show_axes(chart) -> None:
    """Axes drawn (openpyxl marks them deleted by default), period labels below the bars."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"
