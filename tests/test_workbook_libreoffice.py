"""The finance workbook recalculated by a real spreadsheet engine (LibreOffice, headless).

One LibreOffice start converts every workbook the tests need (about 5 s); the tests then read
the computed values back with openpyxl. Without LibreOffice the tests are skipped, except on CI
(env CI=true), where .ci/run installs it and a skip would hide a failure.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_workbook import (
    INJECT,
    adoption_scenario,
    api_only_scenario,
    cascade_tariffed_scenario,
    conservative_scenario,
    lead_scenario,
    levers_scenario,
    named_cell,
    named_cell_rows,
    rich_scenario,
    run_of,
    tariffed_scenario,
)
from test_workbook_formulas import same_as_libreoffice

from tco.model.terms import CATEGORIES
from tco.report.workbook import write_workbook
from tco.report.workbook.recalc import recalculate, soffice

REL = 1e-6
DELTA_OUT = 1.5
"""USD per 1M output tokens added to prov/big's realtime price in the edited copy."""
EDITED = "price_prov_big_realtime_output"
STALE_DEMAND = 1.3
STALE = "Assumptions changed since the plan was solved: run tco again"
OPS = {"usd_per_provider_per_year": 4000, "usd_per_workload_per_year": 1000}
"""API engineering and operations for the levers and tariffed workbooks: their per-workload and
per-option costs must carry it (tco.ops_attribution) as the engine does."""


def _chat_row(wb):
    ((sheet, coord),) = list(wb.defined_names["wl_names"].destinations)
    ws = wb[sheet]
    first, last = (int(x.split("$")[-1]) for x in coord.split(":"))
    return ws, next(r for r in range(first, last + 1) if ws.cell(r, 1).value == "chat")


def _quality_cell(wb, name, task):
    ws = wb["Assumptions"]
    for row in ws.iter_rows():
        if row[0].value == name and row[2].value == task and row[1].value is None:
            return row[3]
    raise AssertionError(f"no quality row for {name} {task}")


