"""The Tariffs sheet recalculated by LibreOffice: per-API two-part prices as formulas of their
inputs, a term running past the horizon (tariff_after_horizon), and a controller's edit.

Hand-worked scenario (two quarters, no discounting, conservative end of horizon): one workload
of 1e6 requests a month (3e6 a quarter), 1000 input tokens of which half a cached prefix
written by one request in ten, 100 output tokens, on a/x at $2 input, $0.5 cached, $2.5 cache
write, $8 output per 1M. Per 1M requests: list 500 x 2 + 500 x (0.9 x 0.5 + 0.1 x 2.5)
+ 100 x 8 = $2,150 ($6,450 a quarter). The deal (fee $500 a month for a year) prices a/x at
$1 / $0.25 / $4 (writes at its input price): 500 + 500 x (0.9 x 0.25 + 0.1 x 1) + 400
= $1,062.5 ($3,187.5 a quarter), a saving of $3,262.5 a quarter against a $1,500 fee. The year
runs two quarters past the horizon: $3,000 of fees booked in the last period. NPV
2 x (6,450 - 3,262.5 + 1,500) + 3,000 = $12,375 (pay as you go: $12,900).
"""

from __future__ import annotations

import os

import pytest
from engine_helpers import api, scenario, workload
from openpyxl import load_workbook
from test_workbook import named_cell, run_of
from test_workbook_formulas import same_as_libreoffice

from tco.model.terms import CATEGORIES
from tco.report.workbook import write_workbook
from tco.report.workbook.recalc import recalculate, soffice

DEAL = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 500,
        "term": "1y", "prices": {"a/x": {"input_usd_per_mtok": 1.0,
                                         "cached_input_usd_per_mtok": 0.25,
                                         "output_usd_per_mtok": 4.0}}}
YEARLY = {"name": "yearly", "kind": "commit", "provider": "b", "commit_usd_per_year": 36_000,
          "discount": 0.2, "term": "1y"}
"""Bulk's list spend on b/z is 4,200 / 8,400 / 12,600 / 16,800 a quarter: at 20% off $33,600
a year, $2,400 short of the commitment, settled at the end of the fourth quarter."""
NEW_INPUT = 1.2
"""The controller's edit of the deal's input price (was $1 per 1M)."""


def _a_x():
    x = api("a/x", 2.0, 8.0, cached=0.5, quality=90)
    x["price"]["cache_write_usd_per_mtok"] = 2.5
    return x


def priced_scenario():
    return scenario(horizon={"start": "2027Q1", "periods": 2, "period": "quarter"},
                    finance={"end_of_horizon": "conservative"},
                    workloads=[workload(cached_input_share=0.5, cache_reuse=10)],
                    apis=[_a_x()], tariffs=[DEAL])


def units_scenario():
    """Provisioned units serve part of a/x's traffic, the per-API deal prices the rest (one
    month terms); two workloads on a/y (the deal prices it too), one behind a response cache, one
    with a prompt variant; a yearly commitment with provider b settled in the fourth quarter
    (conservative end of horizon, so the year is signed at the start)."""
    ptu = {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/x", "term": "1m",
           "usd_per_unit_term": 300, "min_units": 5, "unit_step": 5, "max_units": 5,
           "input_tokens_per_minute_per_unit": 20_000, "output_token_weight": 4}
    deal = dict(DEAL, term="1m", prices=dict(DEAL["prices"], **{"a/y": {
        "input_usd_per_mtok": 0.3, "output_usd_per_mtok": 1.0}}))
    return scenario(workloads=[
        workload("chat", rpm=2e6, inp=1500, out=300, peak_to_average=2.0,
                 cached_input_share=0.5, cache_reuse=10, min_quality=85),
        workload("faq", rpm=1e6, response_cache={"kind": "exact", "hit_rate": 0.4},
                 residency=["a"]),
        workload("docs", rpm=5e5, latency="standard", residency=["a"],
                 prompt_variants=[{"name": "short", "output_tokens": 40}]),
        workload("bulk", rpm=[0.5e6, 1e6, 1.5e6, 2e6], residency=["b"])],
        apis=[_a_x(), api("a/y", 0.5, 2.0, quality=80), api("b/z", 2.0, 8.0)],
        tariffs=[ptu, deal, YEARLY], finance={"end_of_horizon": "conservative"})


def tokens_scenario():
    """The volume deal of tests/test_tariffs_token_tiers.py: tiers by monthly tokens."""
    from test_tariffs_token_tiers import DEAL as VOLUME

    return scenario(workloads=[workload(rpm=[0.5e6, 1e6, 1.5e6, 2e6])],
                    apis=[api("a/x", 2.0, 8.0)], tariffs=[VOLUME])


