"""Provisioned units with real spill-over: the traffic goes to the units first and only the
load above their capacity pays as it goes.

Shared numbers: four quarters, no discounting; a quarter is 2190 hours = 131,400 minutes.
The workload sends 438,000 requests a month (1,314,000 a quarter, 10 a minute on average) of
600 input and 100 output tokens to a/x at $2 / $8 per 1M: $0.002 a request, $2,628 a
quarter at list prices. A unit gives 1,000 tokens a minute and an output token uses 4, so a
request uses 600 + 4 x 100 = 1,000 tokens of capacity: the mean load is 10,000 tokens a
minute. A unit costs $0.07 an hour, $153.3 a quarter.

The profile: peak_to_average 1.5 with busy_hour_share 0.5, so half the time at 15,000 tokens a
minute and the other half at (1 - 0.5 x 1.5) / (1 - 0.5) = 0.5 x the mean = 5,000. A unit
below 5,000 serves all the time: 1,000 / 10,000 of the volume, worth 0.1 x 2,628 = $262.8 a
quarter > $153.3. A unit between 5,000 and 15,000 serves only the busy half: $131.4 < $153.3.
So the units stop at the quiet level and the busy-hour excess spills.
"""

from __future__ import annotations

import pytest
from engine_helpers import api, resolve_plain, scenario, workload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco.pipeline import plan


def _ptu(**over):
    return {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/x", "term": "1h",
            "usd_per_unit_term": 0.07, "min_units": 5, "unit_step": 5,
            "input_tokens_per_minute_per_unit": 1_000, "output_token_weight": 4,
            "cached_tokens_count": False, **over}


def solve(ptu, **wl):
    tariffs = ptu if isinstance(ptu, list) else [ptu]
    prof = {"peak_to_average": 1.5, "busy_hour_share": 0.5, **wl}
    s = scenario(workloads=[workload(rpm=438_000, inp=600, out=100, **prof)],
                 apis=[api("a/x", 2.0, 8.0)], tariffs=tariffs)
    return plan(s, resolve_plain(s))


def cost(sol, category):
    c = sol["costs"]
    return float(c[c.category == category].usd.sum())


def test_units_below_the_peak_spill_the_busy_hours():
    # 5 units (5,000 tokens a minute, the quiet level) serve 0.5 x 5,000 + 0.5 x 5,000 = 5,000
    # of the 10,000 mean: half the volume, $1,314 at list; the other $1,314 spills.
    # 5 x 153.3 + 1,314 = $2,080.5 a quarter. 10 units: 0.5 x 10,000 + 0.5 x 5,000 = 75%,
    # 1,533 + 657 = $2,190; 15 units cover the peak: $2,299.5; pay as you go: $2,628.
    sol = solve(_ptu())
    t = sol["tariffs"]
    assert t.units.tolist() == [5] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_080.5)
    assert t.served_list_usd.tolist() == pytest.approx([1_314] * 4)
    assert cost(sol, "tariff_units") == pytest.approx(4 * 766.5)
    assert cost(sol, "api") + cost(sol, "tariff_discount") == pytest.approx(4 * 1_314)
    # Without busy_hour_share the most conservative profile holds: all traffic in busy hours
    # (1 / 1.5 of the time at 15,000). Every unit up to the peak then serves 2/3 of the time,
    # worth 2/3 x 262.8 = $175.2 > $153.3: the units cover the peak, 15 x 153.3 = $2,299.5.
    sol = solve(_ptu(), busy_hour_share=None)
    assert sol["tariffs"].units.tolist() == [15] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_299.5)


def test_minimum_and_step_bind_with_spill_over():
    # Minimum 8 units, steps of 4 (8, 12, 16): 8 units serve 0.5 x 8,000 + 0.5 x 5,000 = 65%:
    # 8 x 153.3 + 0.35 x 2,628 = 1,226.4 + 919.8 = $2,146.2; 12 units serve 85%: 1,839.6 +
    # 394.2 = $2,233.8. The minimum binds above the 5 units the profile asks for.
    sol = solve(_ptu(min_units=8, unit_step=4))
    assert sol["tariffs"].units.tolist() == [8] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_146.2)
    # Minimum 3, steps of 4 (3, 7, 11): 3 units serve 30%: 459.9 + 1,839.6 = $2,299.5;
    # 7 units serve 0.5 x 7,000 + 0.5 x 5,000 = 60%: 1,073.1 + 1,051.2 = $2,124.3; 11 units
    # 80%: 1,686.3 + 525.6 = $2,211.9. The step binds: 7 units, past the quiet level.
    sol = solve(_ptu(min_units=3, unit_step=4))
    assert sol["tariffs"].units.tolist() == [7] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_124.3)