def _col(ws, header, row=1):
    return next(c.column for c in ws[row] if c.value == header)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    if soffice() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required on CI: .ci/run installs "
                        "libreoffice-calc")
        pytest.skip("LibreOffice (soffice) is not installed: the workbook's formulas cannot "
                    "be recalculated here (install libreoffice-calc)")
    src = tmp_path_factory.mktemp("written")
    rich, mono = run_of(rich_scenario()), run_of(api_only_scenario())
    conservative = run_of(conservative_scenario())
    lev = run_of(levers_scenario(api_operations=OPS))
    cats = conservative.solution.tables["costs"].groupby("category").usd.sum()
    committed = conservative.solution.tables["committed"].groupby("category").usd.sum()
    assert cats["gpu_reserved_after_horizon"] > 0 and cats["gpu_residual"] == 0
    assert committed["gpu_reserved_after_horizon"] > 0
    lead = run_of(lead_scenario())
    adopted = run_of(adoption_scenario())
    assert adopted.solution.tables["fine_tunes"].adopted_t.iat[0] == 2
    tariffed = run_of(tariffed_scenario(api_operations=OPS))
    # The unit-economics checks run on plans with API operations costs (rich: also moves).
    for r in (rich, lev, tariffed):
        assert r.solution.tables["costs"].groupby("category").usd.sum()["api_operations"] > 0
    assert rich.solution.tables["costs"].groupby("category").usd.sum()["migration"] > 0
    cats = tariffed.solution.tables["costs"].groupby("category").usd.sum()
    # Every tariff cost line is exercised: a fee, units, discounts and a shortfall.
    assert cats["tariff_fee"] > 0 and cats["tariff_units"] > 0
    assert cats["tariff_discount"] < 0 and cats["tariff_shortfall"] > 0
    # Cascade stages in tariffs: units serve part of a stage and part of a plain row (the rest
    # spills), the per-API deal prices what spills, the commitment with b has a shortfall.
    cascaded = run_of(cascade_tariffed_scenario(api_operations=OPS))
    cs = cascaded.solution
    assert ((cs.stage_served > 0.01) & (cs.stage_served < 0.99)).any()
    assert ((cs.served > 0.01) & (cs.served < 0.99)).any()
    ct = cs.tables["tariffs"]
    assert ct[ct.tariff == "deal"].taken.all() and (ct.shortfall_usd > 0).any()
    # Strategy figures as tco.analysis gives them; the Summary's savings refer to them.
    mono.strategies = pd.DataFrame({
        "strategy": ["api_only", "api_batch_cache", "hybrid"], "status": ["ok"] * 3,
        "npv_usd": [mono.solution.npv_usd + 5000.0, mono.solution.npv_usd + 1234.5,
                    mono.solution.npv_usd]})
    rich.strategies = pd.DataFrame({
        "strategy": ["api_only", "api_batch_cache", "hybrid"], "status": ["ok"] * 3,
        "npv_usd": [rich.solution.npv_usd + 9000.0, rich.solution.npv_usd + 4000.0,
                    rich.solution.npv_usd]})
    write_workbook(rich, src / "rich.xlsx")
    write_workbook(mono, src / "monthly.xlsx")
    write_workbook(conservative, src / "conservative.xlsx")
    write_workbook(lev, src / "levers.xlsx")
    write_workbook(tariffed, src / "tariffed.xlsx")
    write_workbook(cascaded, src / "cascaded.xlsx")
    write_workbook(lead, src / "lead.xlsx")
    write_workbook(adopted, src / "adopted.xlsx")
    # The reviewer's edit: one API output price, nothing else, on a copy of the rich workbook.
    shutil.copy(src / "rich.xlsx", src / "edited.xlsx")
    wb = load_workbook(src / "edited.xlsx")
    cell = named_cell(wb, EDITED)
    cell.value = cell.value + DELTA_OUT
    wb.save(src / "edited.xlsx")
    # A second reviewer's edits: chat's demand up by STALE_DEMAND and one quality score down.
    wb = load_workbook(src / "rich.xlsx")
    ws, chat = _chat_row(wb)
    ws.cell(chat, 4).value = ws.cell(chat, 4).value * STALE_DEMAND
    qcell = _quality_cell(wb, "prov/big", "chat")
    qcell.value = qcell.value - 10
    wb.save(src / "stale.xlsx")
    out = recalculate([src / "rich.xlsx", src / "monthly.xlsx", src / "edited.xlsx",
                       src / "stale.xlsx", src / "conservative.xlsx", src / "levers.xlsx",
                       src / "tariffed.xlsx", src / "lead.xlsx", src / "adopted.xlsx",
                       src / "cascaded.xlsx"],
                      tmp_path_factory.mktemp("recalculated"))
    books = {p.stem: load_workbook(p, data_only=True) for p in out}
    return {"runs": {"rich": rich, "monthly": mono, "conservative": conservative,
                     "levers": lev, "tariffed": tariffed, "lead": lead,
                     "adopted": adopted, "cascaded": cascaded},
            "books": books, "written": {p.stem: src / p.name for p in out},
            "formulas": load_workbook(out[0])}


def _costs_grid(wb, T):
    """Recalculated Costs table: {(t, category): usd}."""
    ((sheet, coord),) = list(wb.defined_names["costs_table"].destinations)
    ws = wb[sheet]
    first = int(coord.split(":")[0].split("$")[-1])
    return {(t, cat): ws.cell(first + t, 4 + i).value or 0.0
            for t in range(T) for i, cat in enumerate(CATEGORIES)}


@pytest.mark.parametrize("which", ["rich", "monthly", "conservative", "levers", "tariffed",
                                   "lead", "adopted", "cascaded"])
def test_npv_and_period_category_totals_match_the_engine(recalculated, which):
    run, wb = recalculated["runs"][which], recalculated["books"][which]
    sol = run.solution
    assert named_cell(wb, "npv_usd").value == pytest.approx(sol.npv_usd, rel=REL)
    assert named_cell(wb, "cash_npv_usd").value == pytest.approx(sol.cash_npv_usd, rel=REL)
    assert named_cell(wb, "error_npv_usd").value == pytest.approx(sol.error_npv_usd, rel=REL,
                                                                  abs=1e-9)
    T = len(sol.periods)
    grid = _costs_grid(wb, T)
    engine = {(int(r.t), r.category): r.usd for r in sol.tables["costs"].itertuples()}
    scale = max(abs(v) for v in engine.values())
    for key, usd in engine.items():
        assert grid[key] == pytest.approx(usd, rel=REL, abs=REL * scale), key
    committed = sol.tables["committed"]
    assert named_cell(wb, "committed_npv_usd").value == pytest.approx(
        float(committed.npv_usd.sum()), rel=REL, abs=1e-9)


