"""The finance workbook, checked with openpyxl only (fast): structure, names, formulas, safety.

The numbers themselves are checked after a real recalculation in test_workbook_libreoffice.py.
The rich scenario below makes every cost category non-zero: realtime API with cache and a price
trend, a batch API, an API fine-tune that is trained and retrained, expected errors, owned GPUs
(g_own), reserved GPUs with a 3-year term past the 6-quarter horizon (g_res), on-demand GPUs
(g_od), hired staff, a discount rate, and existing owned GPUs, reservations and engineers.
"""

from __future__ import annotations

import textwrap
import zipfile

import pandas as pd
import pytest
from engine_helpers import api, model, resolve_plain, scenario, workload
from openpyxl import Workbook, load_workbook

from tco.model.terms import CATEGORIES
from tco.pipeline import plan
from tco.report.workbook import SHEETS, build_workbook, write_workbook
from tco.run import RunResult
from tco.scenario.schema import Resale

INJECT = '=HYPERLINK("http://example.invalid","x")'


def rich_scenario(**over):
    point = {"prefill_tokens_per_s": 1e4, "decode_tokens_per_s": 1e3}
    m = model("m", "g_own", quality=85)
    for gname in ("g_res", "g_od"):
        m["serving"][gname] = {"gpus_per_replica": 1, "interactive": point, "batch": point}
    sections = dict(
        horizon={"start": "2027Q1", "periods": 6, "period": "quarter"},
        # Escalation and contingency set so the workbook's formulas are checked against the
        # engine with them (tests/test_workbook_libreoffice.py).
        finance={"discount_rate": 0.1, "contingency_share": 0.1,
                 "escalation_per_year": {"salaries": 0.05, "power": 0.03, "facility": 0.02}},
        workloads=[
            workload("chat", rpm=2e7, inp=1500, out=300, growth_per_year=0.6,
                     cached_input_share=0.5, peak_to_average=1.5, error_cost_usd=0.001,
                     min_quality=80, cache_reuse=4, cost_centre="support"),
            workload("batch-sum", rpm=1e6, inp=3000, out=200, latency="batch", cost_centre="ops",
                     cached_input_share=0.3, min_quality=88, cache_reuse=8),
            workload(INJECT, rpm=2e5, inp=800, out=150, cached_input_share=0.4,
                     min_quality=88, error_cost_usd=0.002),
            workload("ft-work", rpm=1e6, inp=2000, out=200, min_quality=88),
        ],
        apis=[dict(api("prov/big", 3.0, 12.0, cached=0.3, quality=90, batch_discount=0.5,
                       price_trend_per_year=-0.2),
                   price={"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 12.0,
                          "cached_input_usd_per_mtok": 0.3, "cache_write_usd_per_mtok": 3.75}),
              api("prov/small", 0.5, 2.0, quality=70,
                  fine_tuned_price={"input_usd_per_mtok": 0.5, "output_usd_per_mtok": 2.0})],
        open_models=[m],
        # Recurring GPU costs (support, licences, networking and storage) and the API path's
        # fixed costs set so the workbook's formulas for them are checked against the engine.
        gpus=[{"name": "g_own", "max_gpus": 3, "support_share_per_year": 0.1,
               "software_usd_per_gpu_year": 400, "network_storage_usd_per_gpu_year": 960,
               "purchase": {"price_usd": 25000, "life_years": 3, "power_kw": 1.0,
                            "facility_usd_per_kw_month": 150, "electricity_usd_per_kwh": 0.1,
                            "pue": 1.3}},
              {"name": "g_res", "reserved_usd_per_hour": {"1y": 2.5, "3y": 1.0}, "max_gpus": 2,
               "software_usd_per_gpu_year": 400, "network_storage_usd_per_gpu_year": 960},
              {"name": "g_od", "on_demand_usd_per_hour": 4.0,
               "software_usd_per_gpu_year": 400}],
        api_operations={"usd_per_provider_per_year": 4000, "usd_per_workload_per_year": 1000},
        staffing={"platform_engineers": 1, "cost_usd_per_year": 200000, "gpus_per_engineer": 8},
        switching={"migration_cost_usd": 20},
        fine_tunes=[{"name": "ft-small", "base": "prov/small", "workloads": ["ft-work"],
                     "training_cost_usd": 2000, "retrain_every_periods": 4,
                     "quality_uplift": {"chat": 20}, "input_token_reduction": 0.5}],
        existing={"owned_gpus": [{"gpu": "g_own", "count": 1, "bought": "2026Q1",
                                  "price_usd": 20000, "life_years": 2}],
                  "reservations": [{"gpu": "g_res", "count": 1, "ends": "2027Q2",
                                    "usd_per_hour": 2.0}],
                  "engineers": 1},
    )
    sections.update(over)
    return scenario(**sections)


