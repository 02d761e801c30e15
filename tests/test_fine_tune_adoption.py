"""Fine-tunes adopted when they pay: first trained in any period, retrained from adoption.

Numbers (tests/test_engine_costs.py's fine-tune): the base API costs $8,400 a quarter at 1e6
requests a month; the fine-tune halves the prompt and is priced $1/$4, saving $5,700 a quarter
per 1e6 requests a month (proportional to volume). No discounting.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan


def _growing(training=10_000, every=3):
    # 5 quarters; demand 1e5 a month in the first, 1e6 a month afterwards. Base API:
    # 840 + 4 x 8,400 = 34,440. Savings: 570 in the first quarter, 5,700 in each later one.
    a = api("a/x", 2.0, 8.0, fine_tuned_price={"input_usd_per_mtok": 1.0,
                                               "output_usd_per_mtok": 4.0})
    ft = {"name": "ft", "base": "a/x", "workloads": ["w"], "training_cost_usd": training,
          "retrain_every_periods": every, "input_token_reduction": 0.5}
    return scenario(workloads=[workload(rpm=[1e5] + [1e6] * 4)], apis=[a], fine_tunes=[ft],
                    horizon={"periods": 5})


def test_fine_tune_adopted_when_it_pays_and_retrained_from_adoption():
    # Training $10,000, retrained every 3 quarters, counted from adoption:
    #   adopt t=0: trained t=0, 3 (20,000), saves 570 + 4 x 5,700 = 23,370 -> net 3,370
    #   adopt t=1: trained t=1, 4 (20,000), saves 22,800                   -> net 2,800
    #   adopt t=2: trained t=2 (t=5 is past the horizon), saves 17,100     -> net 7,100
    #   adopt t=3: trained t=3, saves 11,400                               -> net 1,400
    # Adopt in 2027Q3: 34,440 - 17,100 + 10,000 = 27,340. Trained only at the horizon start
    # (the old rule) it would be 34,440 - 3,370 = 31,070.
    sol = plan(_growing(), resolve_plain(_growing()))
    ft = sol["fine_tunes"].iloc[0]
    assert bool(ft.trained) and ft.adopted_t == 2 and ft.adopted_period == "2027Q3"
    c = sol["costs"]
    assert list(c[c.category == "fine_tuning"].sort_values("t").usd) == [0, 0, 10_000, 0, 0]
    a = sol["allocation"]
    assert set(a[a.t < 2].option) == {"api:a/x"}
    assert set(a[a.t >= 2].option) == {"ft:ft@a/x"}
    assert sol.npv_usd == pytest.approx(27_340)


def test_fine_tune_that_never_pays_is_not_adopted():
    # Training $30,000 once: the best adoption (t=0) saves 23,370 < 30,000.
    s = _growing(training=30_000, every=None)
    sol = plan(s, resolve_plain(s))
    assert not bool(sol["fine_tunes"].iloc[0].trained)
    assert sol.npv_usd == pytest.approx(34_440)
