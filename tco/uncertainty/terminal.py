"""The tornado, the Monte Carlo figures and the robust plan printed with rich (formatting only)."""

from __future__ import annotations

import io
import math

from rich import box
from rich.console import Console
from rich.table import Table

from tco.analysis.terminal import _usd


def print_tornado(console: Console, sens: dict, title: str = "") -> None:
    """One row per source, largest swing of the plan held fixed first."""
    base = sens["base_fixed_usd"]
    kind = sens["bars"][0]["range"] if sens["bars"] else ""

    def delta(x):
        return None if x is None or base is None else _Signed(x - base)

    rows = [[b["source"], f"{b['low']:.3g}", f"{b['high']:.3g}", delta(b["fixed_low_usd"]),
             delta(b["fixed_high_usd"]), b["swing_fixed_usd"], b["swing_reoptimised_usd"]]
            for b in sens["bars"]]
    t = _money_table(
        console, ["input", "low", "high", "NPV at low", "NPV at high", "swing",
                  "re-optimised swing"], rows,
        title=title or "Sensitivity: NPV at each input's low and high value",
        caption=f"Change from the base NPV {_usd(base)} with the recommended plan's GPUs, "
                "reservations, staff and fine-tunes held (APIs and on-demand GPUs absorb "
                f"the change); low/high are {kind}")
    console.print(t)
    for b in sens["bars"]:
        if b["status"] != "ok":
            console.print(f"{b['source']}: {b['status']}", markup=False, highlight=False)


class _Signed(float):
    """A change in USD, printed with its sign (+$1,803,055)."""


def _money_table(console: Console, header: list[str], rows: list[list], **table) -> Table:
    """A table of `rows` (text cells, then amounts in USD) whose amounts are whole dollars, or
    $k or $M where whole dollars cannot fit the console: rich would cut them short
    ("$4,722,4…" at 100 columns)."""
    def fmt(x, unit: float, suffix: str, digits: int):
        if isinstance(x, str):
            return x
        if x is None or math.isnan(x):
            return "-"
        v = x / unit
        text = f"${abs(v):,.{digits}f}{suffix}"
        if round(v, digits) < 0:
            return "-" + text
        return "+" + text if isinstance(x, _Signed) else text

    for unit, suffix, digits in ((1.0, "", 0), (1e3, "k", 0), (1e6, "M", 2)):
        cells = [[fmt(x, unit, suffix, digits) for x in row] for row in rows]
        t = Table(box=box.SIMPLE_HEAD, padding=(0, 0, 0, 0), show_edge=False, **table)
        for i, col in enumerate(header):
            # never narrower than its longest word: a header or a name wraps, a number not
            t.add_column(col, justify="left" if i == 0 else "right",
                         min_width=max(len(w) for text in [col] + [r[i] for r in cells]
                                       for w in text.split()))
        for row in cells:
            t.add_row(*row)
        if _fits(console.width, t):
            break  # every number whole (a header or a name may wrap)
    return t


def _fits(width: int, table: Table) -> bool:
    """Whether `table` prints within `width` columns with no cell cut short."""
    probe = Console(file=io.StringIO(), width=width, color_system=None)
    probe.print(table, crop=False)
    text = probe.file.getvalue()
    return "…" not in text and all(len(line.rstrip()) <= width for line in text.splitlines())


def print_montecarlo(console: Console, mc: dict) -> None:
    """Per strategy: mean with its standard error, P10/P50/P90, CVaR90 and regret."""
    keys = ("mean_usd", "standard_error_usd", "p10_usd", "p50_usd", "p90_usd", "cvar90_usd",
            "mean_regret_usd")
    rows = [[r["strategy"], "all" if r["with_plan"] == r["draws"]
             else f"{r['with_plan']}/{r['draws']}"] + [r.get(k) for k in keys]
            for r in mc["strategies"]]
    t = _money_table(
        console, ["strategy", "plans", "mean", "± s.e.", "P10", "P50", "P90", "CVaR90",
                  "mean regret"], rows,
        title=f"Monte Carlo: NPV over {mc['draws']} draws (seed {mc.get('seed')})",
        caption="CVaR90 = mean of the dearest 10% of draws; regret = NPV minus the best "
                "plan had the draw been known")
    console.print(t)
    if mc.get("gap_note"):
        console.print(mc["gap_note"], markup=False, highlight=False)
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
    if rb.get("evaluation_note"):
        console.print(rb["evaluation_note"], markup=False, highlight=False)