def tariffed_scenario(**over):
    """API tariffs: provisioned units, a tiered two-part tariff, a commitment with a
    shortfall, a flex tier, cache writes, conservative end of horizon."""
    big = api("a/big", 3.0, 12.0, cached=0.3, quality=90, batch_discount=0.5)
    big["price"]["cache_write_usd_per_mtok"] = 3.75
    sections = dict(
        finance={"discount_rate": 0.08, "end_of_horizon": "conservative"},
        workloads=[workload("chat", rpm=2e6, inp=1500, out=300, peak_to_average=2.0,
                            cached_input_share=0.5, cache_reuse=10, min_quality=88),
                   workload("docs", rpm=1e6, inp=3000, out=200, latency="standard",
                            min_quality=80),
                   workload("nightly", rpm=[2e5, 5e5, 1e6, 2e6], inp=2000, out=500,
                            latency="batch", min_quality=80)],
        apis=[big, api("b/small", 0.5, 2.0, quality=85)],
        tariffs=[
            {"name": "a-ptu", "kind": "provisioned", "provider": "a", "api": "a/big",
             "term": "1y", "usd_per_unit_term": 8_000, "min_units": 5, "unit_step": 5,
             "max_units": 5, "input_tokens_per_minute_per_unit": 20_000,
             "output_token_weight": 4},
            {"name": "a-tiers", "kind": "two_part", "provider": "a", "fee_usd_per_month": 200,
             "discount": 0.05, "tiers": [{"above_usd_per_month": 5_000, "discount": 0.15},
                                         {"above_usd_per_month": 10_000, "discount": 0.3}]},
            {"name": "b-commit", "kind": "commit", "provider": "b", "commit_usd_per_month": 2_700,
             "discount": 0.2, "term": "6m"},
            {"name": "b-flex", "kind": "service_tier", "provider": "b", "tier": "flex",
             "price_multiplier": 0.6}])
    sections.update(over)
    return scenario(**sections)


def cascade_tariffed_scenario(**over):
    """Cascades in tariffs: a cascade (b/mini, 25% escalated to a/big) whose stages pay a
    commitment with b (a shortfall in the first quarter) and, on a/big, provisioned units with
    spill-over (busy hours) and a per-API deal on what spills; a plain workload on a/big shares
    the units."""
    ptu = {"name": "ptu", "kind": "provisioned", "provider": "a", "api": "a/big", "term": "1m",
           "usd_per_unit_term": 250, "min_units": 2, "unit_step": 2,
           "input_tokens_per_minute_per_unit": 10_000, "output_token_weight": 4}
    deal = {"name": "deal", "kind": "two_part", "provider": "a", "fee_usd_per_month": 20,
            "term": "1m", "prices": {"a/big": {"input_usd_per_mtok": 1.2,
                                               "output_usd_per_mtok": 5.0}}}
    commit = {"name": "commit", "kind": "commit", "provider": "b", "commit_usd_per_month": 300,
              "discount": 0.1, "term": "1y"}
    casc = {"name": "triage", "workloads": ["chat"], "quality": {"chat": 82},
            "stages": [{"api": "b/mini", "escalate": 0.25, "extra_input_tokens": 200},
                       {"api": "a/big", "extra_input_tokens": 100}]}
    sections = dict(
        finance={"discount_rate": 0.08, "end_of_horizon": "conservative"},
        workloads=[workload("chat", rpm=[1e6, 1.5e6, 2e6, 2.5e6], min_quality=80,
                            peak_to_average=2.0, busy_hour_share=0.25, cached_input_share=0.5,
                            cache_reuse=10),
                   workload("plain", rpm=0.5e6, min_quality=70, peak_to_average=1.5,
                            busy_hour_share=0.5)],
        apis=[api("b/mini", 0.2, 0.8, cached=0.05, quality=60),
              api("a/big", 2.0, 8.0, cached=0.5, quality=79)],
        cascades=[casc], tariffs=[ptu, deal, commit])
    sections.update(over)
    return scenario(**sections)


def api_only_scenario():
    """Monthly periods, a per-period request list, no discounting, nothing self-hosted."""
    return scenario(
        name="+cmd|' /C calc'!A0",
        horizon={"start": "2027-01", "periods": 5, "period": "month"},
        workloads=[workload("-list", rpm=[1e5, 2e5, 0, 4e5, 5e5], cached_input_share=0.2),
                   workload("@batch", rpm=3e5, latency="batch")],
        apis=[api("p/a", 1.0, 4.0, cached=0.1, batch_discount=0.5)])