def test_a_busy_share_above_the_peak_allows_is_refused(tmp_path):
    # busy_hour_share 0.8 x peak_to_average 1.5 = 1.2: the busy hours would carry more than
    # all the traffic. The loader names the workload's field; exit code 2.
    from typer.testing import CliRunner

    from tco.cli import app

    f = tmp_path / "s.yaml"
    f.write_text("name: t\nhorizon: {start: 2027Q1, periods: 2, period: quarter}\n"
                 "workloads:\n  - name: w\n    task: chat\n    requests_per_month: 1000\n"
                 "    input_tokens: 100\n    output_tokens: 10\n    peak_to_average: 1.5\n"
                 "    busy_hour_share: 0.8\n")
    r = CliRunner().invoke(app, ["validate", str(f)])
    assert r.exit_code == 2
    assert "busy_hour_share 0.8 x peak_to_average 1.5" in r.output
    assert "s.yaml:4: workloads[0]" in r.output


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(peaks=st.lists(st.floats(1.0, 4.0), min_size=2, max_size=2),
       busy=st.lists(st.floats(0.05, 1.0), min_size=2, max_size=2),
       rpm=st.lists(st.floats(1e5, 1e6), min_size=2, max_size=2),
       price=st.floats(0.01, 0.2))
def test_units_serve_exactly_the_load_below_their_capacity(peaks, busy, rpm, price):
    # Whatever the profiles, the volume the plan says the units serve is the integral over the
    # period of min(load, capacity), the load being both workloads' routed traffic with their
    # busy hours together (checked on a fine time grid), and never more than was routed.
    import numpy as np

    shares = [min(b, 1.0 / p) for b, p in zip(busy, peaks)]
    ws = [workload(f"w{i}", rpm=r, inp=600, out=100, peak_to_average=p, busy_hour_share=b)
          for i, (r, p, b) in enumerate(zip(rpm, peaks, shares))]
    s = scenario(workloads=ws, apis=[api("a/x", 2.0, 8.0)],
                 tariffs=[_ptu(usd_per_unit_term=price, min_units=1, unit_step=1)])
    sol = plan(s, resolve_plain(s))
    cap = float(sol["tariffs"].units.iat[0]) * 1_000
    table = sol.data.options.table
    tau = (np.arange(200_000) + 0.5) / 200_000
    load = np.zeros_like(tau)
    served = 0.0
    for o in range(len(table)):
        w = int(table.workload.iat[o])
        mean = rpm[w] * 3 / 131_400 * 1_000 * sol.x[o, 0]      # tokens a minute, 1000 a request
        p, b = peaks[w], shares[w]
        low = (1 - b * p) / (1 - b) if b < 1 else 1.0
        load += np.where(tau < b, p, low) * mean if p > 1 else mean
        served += float(sol.served[o, 0]) * rpm[w] * 3 / 131_400 * 1_000
    assert served == pytest.approx(float(np.minimum(load, cap).mean()), rel=1e-3, abs=1e-3)


def test_two_unit_tariffs_on_one_api_serve_the_traffic_once():
    # A month-term offer at $0.07 a unit-hour and a second one at $0.08: 5 units of the first
    # serve the quiet level as above ($2,080.5 a quarter). Five more of the second would serve
    # the same traffic again if each offer could take all of it; together they serve what
    # arrives, so the second is not worth its price: still $2,080.5, the list spend served once.
    sol = solve([_ptu(), _ptu(name="ptu2", usd_per_unit_term=0.08)])
    t = sol["tariffs"]
    assert t[t.tariff == "ptu"].units.tolist() == [5] * 4
    assert t[t.tariff == "ptu2"].units.tolist() == [0] * 4
    assert sol.npv_usd == pytest.approx(4 * 2_080.5)
    assert t.served_list_usd.sum() <= cost(sol, "api") + 1e-6