@pytest.mark.parametrize("which", ["rich", "conservative", "lead"])
def test_committed_costs_by_category_match(recalculated, which):
    run, wb = recalculated["runs"][which], recalculated["books"][which]
    ((sheet, coord),) = list(wb.defined_names["committed_table"].destinations)
    ws = wb[sheet]
    first = int(coord.split(":")[0].split("$")[-1])
    cats = ["power_facility", "gpu_reserved", "gpu_residual", "staff",
            "gpu_reserved_after_horizon", "gpu_support", "gpu_software", "gpu_network_storage"]
    got = {(t, c): ws.cell(first + t, 3 + i).value for t in range(len(run.solution.periods))
           for i, c in enumerate(cats)}
    engine = run.solution.tables["committed"].groupby(["t", "category"]).usd.sum()
    for (t, c), usd in got.items():
        assert usd == pytest.approx(engine.get((t, c), 0.0), rel=REL, abs=1e-6), (t, c)


@pytest.mark.parametrize("which", ["rich", "levers", "tariffed", "cascaded"])
def test_unit_economics_match_the_engine(recalculated, which):
    run, wb = recalculated["runs"][which], recalculated["books"][which]
    ws = wb["Unit economics"]
    got = {ws.cell(r, 1).value: (ws.cell(r, 7).value, ws.cell(r, 8).value)
           for r in range(2, 2 + len(run.scenario.workloads))}
    for row in run.solution.tables["unit_costs"].itertuples():
        per_mtok, per_1k = got[row.workload]
        assert per_mtok == pytest.approx(row.usd_per_mtok, rel=REL), row.workload
        assert per_1k == pytest.approx(row.usd_per_1k_requests, rel=REL), row.workload


@pytest.mark.parametrize("which", ["rich", "levers", "tariffed", "cascaded"])
def test_cost_per_successful_answer_per_option_matches_the_engine(recalculated, which):
    run, wb = recalculated["runs"][which], recalculated["books"][which]
    oc = run.solution.tables["option_costs"]
    ws = wb["Unit economics"]
    cells = named_cell_rows(wb, "option_usd_per_1k_successes")
    got = {(ws.cell(r, 1).value, ws.cell(r, 2).value): ws.cell(r, 10).value for r in cells}
    assert len(got) == len(oc) > 1
    for row in oc.itertuples():
        assert got[(row.workload, row.option)] == pytest.approx(row.usd_per_1k_successes,
                                                                rel=REL), row.option


def test_changing_an_api_output_price_moves_the_npv_by_the_engine_amount(recalculated):
    run = recalculated["runs"]["rich"]
    sol, s = run.solution, run.scenario
    # Independently of the workbook: every allocation row served by prov/big's realtime API
    # pays DELTA_OUT more per 1M output tokens, times the price trend and the discount factor.
    trend = {a.id: a.price_trend_per_year for a in s.apis}["prov/big"]
    per_year, rate = 4, s.finance.discount_rate
    a = sol.tables["allocation"]
    rows = a[a.option == "api:prov/big"]
    assert len(rows) > 0
    years = rows.t.to_numpy() / per_year
    expected = float(np.sum(rows.output_tokens.to_numpy() * DELTA_OUT / 1e6
                            * (1 + trend) ** years * (1 + rate) ** (-years)))
    assert expected > 0
    before = named_cell(recalculated["books"]["rich"], "npv_usd").value
    after = named_cell(recalculated["books"]["edited"], "npv_usd").value
    assert after - before == pytest.approx(expected, rel=REL)
    assert named_cell(recalculated["books"]["edited"], EDITED).value == 12.0 + DELTA_OUT


def test_injected_workload_name_stays_text(recalculated):
    for wb in (recalculated["books"]["rich"], recalculated["formulas"]):
        cells = [c for row in wb["Plan"].iter_rows(min_col=1, max_col=1) for c in row
                 if c.value == INJECT]
        assert cells, "the workload name is missing or was evaluated"
        assert all(c.data_type == "s" for c in cells)
    unit = recalculated["books"]["rich"]["Unit economics"]
    assert INJECT in [unit.cell(r, 1).value for r in range(2, 6)]