def levers_scenario(**over):
    """Every lever in use: a prompt variant adopted after the first quarter (running and
    engineering costs), a semantic cache with lookups, a two-stage API cascade with a ranged
    escalation chosen at an interpolated point, and a cascade whose second stage runs on our
    on-demand GPUs, and one whose two stages both run on our GPUs."""
    variant = {"name": "short", "input_tokens": 600, "output_tokens": 250, "quality_change": -1,
               "engineering_cost_usd": 3000, "running_cost_usd_per_month": 200}
    cache = {"kind": "semantic", "hit_rate": 0.25, "quality_penalty": 4,
             "fixed_cost_usd_per_month": 500, "lookup_cost_usd_per_1k_requests": 0.05}
    sections = dict(
        horizon={"start": "2027Q1", "periods": 4, "period": "quarter"},
        finance={"discount_rate": 0.08},
        workloads=[
            workload("chat", rpm=[2e5, 4e6, 5e6, 6e6], inp=1500, out=300,
                     cached_input_share=0.4, min_quality=78, error_cost_usd=0.0005,
                     prompt_variants=[variant], response_cache=cache),
            workload("triage", rpm=3e6, inp=1200, out=200, min_quality=80,
                     cached_input_share=0.5, cache_reuse=4),
            workload("nightly", rpm=5e7, inp=2000, out=100, latency="batch", min_quality=80),
            workload("extract", rpm=2e8, inp=1000, out=100, latency="batch", min_quality=80),
        ],
        apis=[api("prov/big", 3.0, 12.0, cached=0.3, quality=90, price_trend_per_year=-0.2),
              dict(api("prov/mini", 0.2, 0.8, cached=0.05, quality=65), price={
                  "input_usd_per_mtok": 0.2, "output_usd_per_mtok": 0.8,
                  "cached_input_usd_per_mtok": 0.05, "cache_write_usd_per_mtok": 0.25})],
        open_models=[model("m", "g_od", quality=60),
                     model("small", "g_od", prefill=1e5, decode=1e4, quality=50)],
        gpus=[{"name": "g_od", "on_demand_usd_per_hour": 2.0}],
        cascades=[
            {"name": "mini-big", "workloads": ["triage"],
             "stages": [{"api": "prov/mini", "extra_input_tokens": 150,
                         "escalate": {"min": 0.1, "max": 0.6}},
                        {"api": "prov/big", "extra_input_tokens": 50, "output_tokens": 250}],
             "quality": {"chat": [[0.1, 70], [0.6, 90]]}},
            {"name": "mini-self", "workloads": ["nightly"],
             "stages": [{"api": "prov/mini", "escalate": 0.3}, {"model": "m", "gpu": "g_od"}],
             "quality": {"chat": 82}},
            {"name": "self-self", "workloads": ["extract"],
             "stages": [{"model": "small", "gpu": "g_od", "escalate": 0.25,
                         "extra_input_tokens": 100},
                        {"model": "m", "gpu": "g_od", "output_tokens": 150}],
             "quality": {"chat": 81}}])
    sections.update(over)
    return scenario(**sections)


def test_levers_scenario_uses_every_lever():
    run = run_of(levers_scenario())
    a = run.solution.tables["allocation"]
    assert {"mini-big", "mini-self", "self-self"} <= set(a.cascade.dropna())
    assert {"small", "m"} <= set(run.solution.tables["replicas"].served)
    assert a.cache.any() and a.variant.notna().any()
    assert (a.escalation.dropna() % 0.1 > 1e-9).any()  # an interpolated point, not a bound
    costs = run.solution.tables["costs"].groupby("category").usd.sum()
    assert costs["levers"] > 0 and costs["gpu_on_demand"] > 0


def run_of(s) -> RunResult:
    r = resolve_plain(s)
    return RunResult(scenario=s, resolved=r, solution=plan(s, r), files=("in-memory.yaml",))


@pytest.fixture(scope="module")
def rich():
    return run_of(rich_scenario())


@pytest.fixture(scope="module")
def book(rich):
    return build_workbook(rich)


def named_cell(wb, name):
    """The single cell a defined name points to."""
    ((sheet, coord),) = list(wb.defined_names[name].destinations)
    return wb[sheet][coord.replace("$", "")]


def conservative_scenario():
    """The rich scenario under finance.end_of_horizon: conservative, its existing reservation
    running past the horizon (reservations past the horizon are charged only under this rule)."""
    s = rich_scenario(finance={"discount_rate": 0.1, "end_of_horizon": "conservative"})
    ex = s.existing.model_copy(update={"reservations": [
        s.existing.reservations[0].model_copy(update={"ends": "2028Q4"})]})
    return s.model_copy(update={"existing": ex})


