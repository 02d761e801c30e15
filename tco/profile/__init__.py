"""`tco profile`: measure workloads from request logs (readers in formats.py and read.py,
statistics in stats.py, the scenario fragment in workloads.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tco.profile.read import FIRST_BAD, Aggregates, LogError, read_log, sniff
from tco.profile.stats import monthly_actuals, profile_table

__all__ = ["LogError", "Profile", "profile_logs"]


@dataclass
class Profile:
    """Statistics per group, the monthly actuals and what was read."""

    table: pd.DataFrame
    monthly: pd.DataFrame
    parts: list[Aggregates]
    sample_rate: float

    @property
    def lines(self) -> int:
        """Non-blank lines read over every log."""
        return sum(p.rows for p in self.parts)

    @property
    def malformed(self) -> int:
        """Malformed lines over every log."""
        return sum(p.malformed for p in self.parts)


def malformed_report(parts: list[Aggregates]) -> str:
    """Counts per file and the first line numbers with why, one a line."""
    out = []
    for p in parts:
        if not p.malformed:
            continue
        share = p.malformed / p.rows if p.rows else 1.0
        out.append(f"{p.file}: {p.malformed} malformed line{'s' if p.malformed != 1 else ''} "
                   f"of {p.rows} ({share:.3%}); first {min(FIRST_BAD, p.malformed)}:")
        out += [f"{p.file}:{n}: {why}" for n, why in p.bad_lines]
    return "\n".join(out)


def profile_logs(paths: list[Path], *, group_by: str | None = None, fmt: str | None = None,
                 sample_rate: float = 1.0, allow_malformed: float = 0.0,
                 threads: int | None = None) -> Profile:
    """Read every log and compute the per-group statistics.

    Malformed lines are always counted and located; when their share over all logs exceeds
    `allow_malformed` (default 0: any) LogError (exit 2) is raised with the report, else the
    profile goes on without them and the caller shows the report.
    """
    group = tuple(group_by.split(".")) if group_by else None
    parts = []
    for path in paths:
        if not path.is_file():
            raise LogError(f"{path}: no such file (expected a request log)")
        parts.append(read_log(path, fmt=sniff(path, fmt), group=group, threads=threads))
    rows = sum(p.rows for p in parts)
    bad = sum(p.malformed for p in parts)
    if bad and (rows == 0 or bad / rows > allow_malformed):
        limit = ("any malformed line stops the profile" if allow_malformed == 0 else
                 f"more than --allow-malformed {allow_malformed:g} of lines")
        raise LogError(f"{malformed_report(parts)}\n{bad} malformed line{'s' if bad != 1 else ''}"
                       f" in {rows} ({limit}; fix the lines or pass --allow-malformed SHARE "
                       "to profile without them)")
    if rows - bad == 0:
        raise LogError(", ".join(str(p) for p in paths) + ": no request in the logs")
    return Profile(profile_table(parts, sample_rate), monthly_actuals(parts, sample_rate),
                   parts, sample_rate)
