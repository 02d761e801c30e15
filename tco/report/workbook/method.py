"""The Method sheet: how the workbook computes, and where its data come from."""

from __future__ import annotations

from tco.report.workbook.context import Context
from tco.report.workbook.layout import (
    ref,
)


def write(ctx: Context) -> None:
    g = ctx.sheets["Method"]
    sol = ctx.run.solution
    snap = sol.meta.get("prices_snapshot", {}) or dict(ctx.run.resolved.prices_snapshot)
    g.width(1, 30)
    g.width(2, 120)
    lines = [
        ("How this workbook computes", None),
        ("Decisions and money", "The optimizer's decisions (shares per option, GPUs bought, "
         "reserved and rented, replicas, engineers hired, fine-tunes trained) are values on "
         "Plan and Capacity. Every amount of money is a formula over Assumptions and those "
         "quantities: change an input and the costs recompute for the same plan. A changed "
         "input does not re-optimize the plan; run tco again for that."),
        ("Periods", "A quarter is 2190 hours (8760 / 4), a month 730; costs are booked in the "
         "period they are paid."),
        ("NPV", "NPV = sum over periods t of cost(t) x (1 + discount rate)^(-t / periods per "
         "year). The first period is undiscounted (cash flows are discounted from the start of "
         "their period)."),
        ("API cost", "requests x (input tokens x (1 - cached share) x input price + input "
         "tokens x cached share x cached price + output tokens x output price) / 1e6 x (1 + "
         "price trend)^years. Batch APIs use the provider's batch prices for every token "
         "kind; a fine-tune's shorter prompt reduces input tokens by its input token "
         "reduction."),
        ("GPUs on demand", "GPUs rented x USD per GPU-hour x hours per period."),
        ("Reserved terms", "A commitment of 1 or 3 years is paid for every period of its term "
         "inside the horizon, used or not: GPUs under commitment x USD per GPU-hour x hours per "
         "period. Under the conservative end-of-horizon rule (end_of_horizon_conservative = 1) "
         "the part of a term running past the horizon is also booked in the last period "
         "(category GPU reserved after horizon)."),
        ("Owned GPUs and depreciation", "The purchase price is paid in the period bought "
         "(GPU purchases). While alive (life in periods = life in years x periods per year, "
         "rounded) each GPU costs power_kw x (facility USD per kW-month x months + electricity "
         "USD per kWh x PUE x hours) per period."),
        ("Residual value", "Pro rata end-of-horizon rule (end_of_horizon_conservative = 0): "
         "a GPU costs an annuity over its life at the discount rate for the periods it serves "
         "inside the horizon. With v = period_discount, life L periods and n = min(L, max(0, "
         "s + L - periods in horizon)) periods of life left after the horizon for a GPU bought "
         "in period s, the price x v x (1 - v^n) / (1 - v^L) (price x n / L at rate 0, "
         "straight-line book value) is credited (negative) in the last period. Conservative "
         "rule: no credit."),
        ("Staff", "Engineers hired beyond those employed x cost per year / periods per year. "
         "Employed engineers are committed costs."),
        ("Fine-tuning", "A trained fine-tune costs its training cost at the first period and "
         "every 'retrain every' periods after."),
        ("Expected errors", "requests x (1 - quality / 100) x cost of one bad answer."),
        ("Committed costs", "Existing owned GPUs (running costs while alive, residual book "
         "value), signed reservations and employed engineers are reported apart (Costs sheet) "
         "and are not in the plan's NPV."),
        ("Unit economics", "Levelised: present value of the costs a workload causes over the "
         "present value of its tokens (or requests)."),
        ("", None),
        ("Data sources", None),
        ("API price snapshot", f"{snap.get('source', '-')} version {snap.get('version', '-')}"
         f", dated {snap.get('date', '-')}"),
        ("Scenario files", ", ".join(ctx.run.files) or "(given in memory)"),
        ("Run id", f"{ctx.run.run_id} (the same in results.json, run.json and report.html)"),
        ("Price sources", "Each API price row names its source on the Assumptions sheet; GPU "
         "prices and throughputs come from the scenario or tco's catalog."),
        ("Solver", f"{sol.result.solver}: status {sol.result.status}, termination "
         f"{sol.result.termination}."),
    ]
    for r, (label, text) in enumerate(lines, start=1):
        if text is None:
            g.put(r, 1, label, kind="section")
        else:
            g.put(r, 1, label)
            g.put(r, 2, text, kind="wrap")
    g.put(len(lines) + 2, 1, "Prices snapshot date")
    g.put(len(lines) + 2, 2, snap.get("date", "-"))
    ctx.name("prices_snapshot_date", ref("Method", len(lines) + 2, 2))
    g.finish()