def _costs_grid(wb, T):
    ((sheet, coord),) = list(wb.defined_names["costs_table"].destinations)
    ws = wb[sheet]
    first = int(coord.split(":")[0].split("$")[-1])
    return {(t, cat): ws.cell(first + t, 4 + i).value or 0.0
            for t in range(T) for i, cat in enumerate(CATEGORIES)}


def _price_cell(wb, api_id: str, column: int):
    ws = wb["Tariffs"]
    for row in ws.iter_rows():
        if row[0].value == "deal" and row[1].value == api_id:
            return row[column - 1]
    raise AssertionError("no per-API price row")


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    if soffice() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required on CI")
        pytest.skip("LibreOffice (soffice) is not installed: the Tariffs sheet's formulas cannot "
                    "be recalculated here (install libreoffice-calc)")
    src = tmp_path_factory.mktemp("written")
    runs = {"priced": run_of(priced_scenario()), "units": run_of(units_scenario()),
            "tokens": run_of(tokens_scenario())}
    for name, run in runs.items():
        write_workbook(run, src / f"{name}.xlsx")
    wb = load_workbook(src / "priced.xlsx")
    _price_cell(wb, "a/x", 3).value = NEW_INPUT
    wb.save(src / "edited.xlsx")
    out = recalculate([src / "priced.xlsx", src / "units.xlsx", src / "edited.xlsx",
                       src / "tokens.xlsx"],
                      tmp_path_factory.mktemp("recalculated"))
    books = {p.stem: load_workbook(p, data_only=True) for p in out}
    # the cached values tco writes (Python) are LibreOffice's results, Tariffs sheet included
    for p in out:
        assert same_as_libreoffice(src / p.name, books[p.stem]) > 100
    return runs, books


def test_the_hand_worked_deal_and_its_year_past_the_horizon(books):
    runs, wbs = books
    sol = runs["priced"].solution
    assert sol.npv_usd == pytest.approx(12_375)
    grid = _costs_grid(wbs["priced"], 2)
    for t in range(2):
        assert grid[(t, "tariff_fee")] == pytest.approx(1_500)
        assert grid[(t, "tariff_discount")] == pytest.approx(-3_262.5)
        assert grid[(t, "api")] == pytest.approx(6_450)
    assert grid[(0, "tariff_after_horizon")] == pytest.approx(0, abs=1e-9)
    assert grid[(1, "tariff_after_horizon")] == pytest.approx(3_000)
    assert named_cell(wbs["priced"], "npv_usd").value == pytest.approx(12_375)


def test_editing_a_per_api_price_moves_the_discount(books):
    # +$0.2 per 1M input tokens on the uncached 500 and the written 500 x 0.1: 550 tokens x 0.2
    # = $110 per 1M requests, $330 a quarter less discount, $660 more NPV.
    _, wbs = books
    grid = _costs_grid(wbs["edited"], 2)
    for t in range(2):
        assert grid[(t, "tariff_discount")] == pytest.approx(-3_262.5 + 330)
    assert named_cell(wbs["edited"], "npv_usd").value == pytest.approx(12_375 + 660)


def test_units_and_levers_with_per_api_prices_match_the_engine(books):
    runs, wbs = books
    sol = runs["units"].solution
    t = sol["tariffs"]
    assert (t[t.tariff == "ptu"].units > 0).all() and t[t.tariff == "deal"].taken.all()
    assert ((sol.served > 0.01) & (sol.served < 0.99)).any()  # part of some traffic
    a = sol["allocation"]
    assert a.cache.any() and a.variant.eq("short").any()
    y = t[t.tariff == "yearly"].sort_values("t")
    assert y.taken.all() and y.shortfall_usd.tolist() == pytest.approx([0, 0, 0, 2_400])
    grid = _costs_grid(wbs["units"], len(sol.periods))
    engine = {(int(r.t), r.category): r.usd for r in sol["costs"].itertuples()}
    for key, usd in engine.items():
        assert grid[key] == pytest.approx(usd, rel=1e-6, abs=1e-6), key
    assert named_cell(wbs["units"], "npv_usd").value == pytest.approx(sol.npv_usd, rel=1e-9)


def test_token_tiers_reached_discount_the_spend_by_formula(books):
    # tests/test_tariffs_token_tiers.py: no tier in Q1 (deal not taken), 10% in Q2 and Q3, 25%
    # in Q4 on the whole quarter's list spend: discounts 0 / 840 / 1,260 / 4,200, NPV $37,500.
    runs, wbs = books
    assert runs["tokens"].solution.npv_usd == pytest.approx(37_500)
    grid = _costs_grid(wbs["tokens"], 4)
    got = [grid[(t, "tariff_discount")] for t in range(4)]
    assert got == pytest.approx([0, -840, -1_260, -4_200], abs=1e-6)
    assert named_cell(wbs["tokens"], "npv_usd").value == pytest.approx(37_500)
