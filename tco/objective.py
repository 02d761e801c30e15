"""What a plan minimises: cash (what finance pays) or quality-adjusted (cash plus the expected
cost of bad answers, which is not cash). Read by option pruning, the model and the reports."""

from __future__ import annotations

from tco.scenario.schema import Scenario


def objective_of(scenario: Scenario) -> tuple[str, str]:
    """(objective, why): what the plan minimises (finance.objective) and why that one."""
    chosen = scenario.finance.objective
    if chosen is not None:
        return chosen, "set in finance.objective"
    if any(w.error_cost_usd > 0 for w in scenario.workloads):
        return "quality_adjusted", ("the default, because workloads give error_cost_usd "
                                    "(finance.objective: cash minimises cash only)")
    return "cash", "the default, as no workload gives error_cost_usd"
