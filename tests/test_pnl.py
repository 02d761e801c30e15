"""The P&L view beside cash (tco.pnl): capex turned into straight-line depreciation over the
tax life from delivery, opex as incurred.

Numbers (tests/test_lead_times.py): 4 quarters, one GPU needed each quarter, on demand $6,570
a quarter, a $10,000 purchase with a 2-year life and a lead time of 1: bought in 2027Q1,
serving 2027Q2-Q4, the first quarter rented on demand. No discounting.
"""

from __future__ import annotations

import json

import pytest
from engine_helpers import model, resolve_plain, scenario, workload

from tco.pipeline import plan
from tco.report.html import render_html
from tco.report.results_json import results_dict
from tco.run import RunResult


def _bought(tax_life=None):
    gpu = {"name": "g", "on_demand_usd_per_hour": 3.0, "lead_time_periods": 1,
           "purchase": {"price_usd": 10_000, "life_years": 2}}
    finance = {"discount_rate": 0.0}
    if tax_life is not None:
        finance["tax_life_years"] = tax_life
    s = scenario(workloads=[workload(rpm=1e7, latency="batch", residency="self_hosted")],
                 gpus=[gpu], open_models=[model()], capacity={"utilization_target": 1.0},
                 finance=finance)
    return s, plan(s, resolve_plain(s))


@pytest.mark.parametrize("tax_life, dep", [
    (None, 1_250.0),  # the GPU's own 2-year life: 10,000 / 8 quarters from 2027Q2
    (1, 2_500.0),     # a 1-year tax life: 10,000 / 4 quarters from 2027Q2
])
def test_capex_becomes_depreciation_from_delivery(tax_life, dep):
    s, sol = _bought(tax_life)
    p = sol["pnl"].sort_values("t")
    assert list(p.capex_usd) == [10_000, 0, 0, 0]
    assert list(p.opex_usd) == pytest.approx([6_570, 0, 0, 0])
    assert list(p.depreciation_usd) == pytest.approx([0, dep, dep, dep])
    assert list(p.pnl_cost_usd) == pytest.approx([6_570, dep, dep, dep])
    assert list(p.cash_spent_usd) == pytest.approx([16_570, 0, 0, 0])
    # Book value left at the end: 10,000 - 3 x dep (6,250 or 2,500).
    assert p.capex_usd.sum() - p.depreciation_usd.sum() == pytest.approx(10_000 - 3 * dep)
    # The cash view still carries the end-of-horizon credit; the P&L does not spend it.
    run = RunResult(scenario=s, resolved=resolve_plain(s), solution=sol)
    out = json.loads(json.dumps(results_dict(run)))
    assert [r["depreciation_usd"] for r in out["pnl"]] == pytest.approx([0, dep, dep, dep])
    html = render_html(run)
    assert "Cash flow and P&amp;L" in html and f"{10_000 - 3 * dep:,.0f}" in html


def test_opex_is_every_cash_category_spent_in_the_period():
    # Opex + capex = the cash of each period less the end-of-horizon credit (residual value).
    s, sol = _bought()
    c, p = sol["costs"], sol["pnl"]
    for t in range(4):
        per = c[(c.t == t) & c.cash & (c.category != "gpu_residual")]
        assert p.loc[p.t == t, "cash_spent_usd"].iat[0] == pytest.approx(per.usd.sum())
