"""Infeasible scenarios explained in words.

Two causes are told apart. A workload with no option left is reported before any model is
built, with the requirement that removed each candidate (quality, latency, residency, context,
strategy). Otherwise the elastic model (penalised slack on demand, provider share and budget
rows) is solved, and each slack in use says which requirement cannot be met and by how much.
"""

from __future__ import annotations

from tco.model.build import build_model
from tco.model.data import ModelData
from tco.model.explain_reasons import grouped, remedy
from tco.model.solve import solve
from tco.options import Options
from tco.scenario.schema import Scenario, SolverSettings


def unservable(scenario: Scenario, options: Options) -> str | None:
    """Text naming each workload left with no option and why each candidate was removed."""
    served = set(options.table["workload_name"])
    lines = []
    for w in scenario.workloads:
        if w.name in served:
            continue
        lines += unservable_lines(w, options.rejected.get(w.name, []))
    return "\n".join(lines) if lines else None


def unservable_lines(w, reasons: list[str]) -> list[str]:
    """The heading, the grouped reasons and the remedy for one workload with no option."""
    n = len(reasons)
    lines = [f"workload '{w.name}' has no option left "
             f"(task {w.task}, min_quality {w.min_quality:g}, latency {w.latency}, "
             f"residency {w.residency}): {n} candidate{'s' if n != 1 else ''} removed"]
    lines += [f"  - {r}" for r in grouped(reasons)] or [
        "  - no API, open model or fine-tune offered"]
    fix = remedy(w.task, w.residency, reasons)
    return lines + ([f"  {fix}"] if fix else [])


def explain_caps(data: ModelData, settings: SolverSettings,
                 merged: dict[str, list[str]] | None = None) -> str:
    """Solve the elastic model and say which caps or demands cannot be met, and by how much.

    `merged` names, per workload of the model, the identical workloads merged into it
    (tco.aggregate), so that messages name what the user wrote.
    """
    built = build_model(data, elastic=True)
    result = solve(built, settings)
    if not result.has_plan:
        return ("no plan meets every requirement, and the relaxed model could not say why "
                f"(solver status {result.status})")
    labels = data.periods.labels
    lines = []
    for (family, key), (var, _) in built.slacks.items():
        v = var.value or 0.0
        if v <= 1e-7:
            continue
        if family == "demand":
            w, t = key
            name = data.scenario.workloads[w].name
            names = (merged or {}).get(name, [name])
            who = (f"workload '{name}'" if len(names) == 1 else
                   "workloads " + ", ".join(f"'{n}'" for n in names) + " (identical, merged)")
            lines.append(f"{who} cannot be fully served in "
                         f"{labels[t]}: {v:.1%} of its demand has no capacity "
                         "(GPU availability max_gpus, or every option excluded)")
        elif family == "share":
            p, t = key
            cap = data.scenario.constraints.max_share_per_provider
            lines.append(f"provider share cap {cap:.0%} cannot hold for {p} in {labels[t]}: "
                         "it must "
                         f"serve {cap + v:.1%} of tokens (over by {v:.1%} points), because other "
                         "options cannot take its workloads")
        elif family == "budget":
            budget = data.scenario.constraints.budget_usd_per_period
            lines.append(f"budget_usd_per_period {budget:,.0f} cannot hold in {labels[key]}: "
                         f"the cheapest plan spends {budget + v:,.0f} (over by {v:,.0f} USD)")
    return "\n".join(lines) or "no plan meets every requirement (no single cap explains it)"