def lead_scenario():
    """The rich scenario with lead times: owned and reserved GPUs serve a period after the
    order, engineers are hired a period ahead, and existing GPUs are still on order; owned
    GPUs are credited at their market value (purchase.resale)."""
    s = rich_scenario()
    gpus = [g.model_copy(update={"lead_time_periods": 1}) if g.name in ("g_own", "g_res")
            else g for g in s.gpus]
    gpus = [g.model_copy(update={"purchase": g.purchase.model_copy(update={
        "resale": Resale(decline_per_year=0.3)})}) if g.name == "g_own" else g for g in gpus]
    ex = s.existing.model_copy(update={
        "owned_gpus": [s.existing.owned_gpus[0].model_copy(
            update={"bought": "2026Q4", "serves_from": "2027Q2"})],
        "reservations": [s.existing.reservations[0].model_copy(
            update={"starts": "2027Q2", "ends": "2027Q4"})]})
    return s.model_copy(update={"gpus": gpus, "existing": ex, "staffing": s.staffing.model_copy(
        update={"hiring_lead_periods": 1})})


def adoption_scenario():
    """A fine-tune adopted in 2027Q3 and retrained every 3 quarters from then
    (tests/test_fine_tune_adoption.py)."""
    a = api("a/x", 2.0, 8.0, fine_tuned_price={"input_usd_per_mtok": 1.0,
                                               "output_usd_per_mtok": 4.0})
    ft = {"name": "ft", "base": "a/x", "workloads": ["w"], "training_cost_usd": 10_000,
          "retrain_every_periods": 3, "input_token_reduction": 0.5}
    return scenario(workloads=[workload(rpm=[1e5] + [1e6] * 4)], apis=[a], fine_tunes=[ft],
                    horizon={"periods": 5})


def test_every_cost_category_is_exercised(rich):
    # The rich scenario is only useful if each category the formulas restate is non-zero;
    # reservations after the horizon are charged only under the conservative rule, levers in
    # levers_scenario (test_levers_scenario_uses_every_lever), tariffs in tariffed_scenario
    # (test_workbook_libreoffice).
    totals = rich.solution.tables["costs"].groupby("category").usd.sum()
    assert all(abs(totals[c]) > 0 for c in CATEGORIES
               if c not in ("gpu_reserved_after_horizon", "levers")
               and not c.startswith("tariff_")), totals
    assert totals["gpu_reserved_after_horizon"] == 0
    assert rich.solution.tables["committed"].usd.abs().sum() > 0


def test_sheets_in_order(book):
    assert book.sheetnames == list(SHEETS)


def test_defined_names_exist_and_point_at_cells(book):
    required = ["discount_rate", "periods_per_year", "hours_per_period", "months_per_period",
                "horizon_periods", "term_1y_periods", "term_3y_periods", "discount_factors",
                "wl_requests", "wl_input_tokens", "wl_output_tokens", "wl_cached_share",
                "wl_error_cost_usd", "api_price_input", "api_price_cached", "api_price_output",
                "api_price_trend", "price_prov_big_realtime_output",
                "price_prov_big_batch_output", "price_prov_small_fine_tuned_output",
                "gpu_g_od_on_demand", "gpu_g_res_reserved_1y", "gpu_g_res_reserved_3y",
                "gpu_g_own_price", "gpu_g_own_running_per_period", "gpu_purchase_usd",
                "staff_cost_per_year", "ft_ft_small_training_cost", "ft_training_cost_usd",
                "npv_usd", "committed_npv_usd", "costs_table", "cost_per_year",
                "prices_snapshot_date"]
    for name in required:
        assert name in book.defined_names, name
        dests = list(book.defined_names[name].destinations)
        assert dests and dests[0][0] in book.sheetnames, name
    assert named_cell(book, "discount_rate").value == 0.1
    assert named_cell(book, "price_prov_big_realtime_output").value == 12.0
    assert named_cell(book, "staff_cost_per_year").value == 200000


def test_money_is_formulas_and_decisions_are_values(book, rich):
    costs = book["Costs"]
    T = len(rich.solution.periods)
    for r in range(2, 2 + T):
        for c in range(4, 4 + len(CATEGORIES) + 1):  # each category and the period total
            assert costs.cell(r, c).data_type == "f", costs.cell(r, c).coordinate
    npv = named_cell(book, "npv_usd")
    assert npv.data_type == "f"
    for r in named_cell_rows(book, "cost_per_year"):
        assert costs.cell(r, 4).data_type == "f"
    plan_ws = book["Plan"]
    head = [c.value for c in plan_ws[1]]
    share, api_cost, err = (head.index(h) + 1 for h in ("Share of requests", "API cost (USD)",
                                                        "Error cost (USD)"))
    api_rows = [r for r in range(2, plan_ws.max_row + 1)
                if plan_ws.cell(r, head.index("Kind") + 1).value in ("api", "api_batch")]
    assert api_rows
    for r in api_rows:
        assert plan_ws.cell(r, share).data_type == "n"
        assert plan_ws.cell(r, api_cost).data_type == "f"
        assert plan_ws.cell(r, err).data_type == "f"
    ue = book["Unit economics"]
    for r in range(2, 2 + len(rich.scenario.workloads)):
        assert ue.cell(r, 7).data_type == "f" and ue.cell(r, 8).data_type == "f"
    cap = book["Capacity"]
    assert all(cap.cell(r, 4).data_type == "n" for r in range(2, 2 + len(
        rich.solution.tables["fleet"])))