def test_summary_savings_against_the_best_single_mode_strategy(recalculated):
    ws = recalculated["books"]["monthly"]["Summary"]
    rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(5, 25)}
    assert rows["Recommended strategy"] == "hybrid"
    assert rows["Saved against the best single-mode strategy (USD)"] == pytest.approx(1234.5)
    assert rows["NPV of the plan (USD)"] == pytest.approx(
        recalculated["runs"]["monthly"].solution.npv_usd, rel=REL)


@pytest.mark.parametrize("which", ["rich", "lead", "levers"])
def test_capacity_and_plan_formulas_restate_the_engine(recalculated, which):
    # levers: a cascade's two self-hosted stages each load their own deployment.
    run, wb = recalculated["runs"][which], recalculated["books"][which]
    sol = run.solution
    cap = wb["Capacity"]
    fleet = sol.tables["fleet"].reset_index(drop=True)
    assert len(fleet) > 0
    for i, row in fleet.iterrows():
        r = 2 + i
        assert cap.cell(r, 1).value == row.gpu and cap.cell(r, 3).value == row.t
        for k, key in ((7, "owned"), (8, "reserved_1y"), (9, "reserved_3y"),
                       (11, "existing_owned"), (12, "existing_reserved"), (13, "total"),
                       (14, "in_use")):
            assert cap.cell(r, k).value == pytest.approx(row[key]), (row.gpu, row.t, key)
        assert cap.cell(r, 15).value == pytest.approx(row.utilization, rel=REL, abs=1e-12)
    reps = sol.tables["replicas"].reset_index(drop=True)
    first = next(r for r in range(1, cap.max_row) if cap.cell(r, 1).value == "Served model") + 1
    for i, row in reps.iterrows():
        r = first + i
        assert cap.cell(r, 9).value == pytest.approx(row.replica_hours_needed, rel=REL)
        assert cap.cell(r, 10).value == pytest.approx(row.busy_share, rel=REL)
        assert cap.cell(r, 11).value == ("yes" if row.headroom_ok else "no")
    plan = wb["Plan"]
    gh, q = _col(plan, "GPU-hours"), _col(plan, "Quality (0-100)")
    assert sum(plan.cell(r, gh).value or 0 for r in range(2, plan.max_row + 1)) == \
        pytest.approx(float((sol.tables["replicas"].replica_hours_needed
                             * sol.tables["replicas"].gpus
                             / sol.tables["replicas"].replicas.clip(lower=1)).sum()), rel=REL)
    assert all(isinstance(plan.cell(r, q).value, float | int) for r in range(2, plan.max_row + 1))


def test_an_edit_moves_every_derived_cell_and_says_run_again(recalculated):
    """Demand and a quality score edited in a copy: what follows from them moved, the rest is
    labelled as solved, and the plan check says in words that the plan is stale."""
    before, after = recalculated["books"]["rich"], recalculated["books"]["stale"]
    assert named_cell(before, "plan_check").value.startswith("Assumptions as solved")
    assert named_cell(after, "plan_check").value == STALE
    assert named_cell(before, "assumptions_changed").value == 0
    assert named_cell(after, "assumptions_changed").value == 2
    # The price edit of the other copy is caught too.
    assert named_cell(recalculated["books"]["edited"], "plan_check").value == STALE
    # Every formula cell that follows from chat's demand or prov/big's chat score moved.
    pb, pa = before["Plan"], after["Plan"]
    head = {c.value: c.column for c in pb[1]}
    moved = ["Requests", "Tokens", "Error cost (USD)", "API cost (USD)", "Replica-hours",
             "GPU-hours", "Direct cost PV (USD)"]
    checked = 0
    for r in range(2, pb.max_row + 1):
        if pb.cell(r, 1).value != "chat":
            continue
        for name in moved:
            v0, v1 = pb.cell(r, head[name]).value, pa.cell(r, head[name]).value
            if v0:
                assert v1 != pytest.approx(v0, rel=1e-9), (r, name)
                checked += 1
        if pb.cell(r, head["API or model"]).value == "prov/big":
            assert pa.cell(r, head["Quality (0-100)"]).value == \
                pb.cell(r, head["Quality (0-100)"]).value - 10
    assert checked > 10
    cb, ca = before["Capacity"], after["Capacity"]
    first = next(r for r in range(1, cb.max_row) if cb.cell(r, 1).value == "Served model") + 1
    busy = [(cb.cell(r, 10).value, ca.cell(r, 10).value) for r in range(first, cb.max_row + 1)
            if isinstance(cb.cell(r, 10).value, float) and cb.cell(r, 10).value > 0]
    assert busy and any(b1 > b0 for b0, b1 in busy)
    for name in ("npv_usd", "total_cost_usd", "tokens_pv_total"):
        assert named_cell(after, name).value != pytest.approx(named_cell(before, name).value)
    sb, sa = before["Summary"], after["Summary"]
    saving = {sb.cell(r, 1).value: (sb.cell(r, 2).value, sa.cell(r, 2).value)
              for r in range(5, 25)}["Saved against the best single-mode strategy (USD)"]
    assert saving[0] == pytest.approx(4000.0)
    assert saving[1] != pytest.approx(saving[0])


