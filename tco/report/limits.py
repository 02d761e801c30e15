"""The policy limits that shaped a plan, described as the model applies them.

Both reports print these sentences; they restate the constraint families' docstrings
(`tco.model.capacity`, `tco.model.policy`, `tco.model.procurement`) in words.
"""

from __future__ import annotations

from tco.scenario.schema import Scenario


def pct(x: float) -> str:
    """A share as a percentage, trailing zeros dropped: 0.35 -> '35%'."""
    return f"{x * 100:.2f}".rstrip("0").rstrip(".") + "%"


def describe_limits(scenario: Scenario, gpus=()) -> list[tuple[str, str]]:
    """(limit, meaning) for every limit the scenario sets, the capacity rules first."""
    cap, cons = scenario.capacity, scenario.constraints
    out = [
        ("Utilization target",
         f"{pct(cap.utilization_target)}: replicas are sized so that the replica-hours a period "
         f"needs (demand x peak to average, batch workloads at their average) are at most "
         f"{pct(cap.utilization_target)} of the replicas' hours."),
        ("Minimum replicas",
         f"{cap.min_replicas}: a self-hosted model serving interactive or standard traffic keeps "
         f"at least {cap.min_replicas} replica(s) in every period it serves."
         if cap.min_replicas > 1 else
         "1: no floor beyond what demand needs."),
    ]
    if cons.max_share_per_provider is not None:
        out.append((
            "Provider cap",
            f"{pct(cons.max_share_per_provider)}: in every period, the tokens (input and output, "
            f"all workloads together) served by any one API provider are at most "
            f"{pct(cons.max_share_per_provider)} of all tokens of that period, self-hosted ones "
            f"included. It is not a cap per workload: one workload may still go entirely to "
            f"one provider."))
    if cons.budget_usd_per_period is not None:
        out.append((
            "Budget per period",
            f"${cons.budget_usd_per_period:,.0f}: the cash spent in any one period (every cost "
            f"category except the residual value credit and reservation payments after the "
            f"horizon) is at most this amount."))
    for g in gpus:
        if getattr(g, "max_gpus", None) is not None:
            out.append((f"GPU cap {g.name}",
                        f"{g.max_gpus}: at most {g.max_gpus} {g.name} GPUs held in any period "
                        f"(owned, reserved, rented on demand and existing ones together)."))
    return out
