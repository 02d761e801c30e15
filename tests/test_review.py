"""Review and roll on a plan worked by hand (tests/fixtures/quarterly/plan.yaml, its arithmetic
in the file's header): variances exact, the rolled `existing:` equal to the plan's decisions,
and a second run on the rolled file keeps what is owned."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tco.cli import app
from tco.errors import ScenarioError
from tco.history import list_runs, load, record
from tco.orders import assets_of, orders
from tco.pipeline import run_scenario
from tco.review import read_actuals, roll_scenario, variance

HERE = Path(__file__).resolve().parent / "fixtures" / "quarterly"
ROOT = HERE.parent.parent.parent


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The plan solved and kept in a history, read back as review and roll see it."""
    history = tmp_path_factory.mktemp("h") / "history.duckdb"
    run = run_scenario(HERE / "plan.yaml", analysis=False)
    assert run.solution.npv_usd == pytest.approx(443_800)
    record(run, history)
    return history, load(history, run.run_id)


def _tables(stored_run):
    return {n: stored_run.table(n) for n in ("allocation", "fleet", "staffing", "costs")}


def test_variance_is_exact(stored):
    _, run = stored
    v = variance(run.scenario, _tables(run), run.results["periods"],
                 read_actuals(HERE / "actuals.csv"))
    got = {(r.item, r.metric): (r.plan, r.actual, r.variance, r.forecast_error)
           for r in v.itertuples()}
    assert set(v.period) == {"2027Q1"}  # only the quarter whose three months are given
    # chat: plan 3e6 requests a quarter, actual 1.1 + 1.0 + 1.2 = 3.3e6; error (3 - 3.3) / 3.3
    assert got[("chat", "requests")] == pytest.approx((3e6, 3.3e6, 3e5, -1 / 11))
    # 3.63e9 input tokens over 3.3e6 requests = 1,100 a request against the plan's 1,000
    assert got[("chat", "input tokens per request")] == pytest.approx((1000, 1100, 100, -1 / 11))
    assert got[("chat", "output tokens per request")] == pytest.approx((100, 100, 0, 0))
    # hosted: plan 3e7, actual 2.7e7: 3e6 short, the plan 1/9 high
    assert got[("hosted", "requests")] == pytest.approx((3e7, 2.7e7, -3e6, 1 / 9))
    # spend: API $7,200 planned, $2,500 + 2,600 + 2,800 = $7,900 invoiced
    assert got[("api", "usd")] == pytest.approx((7_200, 7_900, 700, -700 / 7_900))
    assert got[("gpu_capex", "usd")] == pytest.approx((30_000, 30_000, 0, 0))
    assert got[("staff", "usd")] == pytest.approx((100_000, 100_000, 0, 0))
    assert ("gpu_residual", "usd") not in got  # credited in 2027Q4, not yet elapsed


def test_orders_of_the_first_quarter(stored):
    """2027Q1: buy the GPU ($30,000), hire the engineer (a year: $400,000), route chat to the
    API ($7,200 this quarter) and hosted to our GPU ($0 of API)."""
    _, run = stored
    o = orders({n: run.table(n) for n in ("fleet", "staffing", "allocation", "fine_tunes")},
               run.assets, run.results["periods"])
    got = {(r.order, r.what): (r.count, r.cost_usd) for r in o.itertuples()}
    assert got[("buy", "g")] == (1, pytest.approx(30_000))
    assert got[("hire", "platform engineer")] == (1, pytest.approx(400_000))
    assert got[("route", "chat")][1] == pytest.approx(7_200)
    assert got[("route", "hosted")][1] == pytest.approx(0)
    assert len(got) == 4