def test_budget_as_finance_keeps_it(recalculated):
    """Nominal cash by workload and year adds up to the Costs sheet's cash; cost centres,
    capex and opex, contingency on top (rich: 10%, escalation of salaries, power, facility)."""
    run, wb = recalculated["runs"]["rich"], recalculated["books"]["rich"]
    ws = wb["Budget"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(3, 6)]
            for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    costs = run.solution.tables["costs"]
    cash = costs[costs.category != "error"].assign(year=lambda d: d.t // 4 + 1)
    by_year = cash.groupby("year").usd.sum()
    spend = rows["Cash spend"]
    assert spend[:2] == pytest.approx([by_year[1], by_year[2]], rel=REL)
    assert spend[2] == pytest.approx(float(cash.usd.sum()), rel=REL)
    assert rows["Check: cash spend on the Costs sheet"] == pytest.approx(spend, rel=REL)
    assert rows["Contingency"] == pytest.approx([0.1 * x for x in spend], rel=REL)
    assert rows["Budget (cash spend + contingency)"] == pytest.approx(
        [1.1 * x for x in spend], rel=REL)
    capex = cash[cash.category.isin(["gpu_capex", "gpu_residual"])].usd.sum()
    assert rows["Capex: GPU purchases less residual value"][2] == pytest.approx(capex, rel=REL)
    # Workload rows by cost centre: support (chat) and ops (batch-sum) and the rest.
    assert rows["support"] == pytest.approx(rows["chat"], rel=REL)
    assert rows["ops"] == pytest.approx(rows["batch-sum"], rel=REL)
    named = sum(rows[w][2] for w in ("support", "ops", "(none)"))
    # Every cash category the workload rows do not carry (fine-tuning, levers, migrations,
    # tariffs) has a row of its own, so the rows add up to the cash spend.
    apart = sum(v[2] for k, v in rows.items() if k.endswith("(not attributed)"))
    assert rows["Fine-tuning (not attributed)"][2] > 0
    assert named + apart == pytest.approx(spend[2], rel=REL)


@pytest.mark.parametrize("which", ["rich", "lead", "conservative"])
def test_pnl_sheet_matches_the_engine(recalculated, which):
    run, wb = recalculated["runs"][which], recalculated["books"][which]
    ((sheet, coord),) = list(wb.defined_names["pnl_table"].destinations)
    ws = wb[sheet]
    first = int(coord.split(":")[0].split("$")[-1])
    pnl = run.solution.tables["pnl"]
    assert pnl.depreciation_usd.sum() > 0
    for row in pnl.itertuples(index=False):
        r = first + int(row.t)
        for c, key in ((3, "opex_usd"), (4, "capex_usd"), (5, "depreciation_usd"),
                       (6, "pnl_cost_usd"), (7, "cash_spent_usd")):
            assert ws.cell(r, c).value == pytest.approx(getattr(row, key), rel=REL,
                                                        abs=1e-6), (row.t, key)
    assert named_cell(wb, "book_value_end_usd").value == pytest.approx(
        float(pnl.capex_usd.sum() - pnl.depreciation_usd.sum()), rel=REL, abs=1e-6)


def test_python_computes_every_formula_as_libreoffice_does(recalculated):
    # The cached values tco writes come from tco.report.workbook.formulas: every formula of
    # every test workbook (tariffs, levers, cascades, conservative end of horizon, lead times,
    # an adopted fine-tune, a reviewer's edits, a stale copy) gives LibreOffice's result.
    checked = sum(same_as_libreoffice(path, recalculated["books"][stem])
                  for stem, path in recalculated["written"].items())
    assert checked > 5000
