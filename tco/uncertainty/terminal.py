"""The tornado, the Monte Carlo figures and the robust plan printed with rich (formatting only)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from tco.analysis.terminal import _usd


def _delta(x, base) -> str:
    if x is None or base is None:
        return "-"
    d = x - base
    return ("+" if d >= 0 else "-") + _usd(abs(d))


def print_tornado(console: Console, sens: dict, title: str = "") -> None:
    """One row per source, largest swing of the plan held fixed first."""
    base = sens["base_fixed_usd"]
    kind = sens["bars"][0]["range"] if sens["bars"] else ""
    t = Table(title=title or "Sensitivity: NPV at each input's low and high value",
              caption=f"Change from the base NPV {_usd(base)} with the recommended plan's GPUs, "
                      "reservations, staff and fine-tunes held (APIs and on-demand GPUs absorb "
                      f"the change); low/high are {kind}",
              box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    for col, right in (("input", False), ("low", True), ("high", True), ("NPV at low", True),
                       ("NPV at high", True), ("swing", True), ("re-optimised swing", True)):
        t.add_column(col, justify="right" if right else "left")
    for b in sens["bars"]:
        t.add_row(b["source"], f"{b['low']:.3g}", f"{b['high']:.3g}",
                  _delta(b["fixed_low_usd"], base), _delta(b["fixed_high_usd"], base),
                  _usd(b["swing_fixed_usd"]), _usd(b["swing_reoptimised_usd"]))
    console.print(t)
    for b in sens["bars"]:
        if b["status"] != "ok":
            console.print(f"{b['source']}: {b['status']}", markup=False, highlight=False)


def print_montecarlo(console: Console, mc: dict) -> None:
    """Per strategy: mean with its standard error, P10/P50/P90, CVaR90 and regret."""
    t = Table(title=f"Monte Carlo: NPV over {mc['draws']} draws (seed {mc.get('seed')})",
              caption="CVaR90 = mean of the dearest 10% of draws; regret = NPV minus the best "
                      "plan had the draw been known",
              box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    for col, right in (("strategy", False), ("plans", True), ("mean", True), ("± s.e.", True),
                       ("P10", True), ("P50", True), ("P90", True), ("CVaR90", True),
                       ("mean regret", True)):
        t.add_column(col, justify="right" if right else "left", no_wrap=True)
    for r in mc["strategies"]:
        t.add_row(r["strategy"], f"{r['with_plan']}/{r['draws']}", _usd(r.get("mean_usd")),
                  _usd(r.get("standard_error_usd")), _usd(r.get("p10_usd")),
                  _usd(r.get("p50_usd")), _usd(r.get("p90_usd")), _usd(r.get("cvar90_usd")),
                  _usd(r.get("mean_regret_usd")))
    console.print(t)
    for who, label in (("plan_held_fixed", "the recommended plan held fixed"),
                       ("hybrid", "self-hosting where it pays, re-optimised per draw")):
        p = mc.get(f"p_self_hosting_pays_{who}")
        if p is not None:
            console.print(f"P(cheaper than the best API-only strategy) for {label}: "
                          f"{p:.0%}", markup=False, highlight=False)


def print_robust(console: Console, rb: dict) -> None:
    """The robust plan against the forecast's: first stage, expected NPV, CVaR, VSS, EVPI."""
    how = "every joint discrete combination" if rb["enumerated"] else "equally likely draws"
    t = Table(title=f"Robust plan over {rb['draws']} draws ({how})",
              caption="Expected NPV with each plan's GPUs, reservations, staff, fine-tunes "
                      "and price plans held and the rest re-optimised per draw",
              box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    for col in ("plan", "expected NPV", f"CVaR{rb['risk']['cvar_alpha'] * 100:.0f}",
                "GPUs bought", "GPUs reserved", "peak engineers hired"):
        t.add_column(col, justify="left" if col == "plan" else "right")
    for key, label in (("robust", "robust"), ("deterministic", "for the forecast")):
        fs = rb["first_stage"][key]
        npv = rb["expected_npv_usd" if key == "robust" else "deterministic_expected_npv_usd"]
        tail = rb["cvar_usd" if key == "robust" else "deterministic_cvar_usd"]
        t.add_row(label, _usd(npv), _usd(tail), f"{sum(r['bought'] for r in fs['gpus']):,}",
                  f"{sum(r['reserved_1y'] + r['reserved_3y'] for r in fs['gpus']):,}",
                  f"{max(fs['engineers_hired'], default=0):,}")
    console.print(t)
    sv = rb["solver"]
    gap = f"{sv['gap']:.2%}" if sv["gap"] is not None else "-"
    console.print(f"Value of the stochastic solution (VSS): {_usd(rb['vss_usd'])}; expected "
                  f"value of perfect information (EVPI): {_usd(rb['evpi_usd'])}. Extensive form "
                  f"{sv['status']}, gap {gap}, {sv['seconds']:.1f} s.",
                  markup=False, highlight=False)