def named_cell_rows(wb, name):
    ((sheet, coord),) = list(wb.defined_names[name].destinations)
    a, b = coord.replace("$", "").split(":")
    return range(int("".join(ch for ch in a if ch.isdigit())),
                 int("".join(ch for ch in b if ch.isdigit())) + 1)


def test_formula_like_scenario_text_is_written_as_text(tmp_path, rich):
    path = write_workbook(rich, tmp_path / "plan.xlsx")
    wb = load_workbook(path)
    hits = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == INJECT]
    sheets = {c.parent.title for c in hits}
    assert {"Assumptions", "Plan", "Unit economics"} <= sheets
    for c in hits:
        assert c.data_type == "s", (c.parent.title, c.coordinate)
        assert c.quotePrefix, (c.parent.title, c.coordinate)
    # No formula anywhere mentions HYPERLINK: the name never became one.
    assert not any(c.data_type == "f" and "HYPERLINK" in str(c.value)
                   for ws in wb for row in ws.iter_rows() for c in row)


def test_text_starting_with_plus_minus_at_is_text(tmp_path):
    run = run_of(api_only_scenario())
    wb = load_workbook(write_workbook(run, tmp_path / "plan.xlsx"))
    assert wb["Summary"]["A1"].value == "+cmd|' /C calc'!A0"
    assert wb["Summary"]["A1"].data_type == "s" and wb["Summary"]["A1"].quotePrefix
    names = {c.value: c for c in wb["Plan"]["A"][1:]}
    assert names["-list"].data_type == "s" and names["-list"].quotePrefix
    assert names["@batch"].data_type == "s" and names["@batch"].quotePrefix


