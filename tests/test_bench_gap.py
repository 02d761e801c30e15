# ruff: noqa: E501  (HiGHS log lines quoted as HiGHS writes them)
"""The gap-versus-time benchmark reads the full model's run from HiGHS's log, not the runs after it.

When HiGHS stops at its time limit, the rounding's small MIPs (tco.model.bracket) log to the
same file: their bounds are those of restricted models and their clocks start again at 0, so a
"time to gap" read from them claimed gaps the full model never reached.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_gap import first_below, parse_log  # noqa: E402

FULL = """\
        Nodes      |    B&B Tree     |            Objective Bounds              |  Dynamic Constraints |       Work
Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time

 J       0       0         0   0.00%   -inf            390488027.99       Large        0      0      0         0     1.1s
         0       0         0   0.00%   3460035.88      390488027.99      99.11%        0      0      0      1581     2.0s
 L       0       0         0   0.00%   3617995.1       12335435.09       70.67%      418     61    789      2218    15.1s

Solving report
  Status            Time limit reached
"""
SMALL_MIP = """\
 T       0       0         0   0.00%   3679000.0       3679975.12         0.03%        0      0      0         0     0.4s

Solving report
  Status            Optimal
"""


def test_only_the_full_models_run_is_parsed():
    rows = parse_log(FULL + SMALL_MIP)
    assert [r[0] for r in rows] == [1.1, 2.0, 15.1]
    assert rows[-1][1:4] == (3617995.1, 12335435.09, 0.7067)
    # the small MIP's own 0.03% (against its restricted bound) is not a gap the plan holds to
    assert first_below(rows, 0.01) is None
    assert first_below(rows, 0.995) == 2.0
