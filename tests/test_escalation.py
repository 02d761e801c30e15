"""Escalation of salaries, electricity and facility prices, applied by the engine's costs."""

from __future__ import annotations

import pytest
from engine_helpers import model, resolve_plain, scenario, workload

from tco.pipeline import plan


def _scenario(**esc):
    # One workload that must stay on our GPUs: 3e7 x 3 requests x (500 / 1e4 + 50 / 1e3) s
    # = 2,500 replica-hours a quarter > 0.7 x 2,190: two replicas of m on g_own, the existing
    # GPU and one the plan buys (no rental offered); one engineer hired (a team of 2), one
    # already employed (committed).
    return scenario(
        horizon={"start": "2027Q1", "periods": 8, "period": "quarter"},
        finance={"discount_rate": 0.0, "escalation_per_year": esc},
        workloads=[workload("w", rpm=3e7, inp=500, out=50, residency="self_hosted")],
        open_models=[model("m", "g_own", quality=85)],
        gpus=[{"name": "g_own", "purchase": {"price_usd": 10000, "life_years": 4,
                                             "power_kw": 1.0, "facility_usd_per_kw_month": 100,
                                             "electricity_usd_per_kwh": 0.1, "pue": 1.5}}],
        staffing={"platform_engineers": 2, "cost_usd_per_year": 200000,
                  "gpus_per_engineer": 1000},
        existing={"owned_gpus": [{"gpu": "g_own", "count": 1, "bought": "2026Q1",
                                  "price_usd": 10000, "life_years": 4}],
                  "engineers": 1})


def _by(sol, table, cat):
    c = sol.tables[table]
    return c[c.category == cat].set_index("t").usd


def test_default_is_no_escalation_and_rates_compound_per_period():
    s0, s1 = _scenario(), _scenario(salaries=0.1, power=0.2, facility=0.05)
    sol0, sol1 = plan(s0, resolve_plain(s0)), plan(s1, resolve_plain(s1))
    # Quarter t of the horizon: factor (1 + rate)^(t / 4).
    # Staff (one hired, and one employed in committed costs): 200,000 / 4 = 50,000 x 1.1^(t/4).
    for table in ("costs", "committed"):
        st0, st1 = _by(sol0, table, "staff"), _by(sol1, table, "staff")
        for t in range(8):
            assert st0[t] == pytest.approx(50_000.0)
            assert st1[t] == pytest.approx(50_000.0 * 1.1 ** (t / 4), rel=1e-12)
    # Power and facility of one owned GPU: 1 kW x (100 x 3 months x 1.05^(t/4)
    # + 0.1 x 1.5 x 2,190 h x 1.2^(t/4)) = 300 x 1.05^(t/4) + 328.5 x 1.2^(t/4).
    pf0 = _by(sol0, "committed", "power_facility")
    pf1 = _by(sol1, "committed", "power_facility")
    for t in pf1.index:
        assert pf0[t] == pytest.approx(628.5)
        assert pf1[t] == pytest.approx(300 * 1.05 ** (t / 4) + 328.5 * 1.2 ** (t / 4),
                                       rel=1e-12)
    own0, own1 = _by(sol0, "costs", "power_facility"), _by(sol1, "costs", "power_facility")
    assert (own0 > 0).any()
    for t in own1.index:
        n = own0[t] / 628.5  # GPUs the plan owns in t (same plan: same demand, same caps)
        assert own1[t] == pytest.approx(n * (300 * 1.05 ** (t / 4) + 328.5 * 1.2 ** (t / 4)),
                                        rel=1e-9)
