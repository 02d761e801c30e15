"""The Sign-off sheet: who signs, what was run, on which files, and every assumption logged.

The assumption log lists every input of the workbook (blue cells) with the value the plan was
solved with (purple), its current value (a formula pointing at the input), whether it changed
and where the figure comes from (price lists, the GPU and model catalog with their dates, or
the scenario). `assumptions_changed` counts the changed inputs; the Summary's plan check turns
it into words. The policy limits that shaped the plan close the sheet, each with its meaning
in the model.
"""

from __future__ import annotations

from tco import __version__
from tco.report.limits import describe_limits
from tco.report.workbook.context import Context
from tco.report.workbook.layout import COUNT, local, ref

SIGNOFF = "Sign-off"
SOURCE_INLINE_CHARS = 80
"""Longest source printed on its row of the log; longer ones are listed once under it."""
CHANGED_TOL = 1e-9
"""Relative difference below which an input counts as unchanged (rounding in a viewer)."""


def write(ctx: Context) -> None:
    """People, run record, files and hashes, price snapshot, policy limits, assumption log."""
    from tco.scenario.loader import file_sha256

    g = ctx.sheets[SIGNOFF]
    run, sol = ctx.run, ctx.run.solution
    g.width(1, 48)
    g.width(2, 16)
    g.width(3, 16)
    g.width(4, 10)
    g.width(5, 80)
    g.put(1, 1, f"Sign-off: {run.scenario.name}", kind="title")
    g.put(2, 1, "Fill in the blue cells when signing. Every input below is logged with the "
                "value the plan was solved with; the Summary's plan check says when one "
                "differs.", kind="note")
    r = 4
    g.put(r, 1, "Signatures", kind="section")
    for label in ("Owner", "Reviewer", "Signed on (date)"):
        r += 1
        g.put(r, 1, label)
        for c in range(2, 6):
            g.put(r, c, "", kind="field", is_input=True)
    r += 2
    g.put(r, 1, "Run", kind="section")
    snap = sol.meta.get("prices_snapshot", {}) or dict(run.resolved.prices_snapshot)
    record = [
        ("Run date (UTC)", ctx.solved_on),
        ("Run id", str(getattr(run, "run_id", None) or "not recorded by this version")),
        ("tco version", __version__),
        ("Solver", f"{sol.result.solver}, {sol.result.status}"),
        ("API price snapshot", f"{snap.get('source', '-')} {snap.get('version', '')}".strip()),
        ("Price snapshot date", str(snap.get("date", "-"))),
    ]
    for label, value in record:
        r += 1
        g.put(r, 1, label)
        g.put(r, 5, value, kind="wrap")
    r += 2
    g.put(r, 1, "Scenario files", kind="section")
    r += 1
    g.header(r, 1, ["File", "", "", "", "sha256 (of the file when the workbook was written)"])
    for f in run.files:
        r += 1
        g.put(r, 1, f, kind="wrap")
        try:
            g.put(r, 5, file_sha256(f))
        except OSError as e:
            g.put(r, 5, f"not readable: {e.strerror}")
    if not run.files:
        r += 1
        g.put(r, 1, "(scenario given in memory, no file)", kind="note")
    r += 2
    g.put(r, 1, "Policy limits that shaped the plan", kind="section")
    r += 1
    g.header(r, 1, ["Limit", "", "", "", "Meaning in the model"])
    for label, text in describe_limits(run.scenario, ctx.data.gpus):
        r += 1
        g.put(r, 1, label)
        g.put(r, 5, text, kind="wrap")
    if run.scenario.constraints.max_share_per_provider is None:
        r += 1
        g.put(r, 1, "Provider cap")
        g.put(r, 5, "none set")
    r += 2
    _log(ctx, g, r)
    g.finish(freeze="A4", title_rows="1:1")


def _log(ctx: Context, g, r: int) -> int:
    g.put(r, 1, f"Assumption log (as solved on {ctx.solved_on})", kind="section")
    r += 1
    g.header(r, 1, ["Input", "As solved", "Now", "Changed (1 = yes)", "Source"])
    first = r + 1
    notes: dict[str, int] = {}  # long source text -> its number in the list under the log
    for sheet, grid in ctx.sheets.items():
        if sheet == SIGNOFF:
            continue
        for ir, ic, value, source in grid.inputs:
            r += 1
            cell = grid.ws._cells[(ir, ic)]
            fmt = cell.number_format
            g.put(r, 1, f"{sheet}: {grid.label_of(ir, ic)}", kind="wrap")
            g.put(r, 2, value, fmt, role="solved")
            g.f(r, 3, f"={ref(sheet, ir, ic)}", fmt)
            b, c = local(r, 2), local(r, 3)
            g.f(r, 4, f"=IF(ISNUMBER({c}),IF(ABS({c}-{b})>{CHANGED_TOL}*MAX(1,ABS({b})),1,0),1)",
                COUNT)
            source = source or "scenario"
            if len(source) > SOURCE_INLINE_CHARS:
                # A catalog figure's derivation (~470 characters) was printed in full on every
                # row it backs, 12 rows each on the enterprise example: 33 pages
                source = f"source {notes.setdefault(source, len(notes) + 1)} (below the log)"
            g.put(r, 5, source, kind="wrap")
    last = max(first, r)
    g.put(last + 1, 1, "Inputs changed since the plan was solved", kind="total")
    g.f(last + 1, 4, f"=SUM(D{first}:D{last})", COUNT, kind="total")
    ctx.name("assumptions_changed", ref(SIGNOFF, last + 1, 4))
    r = last + 3
    if notes:
        g.put(r, 1, "Sources of the log", kind="section")
        for text, n in notes.items():
            r += 1
            g.put(r, 1, f"source {n}")
            g.put(r, 5, text, kind="wrap")  # in the log's Source column
        r += 1
    return r
