"""Switching costs: a workload moved to another destination (API, or served model and GPU
type) pays migration_cost_usd, so plans stop moving models between quarters for pennies."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import api, resolve_plain, scenario, workload

from tco.pipeline import plan, prepare

BANK = Path(__file__).resolve().parents[1] / "scenarios" / "bank.yaml"


def _npv(sol, category: str | None = None) -> float:
    c = sol["costs"]
    return float(c[c.category == category].npv_usd.sum()) if category else sol.npv_usd


def test_a_move_pays_the_migration_cost_once_and_only_when_it_pays():
    # API a/x costs 4,200 a quarter (1,000 in + 100 out tokens, $1/$4 per 1M, 3e6 requests)
    # in 2027 and, with its price trend of +100% a year, 8,400 from 2028Q1 on (t = 4 at
    # 2^(4/4)); b/y costs a flat 6,000 (x = 1.4286 times a/x's prices). Rate 0, 6 quarters.
    apis = [api("a/x", 1.0, 4.0, price_trend_per_year=1.0), api("b/y", 10 / 7, 40 / 7)]
    def solve(cost):
        s = scenario(workloads=[workload()], apis=apis, horizon={"periods": 6},
                     switching={"migration_cost_usd": cost})
        return plan(s, resolve_plain(s))
    # Free moves: a/x while it is cheaper than 6,000 (4,200 x 2^(t/4) <= 6,000 up to t = 2),
    # then b/y: one move, in 2027Q4.
    free = solve(0)
    assert list(free["moves"].period) == ["2027Q1", "2027Q4"]
    assert free.npv_usd == pytest.approx(33_134.37, abs=0.01)
    # Each destination pays when it starts serving, the first period's included (the plan
    # does not know where the workload runs today). The move plan costs 4,200 x (1 + 2^0.25
    # + 2^0.5) + 3 x 6,000 = 33,134 plus two starts; staying on b/y throughout costs 36,000
    # plus one (a/x throughout: 4,200 x (1 + 2^0.25 + ... + 2^1.25) = 40,587). The move
    # saves 2,866: at $1,000 a start it pays for itself.
    paid = solve(1_000)
    assert list(paid["moves"].period) == ["2027Q1", "2027Q4"]
    assert _npv(paid, "migration") == pytest.approx(2_000)
    assert paid.npv_usd == pytest.approx(free.npv_usd + 2_000)
    # At $4,000 the move costs more than the 2,866 it saves: the plan stays on b/y.
    stay = solve(4_000)
    assert list(stay["moves"].period) == ["2027Q1"]
    assert set(stay["allocation"].option) == {"api:b/y"}
    assert stay.npv_usd == pytest.approx(36_000 + 4_000)


def test_bank_switches_fall_with_a_migration_cost_and_each_remaining_one_pays():
    # The bank's existing A100s serve at no plan cost until they retire (2029Q1); between
    # equally free open models the plan flips every few quarters. $50 a move removes every
    # flip; the moves left are off the retiring A100s in 2029Q2.
    p = prepare(BANK)
    s = p.scenario.model_copy(update={"horizon": p.scenario.horizon.model_copy(
        update={"periods": 10})})

    def solve(default: float, **own: float):
        ws = [w.model_copy(update={"migration_cost_usd": own.get(w.name)})
              for w in s.workloads]
        return plan(s.model_copy(update={"workloads": ws, "switching": s.switching.model_copy(
            update={"migration_cost_usd": default})}), p.resolved)

    free, paid = solve(0.0), solve(50.0)
    switches = paid["moves"].query("t > 0")
    assert len(switches) < len(free["moves"].query("t > 0"))
    assert set(switches.period) == {"2029Q2"}
    # Each remaining move pays for itself: forbidding one workload's moves (a prohibitive
    # cost of its own) costs more, before migration, than the $50 x discount factor it paid.
    for name in ("transaction-classification", "advisor-copilot"):
        kept = solve(50.0, **{name: 1e9})
        assert kept["moves"].query("workload == @name and t > 0").empty
        mine = paid["moves"].query("workload == @name and t > 0")
        paid_for = float((mine.migration_cost_usd * [paid["costs"].query("t == @t")
                                                     .discount_factor.iat[0]
                                                     for t in mine.t]).sum())
        saving = ((kept.npv_usd - _npv(kept, "migration"))
                  - (paid.npv_usd - _npv(paid, "migration")))
        assert paid_for > 0 and saving >= paid_for - 1e-6