def test_roll_rebases_demand_and_fills_existing(stored, tmp_path):
    _, run = stored
    rolled = roll_scenario(run.scenario, _tables(run), run.assets, run.results["periods"],
                           read_actuals(HERE / "actuals.csv"))
    s = rolled.scenario
    assert s["horizon"] == {"start": "2027Q2", "periods": 4, "period": "quarter"}
    # the plan's decisions in 2027Q1: one GPU bought, one engineer on staff
    assert s["existing"] == {"owned_gpus": [{"gpu": "g", "count": 1, "bought": "2027Q1",
                                             "price_usd": 30_000, "life_years": 2}],
                             "reservations": [], "engineers": 1}
    w = {x["name"]: x for x in s["workloads"]}
    # chat: ln-linear fit through 1.1e6, 1.0e6, 1.2e6 at months 0, 1, 2: slope b = (ln 1.2 -
    # ln 1.1) / 2, level at month 2 = exp(mean + b), carried one month: x exp(b)
    y = [math.log(v) for v in (1.1e6, 1.0e6, 1.2e6)]
    b = (y[2] - y[0]) / 2
    assert w["chat"]["growth_per_year"] == pytest.approx(math.exp(12 * b) - 1, rel=1e-5)
    assert w["chat"]["requests_per_month"] == pytest.approx(math.exp(sum(y) / 3 + 2 * b),
                                                            rel=1e-6)
    assert w["chat"]["input_tokens"] == pytest.approx(1100)
    assert w["hosted"]["requests_per_month"] == pytest.approx(9e6)
    assert w["hosted"]["growth_per_year"] == pytest.approx(0, abs=1e-9)


