"""What each constraint costs: the plan without it minus the plan with it.

For every rule the scenario sets that can only make the plan dearer, the recommended (hybrid)
plan is solved again without that rule; the difference of the NPVs is what the rule costs
(never negative: dropping a rule only widens the choice, so the plan with the rule is a plan
without it too, and the NPV without the rule is the lower of the two; a saving within the
MIP gap is reported as 0). Rules measured, each alone:

- a workload's `residency` (other than any), `pin:` and `allow:`, one workload at a time
  (at most MAX_PER_WORKLOAD workloads each, the rest measured together);
- `constraints.max_share_per_provider`, `constraints.budget_usd_per_period`;
- the vendor-sprawl rules `min_share_when_used` and `max_providers_per_workload` together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tco.catalog.types import Resolved
from tco.errors import InfeasibleError, SolverError
from tco.scenario.schema import Scenario

MAX_PER_WORKLOAD = 5
COLUMNS = ["constraint", "what", "npv_with_usd", "npv_without_usd", "cost_usd", "status"]


def _without_workload_rule(field: str, default, names: list[str]) -> Callable[[Scenario], Scenario]:
    def drop(s: Scenario) -> Scenario:
        ws = [w.model_copy(update={field: default}) if w.name in names else w
              for w in s.workloads]
        return s.model_copy(update={"workloads": ws})
    return drop


def _without_constraints(**fields) -> Callable[[Scenario], Scenario]:
    def drop(s: Scenario) -> Scenario:
        return s.model_copy(update={"constraints": s.constraints.model_copy(update=fields)})
    return drop


def relaxations(s: Scenario) -> list[tuple[str, str, Callable[[Scenario], Scenario]]]:
    """(constraint, what it says, how to drop it) for every rule the scenario sets."""
    out = []
    for field, default, label in (("residency", "any", "residency"), ("pin", None, "pin"),
                                  ("allow", None, "allow")):
        ws = [w for w in s.workloads if getattr(w, field) != default]
        singles, rest = ws[:MAX_PER_WORKLOAD], ws[MAX_PER_WORKLOAD:]
        for w in singles:
            out.append((f"{label} of {w.name}", f"{label}: {getattr(w, field)}",
                        _without_workload_rule(field, default, [w.name])))
        if rest:
            out.append((f"{label} of {len(rest)} more workloads", f"{label} as written",
                        _without_workload_rule(field, default, [w.name for w in rest])))
    c = s.constraints
    if c.max_share_per_provider is not None:
        out.append(("max_share_per_provider", f"{c.max_share_per_provider:.0%} per provider",
                    _without_constraints(max_share_per_provider=None)))
    if c.budget_usd_per_period is not None:
        out.append(("budget_usd_per_period", f"${c.budget_usd_per_period:,.0f} a period",
                    _without_constraints(budget_usd_per_period=None)))
    if c.min_share_when_used or c.max_providers_per_workload is not None:
        what = []
        if c.min_share_when_used:
            what.append(f"an API provider serves at least {c.min_share_when_used:.0%} of a "
                        "workload or none")
        if c.max_providers_per_workload is not None:
            what.append(f"at most {c.max_providers_per_workload} providers per workload")
        out.append(("vendor sprawl rules", "; ".join(what),
                    _without_constraints(min_share_when_used=None,
                                         max_providers_per_workload=None)))
    return out


def relaxed_npv(scenario: Scenario, resolved: Resolved, index: int) -> float | str:
    """The recommended plan's NPV with the `index`-th rule of `relaxations` dropped, or why
    it was not measured (words). One task of the analysis's pool (tco.analysis.parallel)."""
    from tco.pipeline import plan

    drop = relaxations(scenario)[index][2]
    try:
        return plan(drop(scenario), resolved).npv_usd
    except (InfeasibleError, SolverError) as e:
        return f"not measured: {str(e).splitlines()[0]}"


def constraint_costs(scenario: Scenario, resolved: Resolved, npv_with: float,
                     solved: Sequence[float | str] | None = None) -> list[dict]:
    """One row per rule (COLUMNS): the NPV of the plan without it and what the rule costs.

    `solved[i]` is `relaxed_npv(scenario, resolved, i)` when already solved (the analysis runs
    them in its pool, in parallel); without it each is solved here, one after another."""
    rules = relaxations(scenario)
    if solved is None:
        solved = [relaxed_npv(scenario, resolved, i) for i in range(len(rules))]
    rows = []
    for (name, what, _), got in zip(rules, solved, strict=True):
        row = {"constraint": name, "what": what, "npv_with_usd": npv_with,
               "npv_without_usd": None, "cost_usd": None, "status": "ok"}
        if isinstance(got, str):
            rows.append({**row, "status": got})
            continue
        # the plan with the rule keeps every other rule, so it is a plan without it too: the
        # optimum without the rule costs at most the lower of the two (a solve within its gap
        # returned $409 above the plan with the rule on the enterprise example)
        without = min(got, npv_with)
        gap = scenario.solver.mip_rel_gap * max(abs(npv_with), 1.0)
        cost = npv_with - without
        rows.append({**row, "npv_without_usd": without,
                     "cost_usd": 0.0 if abs(cost) <= gap else cost})
    return rows