def test_atomic_write_leaves_no_temporary_file(tmp_path, rich):
    out = write_workbook(rich, tmp_path / "plan.xlsx")
    assert out == tmp_path / "plan.xlsx"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]
    # A second write replaces the file whole.
    write_workbook(rich, out)
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_failed_write_leaves_nothing(tmp_path, rich, monkeypatch):
    def boom(self, filename):
        open(filename, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", boom)
    with pytest.raises(OSError):
        write_workbook(rich, tmp_path / "plan.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_opens_with_charts_and_finance_layout(tmp_path, rich):
    path = write_workbook(rich, tmp_path / "plan.xlsx")
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 2  # Summary and Costs: cost by category per period
    wb = load_workbook(path)
    for name in ("Plan", "Capacity", "Costs", "Unit economics"):
        ws = wb[name]
        assert ws.freeze_panes, name
        assert ws.auto_filter.ref, name
        assert ws.page_setup.orientation == "landscape"
        # Fitted to one page width, or printed across pages with titles repeated.
        assert (ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage) \
            or (ws.print_title_rows and ws.print_title_cols), name
    costs = wb["Costs"]
    assert "USD" in costs.cell(1, 4).value
    assert '"$"#,##0' in costs.cell(2, 4).number_format
    assert costs.column_dimensions["A"].width >= 8
    assert "not computed" in " ".join(str(c.value) for c in wb["Strategies"]["A"] if c.value)
    method = " ".join(str(c.value) for row in wb["Method"].iter_rows() for c in row if c.value)
    for word in ("NPV", "Residual value", "Reserved terms", "depreciation", "snapshot"):
        assert word.lower() in method.lower(), word


def test_strategies_rendered_when_present(tmp_path, rich):
    # Shaped like tco.analysis output (strategies.COLUMNS, curves.COLUMNS, breakeven dicts).
    npv = rich.solution.npv_usd
    strategies = pd.DataFrame({
        "strategy": ["api_only", "api_batch_cache", "self_host_only", "hybrid"],
        "status": ["ok", "ok", "infeasible", "ok"],
        "npv_usd": [npv + 300_000, npv + 200_000, None, npv],
        "cost_per_year_usd": [1.0, 0.9, None, 0.6],
        "usd_per_mtok": [1.0, 0.9, None, 0.6],
        "savings_vs_best_single_usd": [-100_000, 0.0, None, 200_000],
        "reason": ["", "", "strategy 'self_host_only': no feasible plan.\n"
                           "workload 'chat' has no option left: 9 candidates removed\n"
                           "  - 9 candidates: score below the minimum 80 (best 79)\n"
                           "  to fix: lower min_quality", ""],
    })
    curves = pd.DataFrame([(s, k, 10.0 * k, 1000.0 * k, 1000.0 * k * (i + 1), "ok")
                           for i, s in enumerate(["api_only", "hybrid"])
                           for k in (0.1, 1.0, 10.0)],
                          columns=["strategy", "scale", "requests_per_month",
                                   "tokens_per_month", "npv_usd", "status"])
    breakeven = [
        {"a": "self_host_only", "b": "api_only", "found": False, "kind": None, "scale": None,
         "per_workload": [], "npv_a_usd": None, "other_changes": [],
         "infeasible": {"self_host_only": [0.01], "api_only": []},
         "message": "No break-even between 0.01x and 1,000x today's demand."},
        {"a": "hybrid", "b": "api_only", "found": True, "kind": "divergence", "scale": 2.5,
         "requests_per_month": 5e7, "tokens_per_month": 9e10,
         "per_workload": [{"workload": INJECT, "requests_per_month": 5e5,
                           "tokens_per_month": 4.75e8}],
         "npv_a_usd": {"low": 1.0, "high": 2.0}, "other_changes": [[3.0, 4.0]],
         "mip_rel_gap": 0.0003, "equal_rtol": 0.0002, "rtol": 0.01, "target_gap": 1e-4,
         "message": "hybrid and api_only cost the same up to 2.5x."},
    ]
    run = RunResult(scenario=rich.scenario, resolved=rich.resolved, solution=rich.solution,
                    strategies=strategies, breakeven=breakeven, curves=curves)
    path = write_workbook(run, tmp_path / "plan.xlsx")
    wb = load_workbook(path)
    cells = [c for row in wb["Strategies"].iter_rows() for c in row]
    flat = [c.value for c in cells]
    assert "api_batch_cache" in flat
    # why a strategy has no plan: under the table, a line a row (in its own column it made
    # the row pages tall and printed on another page)
    why = next(c for c in cells if c.value == "Why self_host_only has no plan:")
    below = [wb["Strategies"].cell(why.row + i, 1).value for i in range(1, 5)]
    assert below == ["strategy 'self_host_only': no feasible plan.",
                     "workload 'chat' has no option left: 9 candidates removed",
                     "- 9 candidates: score below the minimum 80 (best 79)",
                     "to fix: lower min_quality"]
    row = next(c.row for c in cells if c.value == "self_host_only" and c.column == 1)
    assert wb["Strategies"].cell(row, 8).value == "see below the table"
    assert wb["Strategies"].row_dimensions[row].height is None
    assert ("self_host_only vs api_only: No break-even between 0.01x and 1,000x today's "
            "demand.") in flat
    assert "hybrid NPV (USD)" in flat and "NPV a (USD) low" in flat
    assert all(c.data_type == "s" for c in cells if c.value == INJECT)
    # the answers a row per pair, the search's own figures a row per figure below, a column
    # per pair (as 30 columns they printed over 4 page widths)
    head = next(c for c in cells if c.value == "Found")
    by_label = {c.value: c for c in cells if c.row == head.row}
    assert head.column <= 10 and "Mip rel gap" not in by_label
    assert by_label["Scale"].offset(2, 0).number_format == "#,##0.00"
    # requests and tokens are whole counts (5,000,000.00 requests read as false precision)
    for label in ("Requests per month", "Tokens per month"):
        assert by_label[label].offset(2, 0).number_format == "#,##0", label
    assert [by_label["Found"].offset(i, 0).value for i in (1, 2)] == ["no", "yes"]
    # the answer in words under the table, a printed line a row, not cut
    assert "Message" not in by_label
    assert "hybrid vs api_only: hybrid and api_only cost the same up to 2.5x." in flat
    detail = next(c for c in cells if c.value == "Search detail")
    assert [detail.offset(0, i).value for i in (1, 2)] == ["self_host_only vs api_only",
                                                            "hybrid vs api_only"]
    rows = {c.value: c for c in cells if c.column == 1 and c.row > detail.row}
    # gaps and tolerances read as percentages: a 0.03% gap printed "0.00" read as none
    fractions = {"Gap every NPV holds to": 0.0003, "Costs count as equal within": 0.0002,
                 "Break-even found to within": 0.01, "Target MIP gap": 1e-4}
    assert not {"Mip rel gap", "Equal rtol", "Rtol", "Min scale"} & set(rows)  # no jargon
    for label, value in fractions.items():
        cell = rows[label].offset(0, 2)  # the hybrid pair's column
        assert cell.value == value and cell.number_format == "0.00%", label
    assert rows["NPV a (USD) low"].offset(0, 2).value == 1.0
    # lists read as a reader writes them, not as Python prints them ("[]", "[0.01]")
    assert rows["Infeasible self host only"].offset(0, 1).value == "0.01"
    assert rows["Infeasible API only"].offset(0, 1).value == "none"
    assert wb["Strategies"].max_column <= 9
    assert wb["Strategies"].sheet_properties.pageSetUpPr.fitToPage  # one page width
    summary = {row[0].value: row[1] for row in wb["Summary"].iter_rows(min_row=5, max_row=24)}
    assert summary["Recommended strategy"].value == "hybrid"
    saving = summary["Saved against the best single-mode strategy (USD)"]
    # hybrid against api_batch_cache, the cheapest feasible single-mode strategy.
    assert saving.data_type == "f" and "best_single_npv_usd" in saving.value
    assert "api_batch_cache" in summary["Saved against the best single-mode strategy (USD)"] \
        .offset(0, 1).value
    with zipfile.ZipFile(path) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 4
    # The curves' gaps, when the table has them, are said above it in printable lines.
    from tco.analysis.curves import curves_note

    gaps = curves.assign(mip_gap=[0.0, 0.0, 0.0, 0.0, 0.021, 0.0])
    run = RunResult(scenario=rich.scenario, resolved=rich.resolved, solution=rich.solution,
                    strategies=strategies, breakeven=breakeven, curves=gaps)
    wb = load_workbook(write_workbook(run, tmp_path / "gaps.xlsx"))
    lines = [c.value for row in wb["Strategies"].iter_rows(max_col=1) for c in row
             if isinstance(c.value, str) and c.font.italic]
    start = next(i for i, v in enumerate(lines) if v.startswith("Each point's NPV"))
    note = curves_note(gaps, rich.scenario.solver.mip_rel_gap)
    assert "except 1 of 6 points" in note and "up to 2.10%" in note
    n = len(textwrap.wrap(note, 110))
    assert n > 1 and " ".join(lines[start:start + n]) == note
    assert all(len(v) <= 110 for v in lines[start:start + n])


def test_api_only_plan_without_gpus(tmp_path):
    run = run_of(api_only_scenario())
    wb = load_workbook(write_workbook(run, tmp_path / "plan.xlsx"))
    assert wb.sheetnames == list(SHEETS)
    assert "No GPUs" in str(wb["Capacity"]["A2"].value)
    assert "npv_usd" in wb.defined_names


ROLE_COLOURS = {"0000CC": "input", "7030A0": "as solved", "595959": "label"}


def test_no_typed_number_a_formula_could_compute(tmp_path, rich):
    """Every number written as a value is an input (blue), a decision or result as solved
    (purple) or an index (grey); everything else is a formula."""
    run = RunResult(scenario=rich.scenario, resolved=rich.resolved, solution=rich.solution,
                    strategies=pd.DataFrame({"strategy": ["api_only", "hybrid"],
                                             "status": ["ok", "ok"],
                                             "npv_usd": [rich.solution.npv_usd + 1.0,
                                                         rich.solution.npv_usd]}))
    wb = load_workbook(write_workbook(run, tmp_path / "plan.xlsx"))
    typed, roles = [], set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "n" and isinstance(c.value, int | float):
                    rgb = (c.font.color.rgb if c.font and c.font.color else None) or ""
                    role = ROLE_COLOURS.get(str(rgb)[-6:])
                    if role is None:
                        typed.append(f"{ws.title}!{c.coordinate}={c.value}")
                    roles.add(role)
    assert not typed, typed[:20]
    assert roles >= {"input", "as solved", "label"}
    # Formerly typed, now formulas: Plan GPU-hours and quality, Capacity busy share,
    # headroom, utilization; the Summary's saving; the hybrid row of Strategies.
    plan = wb["Plan"]
    head = {c.value: c.column_letter for c in plan[1]}
    assert plan[f"{head['Quality (0-100)']}2"].data_type == "f"
    cap = wb["Capacity"]
    assert cap["O2"].data_type == "f" and cap["N2"].data_type == "f"
    assert "assumptions_changed" in wb.defined_names and "plan_check" in wb.defined_names


def test_signoff_sheet_logs_inputs_sources_files_and_limits(tmp_path, rich):
    wb = load_workbook(write_workbook(rich, tmp_path / "plan.xlsx"))
    ws = wb["Sign-off"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    for needed in ("Owner", "Reviewer", "Run date (UTC)", "tco version", "Price snapshot date",
                   "Scenario files", "Utilization target", "Minimum replicas", "GPU cap g_own",
                   "Assumption log (as solved on"):
        assert any(needed in t for t in text), needed
    # GPU and model figures with their sources (catalog citations or the scenario).
    log = {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1)}
    assert any(k and k.startswith("Assumptions: g_own: Purchase price") for k in log)
    assert any(k and "Prefill" in k for k in log)
    assert all(v for k, v in log.items() if k and k.startswith("Assumptions: "))


def test_a_long_source_is_listed_once_under_the_log(tmp_path):
    # A catalog figure's derivation (~470 characters) was printed in full on every row it
    # backs (12 rows each on the enterprise example: the Sign-off sheet took 33 pages). Each
    # row now points at it; it is listed once under the log; short sources stay on their rows.
    from tco.pipeline import prepare
    from tco.report.workbook.signoff import SOURCE_INLINE_CHARS

    p = prepare("scenarios/startup.yaml")
    run = RunResult(scenario=p.scenario, resolved=p.resolved,
                    solution=plan(p.scenario, p.resolved))
    ws = load_workbook(write_workbook(run, tmp_path / "plan.xlsx"))["Sign-off"]
    log = {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1)}
    assert all(len(v) <= SOURCE_INLINE_CHARS for k, v in log.items()
               if k and k.startswith("Assumptions: "))
    assert any(v == "scenario" for v in log.values())
    listed = {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1)
              if str(ws.cell(r, 1).value).startswith("source ")}
    pointers = {ws.cell(r, 5).value for r in range(1, ws.max_row + 1)
                if str(ws.cell(r, 5).value).startswith("source ")}
    assert pointers and {p.removesuffix(" (below the log)") for p in pointers} == set(listed)
    assert all(len(t) > SOURCE_INLINE_CHARS for t in listed.values())
    assert len(set(listed.values())) == len(listed)  # each text once


