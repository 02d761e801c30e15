"""Residual value from the market (`purchase.resale`): a GPU alive at the horizon end is
credited at its market value, price x (1 - decline)^(years since delivery), instead of the
end-of-horizon rule's book value.

Numbers: a GPU at $30,000 with a 5-year (20-quarter) life, needed in the last 2 of 4
quarters and only obtainable by buying it; no discounting. Bought in 2027Q3, it is half a year
old at the horizon end.
"""

from __future__ import annotations

import pytest
from engine_helpers import model, resolve_plain, scenario, workload

from tco.pipeline import plan


def _late(resale=None, rule="pro_rata"):
    purchase = {"price_usd": 30_000, "life_years": 5}
    if resale is not None:
        purchase["resale"] = resale
    return scenario(workloads=[workload(rpm=[0, 0, 1e7, 1e7], latency="batch",
                                        residency="self_hosted")],
                    gpus=[{"name": "g", "purchase": purchase}], open_models=[model()],
                    capacity={"utilization_target": 1.0},
                    finance={"discount_rate": 0.0, "end_of_horizon": rule})


def _residual(sol):
    c = sol["costs"]
    return float(c[c.category == "gpu_residual"].usd.sum())


def test_market_value_replaces_book_value():
    # Book value (pro rata at rate 0): 18 of 20 quarters left, 30,000 x 0.9 = 27,000 credited,
    # the GPU costs 3,000. Market value, 30% a year: 30,000 x 0.7^0.5 = 25,099.80 credited,
    # the GPU costs 4,900.20: a used GPU resells below book value.
    book = plan(_late(), resolve_plain(_late()))
    assert _residual(book) == pytest.approx(-27_000)
    s = _late({"decline_per_year": 0.3})
    sol = plan(s, resolve_plain(s))
    assert list(sol["fleet"].sort_values("t").bought) == [1, 0]  # bought in 2027Q3, t = 2
    assert _residual(sol) == pytest.approx(-30_000 * 0.7 ** 0.5)
    assert sol.npv_usd == pytest.approx(30_000 - 25_099.80, abs=0.01)


def test_conservative_credits_nothing_even_with_resale():
    s = _late({"decline_per_year": 0.3}, rule="conservative")
    sol = plan(s, resolve_plain(s))
    assert _residual(sol) == 0
    assert sol.npv_usd == pytest.approx(30_000)


def test_existing_gpus_of_a_type_with_resale_are_credited_at_market_value():
    # One existing GPU bought 2026Q1 for $20,000 with a 5-year life: 2 years old at the horizon
    # end (2028Q1): 20,000 x 0.7^2 = 9,800 credited to the committed costs.
    s = _late({"decline_per_year": 0.3}).model_copy(update={"existing": scenario(
        workloads=[workload()], existing={"owned_gpus": [{
            "gpu": "g", "count": 1, "bought": "2026Q1", "price_usd": 20_000,
            "life_years": 5}]}).existing})
    sol = plan(s, resolve_plain(s))
    com = sol["committed"]
    assert float(com[com.category == "gpu_residual"].usd.sum()) == pytest.approx(-9_800)


def test_resale_without_a_decline_takes_the_catalogs_marked_as_an_assumption():
    from tco.catalog.hardware import resolve_gpu, site
    from tco.scenario.schema import Gpu

    fig = site()["resale_decline_per_year"]
    assert fig.assumption and fig.source
    g, problems = resolve_gpu(Gpu(name="h100-80gb", purchase={"resale": {}}), 0)
    assert not problems
    assert g.purchase.resale_decline_per_year == fig.value
    assert "assumption" in g.sources["purchase.resale.decline_per_year"].lower()
    # Not asked for: book value, as before.
    g, _ = resolve_gpu(Gpu(name="h100-80gb"), 0)
    assert g.purchase.resale_decline_per_year is None
    g, _ = resolve_gpu(Gpu(name="h100-80gb", purchase={"resale": {"decline_per_year": 0.2}}), 0)
    assert g.purchase.resale_decline_per_year == 0.2
    assert g.sources["purchase.resale.decline_per_year"] == "scenario"
