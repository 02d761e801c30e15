"""`--format table|csv|json` for the commands that print tables: the same rows, for a person
(rich table), a spreadsheet (CSV) or a program (JSON), on standard output.

JSON and CSV carry the raw numbers (no currency signs, no thousands separators); NaN becomes
null (JSON) or an empty cell (CSV); -0.0 is written as 0.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from enum import StrEnum

import numpy as np


class Format(StrEnum):
    """Output format of a command's table."""

    table = "table"
    csv = "csv"
    json = "json"


def clean(value):
    """JSON- and CSV-safe scalars: numpy to Python, NaN/inf to None, -0.0 to 0.0."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value == 0.0:
            return 0.0
    return value


def write(rows: list[dict], fmt: Format, columns: list[str] | None = None, out=None) -> None:
    """Rows as CSV (the columns given, or the first row's keys) or JSON on standard output."""
    out = out or sys.stdout
    rows = [clean(r) for r in rows]
    if fmt == Format.json:
        out.write(json.dumps(rows, indent=2, allow_nan=False) + "\n")
        return
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else
                        json.dumps(r[k]) if isinstance(r.get(k), dict | list) else r[k])
                    for k in columns})
    out.write(buf.getvalue())
