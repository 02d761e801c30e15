"""Reports: results.json and CSVs, the Excel workbook, the HTML page.

Only this package writes files.
"""