def test_review_and_roll_commands_then_run_keeps_what_is_owned(stored, tmp_path):
    history, run = stored
    out = tmp_path / "review"
    r = CliRunner().invoke(app, ["review", run.run_id, "--actuals", str(HERE / "actuals.csv"),
                                 "--history", str(history), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "2027Q1" in r.output
    csv_rows = pd.read_csv(out / "variance.csv")
    chat = csv_rows[(csv_rows["item"] == "chat") & (csv_rows.metric == "requests")].iloc[0]
    assert (chat.plan, chat.actual) == (3e6, 3.3e6)
    assert "3,300,000" in (out / "review.html").read_text()
    ws = openpyxl.load_workbook(out / "review.xlsx")["Variance"]
    row = next(r for r in range(4, ws.max_row + 1)
               if ws.cell(r, 2).value == "chat" and ws.cell(r, 4).value == "requests")
    assert ws.cell(row, 7).value == f"=F{row}-E{row}"  # a formula over plan and actual
    nxt = tmp_path / "next.yaml"
    r = CliRunner().invoke(app, ["roll", run.run_id, "--actuals", str(HERE / "actuals.csv"),
                                 "--history", str(history), "--out", str(nxt)])
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(nxt.read_text())["existing"]["engineers"] == 1
    # the second quarter's plan: the GPU bought last quarter serves, nobody is hired again
    nxt_run = run_scenario(nxt, analysis=False)
    fleet = nxt_run.solution["fleet"]
    assert list(fleet.existing_owned) == [1, 1, 1, 1]
    assert fleet.bought.sum() == 0
    staff = nxt_run.solution["staffing"]
    assert list(staff.engineers_employed) == [1] * 4 and staff.engineers_hired.sum() == 0
    o = orders(nxt_run.solution.tables, assets_of(nxt_run), nxt_run.solution.periods)
    assert set(o["order"]) == {"route"} and set(o["period"]) == {"2027Q2"}
    # and through the command, which prints this quarter's orders and records the run
    p = subprocess.run([sys.executable, "-m", "tco", "run", str(nxt), "--out",
                        str(tmp_path / "next"), "--no-analysis", "--history", str(history)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "Orders for 2027Q2" in p.stdout
    assert len(list_runs(history)) == 2
    # roll wrote the review of the first plan into next.yaml, so the second run's own reports
    # carry its variance: the same figures as tco review's, formulas in the workbook
    review = yaml.safe_load(nxt.read_text())["review"]
    assert review["run"] == run.run_id  # paths relative to next.yaml
    assert (nxt.parent / review["actuals"]).resolve() == (HERE / "actuals.csv").resolve()
    assert (nxt.parent / review["history"]).resolve() == history.resolve()
    page = (tmp_path / "next" / "report.html").read_text()
    section = page[page.index('<section id="variance">'):]
    section = section[:section.index("</section>")]
    assert run.run_id in section and "3,300,000" in section
    assert "-9.1%" in section  # chat: 3.3e6 requests against 3e6 planned, error -1/11
    ws = openpyxl.load_workbook(tmp_path / "next" / "plan.xlsx")["Variance"]
    row = next(r for r in range(4, ws.max_row + 1)
               if ws.cell(r, 2).value == "chat" and ws.cell(r, 4).value == "requests")
    assert (ws.cell(row, 5).value, ws.cell(row, 6).value) == (3e6, 3.3e6)
    assert ws.cell(row, 7).value == f"=F{row}-E{row}"
    assert ws.cell(row, 8).value == f'=IF(F{row}<>0,(E{row}-F{row})/F{row},"")'
    in_run = pd.read_csv(tmp_path / "next" / "variance.csv")
    pd.testing.assert_frame_equal(in_run, csv_rows)  # what tco review wrote


def test_bad_actuals_are_located(tmp_path):
    bad = tmp_path / "a.csv"
    bad.write_text("month,workload,requests,category,spend_usd\n"
                   "2027-13,chat,5,,\n2027-01,chat,-1,,\n2027-02,,,fuel,10\n")
    with pytest.raises(ScenarioError) as e:
        read_actuals(bad)
    msgs = [str(p) for p in e.value.problems]
    assert msgs[0].startswith(f"{bad}:2: month: '2027-13' is not a month")
    assert msgs[1].startswith(f"{bad}:3: requests: '-1'")
    assert msgs[2].startswith(f"{bad}:4: category: 'fuel'")


def test_actuals_beyond_the_plan_are_said_not_dropped(stored, tmp_path):
    """A workload the plan does not know shows in the variance and in the roll's notes; actuals
    with no complete plan period are refused, located at the file."""
    _, run = stored
    extra = tmp_path / "a.csv"
    extra.write_text((HERE / "actuals.csv").read_text()
                     + "".join(f"2027-0{m},new-bot,500,,,,,\n" for m in (1, 2, 3)))
    a = read_actuals(extra)
    v = variance(run.scenario, _tables(run), run.results["periods"], a)
    row = v[v["item"] == "new-bot"].iloc[0]
    assert (row.actual, row.note) == (1500, "not in the plan") and pd.isna(row.plan)
    rolled = roll_scenario(run.scenario, _tables(run), run.assets, run.results["periods"], a)
    assert any("new-bot" in n and "not in the plan" in n for n in rolled.notes)
    partial = tmp_path / "p.csv"
    partial.write_text("month,workload,requests\n2027-01,chat,5\n2027-02,chat,5\n")
    with pytest.raises(ScenarioError, match=r"p.csv: month: no complete plan period.*2027-03"):
        variance(run.scenario, _tables(run), run.results["periods"], read_actuals(partial))


def test_a_review_of_a_plan_not_in_the_history_stops_the_run(stored, tmp_path):
    """A `review:` that cannot be honoured is bad input, said at its line before any solve."""
    history, _ = stored
    bad = tmp_path / "next.yaml"
    bad.write_text(f"extends: {HERE / 'plan.yaml'}\nreview:\n  run: nope\n"
                   f"  actuals: {HERE / 'actuals.csv'}\n")
    p = subprocess.run([sys.executable, "-m", "tco", "run", str(bad), "--out",
                        str(tmp_path / "out"), "--no-analysis", "--history", str(history)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 2, p.stderr
    assert f"{bad}:3: review.run: {history}: no run 'nope'" in p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "out").exists()
