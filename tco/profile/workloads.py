"""The scenario fragment `tco profile --out` writes: one workload block per group.

The file holds only what the logs measure (volume, growth, tokens, cache, peak); a scenario
that `extends:` it names the same workloads and adds what logs cannot know (task, latency,
min_quality, residency): lists of named items merge by name. The model in use, the p95 token
counts and the months read are written as comments beside each block.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd


def _num(v: float, digits: int) -> str:
    r = round(float(v), digits)
    return str(int(r)) if r == int(r) else f"{r:.{digits}f}".rstrip("0")


def workloads_yaml(table: pd.DataFrame, files: list[str], lines: int, malformed: int,
                   sample_rate: float, group_by: str | None) -> str:
    """YAML text of the workload blocks, with a header saying where the figures come from."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"# Written by `tco profile` on {when} from {len(files)} log"
            f"{'s' if len(files) != 1 else ''} ({lines} lines, {malformed} malformed"
            f"{' and left out' if malformed else ''}), sample rate {sample_rate:g}, grouped by "
            f"{group_by or 'file name'}:"]
    head += [f"#   {f}" for f in files]
    head += ["# Measured figures only: a scenario that `extends:` this file names the same",
             "# workloads and adds task, latency and min_quality (named lists merge by name).",
             "# Statistics are defined in docs/quarterly.md.",
             "workloads:"]
    body = []
    for r in table.itertuples(index=False):
        body += [f"  - name: {json.dumps(str(r.workload))}",
                 f"    # model in use: {r.model}; months {r.first_month} to {r.last_month} "
                 f"({r.months}); p95 tokens: input {_num(r.p95_input_tokens, 0)}, output "
                 f"{_num(r.p95_output_tokens, 0)}",
                 f"    requests_per_month: {_num(r.requests_per_month, 0)}",
                 f"    growth_per_year: {_num(r.growth_per_year, 4)}",
                 f"    input_tokens: {_num(r.input_tokens, 1)}",
                 f"    output_tokens: {_num(r.output_tokens, 1)}",
                 f"    cached_input_share: {_num(r.cached_input_share, 4)}",
                 f"    peak_to_average: {_num(max(1.0, r.peak_to_average), 3)}"]
    return "\n".join(head + body) + "\n"