def test_constraint_costs_wrap_the_rule_in_words(tmp_path, rich):
    # The rule in words ran on under the next column and printed cut ("an API provider serves
    # at"): it is wrapped in its cell, and its row is tall enough for the lines.
    costs = [{"constraint": "vendor sprawl rules",
              "what": "an API provider serves at least 10% of a workload or none",
              "npv_with_usd": 100.0, "npv_without_usd": 100.0, "cost_usd": 0.0, "status": "ok"}]
    run = RunResult(scenario=rich.scenario, resolved=rich.resolved, solution=rich.solution,
                    constraint_costs=costs)
    ws = load_workbook(write_workbook(run, tmp_path / "plan.xlsx"))["Strategies"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == costs[0]["what"])
    assert cell.alignment.wrap_text
    assert (ws.row_dimensions[cell.row].height or 0) > 15
    # the constraint's name too (the bank's "residency of kyc-document-extraction" was cut)
    name = next(c for row in ws.iter_rows() for c in row if c.value == costs[0]["constraint"])
    assert name.alignment.wrap_text


def test_a_failed_recalculation_still_writes_the_set_and_says_why(tmp_path, monkeypatch):
    # When LibreOffice fails to compute the cached values, the workbook is written without
    # them, the page too, and the reason reaches `warn`.
    from tco.report import write_report_set
    from tco.report.workbook import cached

    def broken(path, wb=None):
        raise RuntimeError("LibreOffice failed (exit 81); missing ['plan.xlsx']")

    monkeypatch.setattr(cached, "available", lambda: True)
    monkeypatch.setattr(cached, "add_cached_values", broken)
    s = scenario(workloads=[workload()], apis=[api("a/x", 2.0, 8.0)])
    r = resolve_plain(s)
    run = RunResult(scenario=s, resolved=r, solution=plan(s, r))
    said: list[str] = []
    written = write_report_set(run, tmp_path, warn=said.append)
    assert {p.name for p in written} >= {"plan.xlsx", "report.html", "results.json"}
    assert load_workbook(tmp_path / "plan.xlsx").sheetnames == list(SHEETS)
    assert said == ["plan.xlsx is written without cached values (readers that do not calculate "
                    "see empty cells): LibreOffice failed (exit 81); missing ['plan.xlsx']"]


def test_cell_values_read_as_a_reader_writes_them():
    from tco.report.workbook.layout import cell_value

    assert cell_value("unproven_scales", []) == ("none", None)
    assert cell_value("unproven_scales", [0.01, 3.16]) == ("0.01, 3.16", None)
    assert cell_value("requests_per_month", 5e6) == (5e6, "#,##0")
    assert cell_value("tokens", 9.5e10)[1] == "#,##0"
    assert cell_value("scale", 1.62)[1] == "#,##0.00"
    assert cell_value("ok", True) == ("yes", None)
