"""Re-solve a plan after a uniform demand change by updating the live HiGHS model.

Break-even searches and sweeps solve the same model at many demand scales. Scaling every
workload's requests by k changes only demand-proportional coefficients, so the model is
updated in place instead of rebuilt:

- objective: api and error cost of every share x[o,t] (USD at share 1) times k;
- capacity rows: work[o,t] (replica-hours at share 1) times k; budget rows: the x terms
  (api and error costs) times k;
- bounds that follow from demand (`tco.model.data.capacity_bounds` at scale k): replicas
  rep[d,t], GPUs on demand od[g,t], bought and reserved GPUs, and the hosting links' coefficients
  (rep[d,t] <= rep_ub[d,t] hosting[t]).

Unchanged by a uniform scale: option set and pruning (dominance compares costs that all scale
by k), provider shares (tokens over the period's total tokens), fine-tune links, staffing.
So `npv_at(k)` equals `plan()` on the scenario with every `requests_per_month` times k, to the
MIP gap.

A re-solve that HiGHS does not prove within `PATIENCE_S` is bracketed (`tco.model.bracket`):
the LP bound and a rounded plan's NPV, then HiGHS again, stopped as soon as the bracket is
within the gap or decides the comparison the caller asked about (`against`). The NPV returned
is always a feasible plan's and `last_gap` what it is proven to.
"""

from __future__ import annotations

import time

import numpy as np

from tco.catalog.types import Resolved
from tco.model.bracket import (
    NEIGHBOURHOOD_GAP,
    Against,
    done,
    far_from,
    least_replicas,
    lp_bound_and_rounded_plan,
    lp_relaxation,
    rel_gap,
    rounding_columns,
)
from tco.model.build import Built, build_model
from tco.model.data import capacity_bounds, model_data_for
from tco.model.solve import HighsModel, handover, run_highs
from tco.scenario.schema import Scenario, SolverSettings, Strategy

PATIENCE_S = 2.0
"""Seconds HiGHS gets alone before a re-solve is bracketed (most small scales prove in 1 s)."""
PATIENCE_DECIDING_S = 0.5
"""The same when the re-solve has a comparison to decide (`against`): the bracket decides
most points far from a break-even in 1-3 s (enterprise example, 10x: self_host_only 7.4 ->
1.3 s, hybrid 8.7 -> 3.4 s), while small models still prove their optimum in this time."""
PATIENCE_CEILING_S = 1.0
"""The same when a plan this model contains is known (`ceiling`: the upper side is already a
plan, and the question left is HiGHS's bound): `hybrid` at 0.032-0.056x the enterprise demand
decides "equal" in 0.45-0.57 s, and when HiGHS's run ended just short of that the bracket spent
7.5-8.2 s on small MIPs that could only find the ceiling's own plan again (the enterprise
analysis 17 s or 27-30 s from run to run)."""
FAR_PATIENCE_S = 0.1
"""The same when the LP relaxation's bound already says the comparison will be decided by a
rounded plan (`bracket.far_from`): small models still prove their optimum in this time, and
at 1.8-1000x the enterprise demand 0.3-0.7 s a point is saved (its analysis in one process
46.8 -> 38.1 s)."""
ROUNDING_TIME_LIMIT_S = 10.0
"""Time limit of the rounded plan's small MIPs (the first takes 0.2-2 s on the enterprise
example, tco.model.bracket)."""
ROUNDING_MIN_S = 4.0
"""The rounding gets at least this long even when HiGHS's first run left less of the point's
time limit: a re-solve may overrun its limit by that much rather than return without a checked
plan. (On a loaded machine the wall-clock limit left the rounding too little time: in an
enterprise analysis at load 4-7, self_host_only at 178x came back 81% above its optimum while
the same re-solve alone finds a plan 0.13% above it.)"""


class Replanner:
    """A plan's model live in HiGHS, re-solved at other demand scales without rebuilding.

    `npv_at(k)` -> the optimal NPV with all demand times k, or None when no plan exists.
    `last_run_seconds` is HiGHS's own `run()` time of the last re-solve (for benchmarks).
    """

    def __init__(self, built: Built, settings: SolverSettings):
        self.built, self.settings = built, settings
        hm = built.solver if isinstance(built.solver, HighsModel) else handover(built, settings)
        built.solver = hm
        self.hm: HighsModel = hm
        mat, m = hm.mat, built.model
        self.x_cols = mat.cols_of(built.x)
        self.x_cost = mat.cost[self.x_cols].copy()
        # Matrix entries that scale with demand: x terms of the capacity and budget rows.
        is_x = np.zeros(len(mat.columns), dtype=bool)
        is_x[self.x_cols] = True
        rows = [mat.row_of[id(c)] for name in ("capacity", "budget") if hasattr(m, name)
                for c in getattr(m, name).values()]
        ent_r, ent_c, ent_v = [], [], []
        for r in rows:
            lo, hi = mat.start[r], mat.start[r + 1]
            cols = mat.index[lo:hi]
            sel = is_x[cols]
            ent_r.append(np.full(int(sel.sum()), r, dtype=np.int32))
            ent_c.append(cols[sel])
            ent_v.append(mat.value[lo:hi][sel])
        def cat(xs, dt):
            return np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)

        self.ent_r, self.ent_c = cat(ent_r, np.int32), cat(ent_c, np.int32)
        self.ent_v = cat(ent_v, float)
        # Bound updates: (column, how its upper bound is computed from the bounds at scale k).
        def cols(d: dict) -> dict:
            return dict(zip(d.keys(), mat.cols_of(d.values()).tolist()))

        self.rep_cols = cols(built.rep)
        self.od_cols = cols(built.od)
        self.pool_cols = cols({**built.buy, **built.commit})
        # Hosting links rep[d,t] <= rep_ub[d,t] hosting[t]: the coefficient follows the bound.
        self.link = []
        if hasattr(m, "hosting_link"):
            keys = m.hosting_link._tco_rows.keys
            host = mat.cols_of(built.hosting).tolist()
            for (d, t), c in zip(keys, m.hosting_link.values()):
                self.link.append((d, t, mat.row_of[id(c)], int(host[t])))
        # The integer columns that carry a cost of their own (GPUs bought, reserved, rented;
        # engineers; the binaries of fixed costs: API operations, fine-tunes, tariffs; none
        # scales with demand): an LP that sets them partly leaves part of their cost unpaid,
        # and its bound is that much weak.
        self.fixed_cols = np.where(mat.integer & (mat.cost != 0))[0]
        self.fixed_cost = np.abs(mat.cost[self.fixed_cols])
        self.last_run_seconds = 0.0
        self.last_gap: float | None = None
        """Relative MIP gap of the last re-solve's plan (what its NPV is proven to)."""
        self.scale = 1.0
        # Replicas that may be rounded up (their GPU type has no cap), for the bracket
        self.rep_index, self.rep_raise = rounding_columns(built, hm)
        self.rep_least = least_replicas(built)
        self._rule: tuple[float, float, float, Against | None] | None = None
        self._rounding: tuple[float, float, float, Against | None] | None = None
        """(lower, upper, gap, against) known while the rounding's small MIPs run."""
        from tco.model.sprawl import rounding_checks

        self._accept, self._rule_rows = rounding_checks(built.data, self.x_cols)
        self.sprawl_applies = self._accept is not None
        """Whether the vendor-sprawl rule can bind (a workload with an API option): if not, a
        rounded plan needs no check against it, nor time kept for a second round."""
        if hm.mat.integer.any():
            hm.highs.cbMipInterrupt.subscribe(self._interrupt)
            # HiGHS keeps the interrupt flag our MIP callback set from one run to the next, so
            # an LP solved after such a run (`lp_relaxation` at the start of a re-solve) stopped
            # at once: cleared at the simplex's callbacks. highspy's Ctrl-C handler is
            # subscribed after this one (at each interruptible run), so it still interrupts.
            hm.highs.cbSimplexInterrupt.subscribe(_clear_interrupt)

    def _interrupt(self, e) -> None:
        """HiGHS's MIP callback: stop once the bracket (HiGHS's bounds and ours) is done."""
        # The flag is set at every call: HiGHS keeps it from one run to the next.
        if self.hm.mat.offset or (self._rule is None and self._rounding is None):
            # (with a constant in the objective, whether the callback's bounds include it is
            # not documented: the rule is not applied, so the bracket only ends the solve)
            e.interrupt(False)
            return
        out = e.data_out
        if self._rule is not None:
            lower, upper, gap, against = self._rule
            # only our checked upper bound: HiGHS's incumbent may break the sprawl rule
            e.interrupt(done(max(lower, out.mip_dual_bound), upper, gap, against))
            return
        # A small MIP of the rounding: its plans are plans of the full model (it carries the
        # sprawl rule's rows; `accept` checks the plan it returns), its dual bound is not a
        # bound of the full model, so the bounds known before it stand for the lower side.
        # It stops on the gap, or on a decided comparison once its plan is within
        # NEIGHBOURHOOD_GAP of the best its neighbourhood holds: its first plans can be far
        # above the optimum (hybrid at 100x: 16% above, where its neighbourhood's optimum is
        # 0.11% above), and the point's NPV is shown.
        lower, upper, gap, against = self._rounding
        plan = min(upper, out.mip_primal_bound)
        e.interrupt(done(lower, plan, gap, None) or (
            against is not None and rel_gap(out.mip_dual_bound, plan) <= NEIGHBOURHOOD_GAP
            and done(lower, plan, gap, against)))

    @classmethod
    def for_scenario(cls, scenario: Scenario, resolved: Resolved,
                     strategy: Strategy | None = None) -> Replanner:
        """Build the plan's model once (the stages of `tco.pipeline.plan`) and hand it over."""
        data = model_data_for(scenario, resolved, strategy)
        # without vendor-sprawl rows: a plan that breaks the rule is re-solved (npv_at)
        built = build_model(data)
        rp = cls(built, scenario.solver)
        rp.source = (scenario, resolved, strategy)
        return rp

    def _rebuilt(self, scale: float) -> float | None:
        """The NPV at `scale` from a model built anew. Used for a model with tariffs (fees, tier
        starts, commitments and unit minimums do not scale with demand, so rescaling
        coefficients would be wrong) and for a plan that breaks the vendor-sprawl rule (rows
        added where the plan needs them: tco.model.lazy)."""
        from tco.analysis.points import scaled
        from tco.errors import InfeasibleError
        from tco.model.lazy import build_and_solve

        if getattr(self, "source", None) is None:
            raise ValueError("a model rebuilt at another scale must be made by "
                             "Replanner.for_scenario")
        scenario, resolved, strategy = self.source
        try:
            data = model_data_for(scaled(scenario, scale), resolved, strategy)
        except InfeasibleError:
            return None
        t = time.perf_counter()
        _, result = build_and_solve(data, self.settings)
        self.last_run_seconds = time.perf_counter() - t
        self.last_gap = result.gap if result.has_plan else None
        return float(result.objective) if result.has_plan and result.objective is not None \
            else None

    def breaks_sprawl_rule(self) -> bool:
        """Whether the last plan splits a workload as tco.model.sprawl forbids."""
        return not self._keeps_sprawl_rule()

    def set_scale(self, k: float) -> None:
        """Update the live model to demand times k."""
        h, data = self.hm.highs, self.built.data
        inf = h.getInfinity()
        cost = self.x_cost * k
        h.changeColsCost(len(self.x_cols), self.x_cols, cost)
        vals = self.ent_v * k
        for r, c, v in zip(self.ent_r.tolist(), self.ent_c.tolist(), vals.tolist()):
            h.changeCoeff(r, c, v)
        rep_ub, gpu_ub = capacity_bounds(data.scenario, data.periods, data.options, data.gpus, k)
        cols, ubs = [], []
        for (d, t), c in self.rep_cols.items():
            cols.append(c)
            ubs.append(rep_ub[d, t])
        for (g, t), c in self.od_cols.items():
            cols.append(c)
            ubs.append(gpu_ub[g][t])
        lead = {g.name: g.lead_time_periods for g in data.gpus}
        for key, c in self.pool_cols.items():
            cols.append(c)
            # An order arriving after the horizon stays at zero (tco.model.procurement).
            arrives = key[-1] + lead[key[0]] < data.T
            ubs.append(float(np.max(gpu_ub[key[0]], initial=0.0)) if arrives else 0.0)
        if cols:
            cols_a = np.asarray(cols, dtype=np.int32)
            ubs_a = np.minimum(np.asarray(ubs, dtype=float), inf)
            self.hm.mat.col_upper[cols_a] = ubs_a
            h.changeColsBounds(len(cols_a), cols_a, self.hm.mat.col_lower[cols_a], ubs_a)
        for d, t, r, c in self.link:
            h.changeCoeff(r, c, -float(rep_ub[d, t]))
        self.scale = k

    def npv_at(self, scale: float, against: Against | None = None,
               ceiling: float | None = None) -> float | None:
        """The optimal NPV with every workload's demand times `scale`; None without a plan.

        The NPV is a feasible plan's, proven within `last_gap` of the optimum: the target gap,
        or more when the time limit came first or `against` was decided first. `ceiling`
        (USD), when given, is the NPV of a plan of this model known before the solve (another
        strategy's whose plans are this one's too, tco.analysis.containment): an upper bound
        from the start, so a solve whose lower bound reaches it within the gap stops there and
        returns it. Below a break-even hybrid's optimum is api_batch_cache's plan: its proof
        then needs only HiGHS's bound, which it has at 0.5 s of the 3.3 s the bracket took.
        """
        if self.built.tariffs and scale != 1.0:
            return self._rebuilt(scale)
        self.set_scale(scale)
        t = time.perf_counter()
        try:
            npv, self.last_gap = self._bracketed(against, t, ceiling)
        finally:
            self._rule = None
        self.last_run_seconds = time.perf_counter() - t
        if npv is _REBUILD:
            return self._rebuilt(scale)
        return npv

    def _lp_decides(self, relaxed: tuple[float, np.ndarray], against: Against) -> bool:
        """Whether the LP relaxation's bound is far enough from `against` for a rounded plan
        to decide the comparison (`far_from`), counting as slack too what the LP leaves
        unpaid of the costed integer columns it sets partly (each rounded up). Hybrid at
        0.056x the enterprise demand has its bound 8% under its optimum (the API plan; 19% of
        the LP's cost on API-operations binaries set partly), and a rounding started from it
        ran its whole 10 s without a plan that decides; the 10-workload test portfolio at 2x
        has its bound 10.5% under, its GPUs a few each. At 1.8-1000x the enterprise demand
        the rounding-up costs little and the LP is within 0.01-2.7% of the optimum."""
        lower, x = relaxed
        on = x[self.fixed_cols]
        unpaid = float(np.sum(self.fixed_cost * (np.ceil(on - 1e-6) - on).clip(0.0)))
        return far_from(lower, against, unpaid / max(abs(lower), 1e-9))

    def _keeps_sprawl_rule(self, col_values: np.ndarray | None = None) -> bool:
        """Whether a plan (default: HiGHS's last) keeps the vendor-sprawl rule, which this
        model leaves out (tco.model.lazy adds its rows only where a plan breaks it)."""
        if self._accept is None:
            return True
        if col_values is None:
            col_values = np.asarray(self.hm.highs.getSolution().col_value)
        return self._accept(col_values)

    def _sprawl_rows(self, col_values: np.ndarray, first_col: int, lp: bool):
        """The vendor-sprawl rows for the rounding's small MIP (`sprawl.rounding_checks`):
        for the LP's plan also the workloads it splits; None when there are none."""
        return self._rule_rows(col_values, first_col, lp) if self._rule_rows else None

    def _bracketed(self, against: Against | None, t0: float,
                   ceiling: float | None = None) -> tuple[float | None, float | None]:
        st = self.settings
        gap, limit = float(st.mip_rel_gap), float(st.time_limit_s)
        inf = float("inf")
        ceil = inf if ceiling is None else float(ceiling)
        self._rule = (-inf, ceil, gap, against)
        # With a comparison to decide, HiGHS gets less time alone: a point far from the
        # compared NPVs is decided by the LP and the rounded plan in 1-3 s, where HiGHS's
        # first 2 s often end with neither a plan nor a bound that decides it.
        patience = PATIENCE_S if against is None else (
            PATIENCE_CEILING_S if ceiling is not None else PATIENCE_DECIDING_S)
        integer = bool(self.hm.mat.integer.any())
        first = min(limit, patience) if integer else limit
        relaxed = None
        if against is not None and integer:
            # The LP first (0.02-0.3 s): far from the compared NPVs its bound and the rounding
            # decide the comparison, and HiGHS's first run, which rarely has a plan by 0.5 s
            # there, only gets FAR_PATIENCE_S (enough for a small model to prove its optimum).
            # The bracket below reuses the LP.
            relaxed = lp_relaxation(self.hm.highs, min(limit, ROUNDING_TIME_LIMIT_S))
            self.hm.highs.clearSolver()  # HiGHS's run starts cold, not from the LP's basis
            if relaxed is not None and self._lp_decides(relaxed, against):
                first = min(first, FAR_PATIENCE_S)
        out = run_highs(self.hm, st.model_copy(update={"time_limit_s": first}))
        if out["status"] == "infeasible":
            return None, None
        kept = out["has"] and self._keeps_sprawl_rule()
        lower = max(_finite(out["bound"], -inf), relaxed[0] if relaxed is not None else -inf)
        # a plan breaking the rule is no upper bound: the bracket's rounded plan may give one
        upper = min(out["objective"] if kept else inf, ceil)
        if out["has"] and not kept and (out["status"] == "optimal" or first >= limit) \
                and not done(lower, upper, gap, None):
            return _REBUILD, None  # the model with the rule's rows, as tco.model.lazy builds it
        # (a comparison decided now still gets the bracket's plan: HiGHS's first plans can be
        # far above the optimum, 75% at 1.54x for self_host_only, and the point's NPV is shown;
        # unless the plan is already within NEIGHBOURHOOD_GAP, as a rounding stops)
        decided = (against is not None and rel_gap(lower, upper) <= NEIGHBOURHOOD_GAP
                   and done(lower, upper, gap, against))
        if done(lower, upper, gap, None) or decided or out["status"] == "optimal" \
                or first >= limit:
            return (upper, rel_gap(lower, upper)) if np.isfinite(upper) else (None, None)
        # Not proven in time: bracket with the LP bound and a rounded plan, then HiGHS again
        # with the bracket in its stop rule.
        left = limit - (time.perf_counter() - t0)
        self._rule = None  # the rounded plan's small MIP has bounds of its own, not the model's
        self._rounding = (lower, upper, gap, against)
        try:
            lp, rounded = lp_bound_and_rounded_plan(
                self.hm.highs, self.rep_index, self.rep_raise, self.hm.mat.col_lower,
                self.hm.mat.col_upper, min(max(left, ROUNDING_MIN_S), ROUNDING_TIME_LIMIT_S),
                gap, accept=self._keeps_sprawl_rule if self.sprawl_applies else None,
                rule_rows=self._sprawl_rows if self.sprawl_applies else None, against=against,
                known=(lower, upper), lp=relaxed, least=self.rep_least,
                found=lambda npv: setattr(self, "_rounding", (lower, min(upper, npv), gap,
                                                                against)))
        finally:
            self._rounding = None
        if lp is None and not np.isfinite(upper):
            return None, None
        lower = max(lower, lp if lp is not None else -inf)
        upper = min(upper, rounded if rounded is not None else inf)
        left = limit - (time.perf_counter() - t0)
        if not done(lower, upper, gap, against) and left > 0.1:
            # HiGHS's own plans may break the sprawl rule (left out of this model): its primal
            # bound only counts in the stop rule when checked, after the run
            self._rule = (lower, upper, gap, against)
            out = run_highs(self.hm, st.model_copy(update={"time_limit_s": left}))
            lower = max(lower, _finite(out["bound"], -inf))
            if out["has"] and self._keeps_sprawl_rule():
                upper = min(upper, out["objective"])
            elif out["has"] and out["status"] == "optimal" and not done(lower, upper, gap,
                                                                        against):
                # this model's optimum breaks the rule: only the model with its rows decides
                return _REBUILD, None
        if not np.isfinite(upper):
            # no plan keeping the sprawl rule in time: the model with its rows decides
            return (_REBUILD, None) if np.isfinite(lower) else (None, None)
        return upper, rel_gap(lower, upper)


def _clear_interrupt(e) -> None:
    e.interrupt(False)


_REBUILD = object()
"""Returned by `_bracketed` when the plan must come from a model with the sprawl rows."""


def _finite(x: float | None, default: float) -> float:
    return float(x) if x is not None and np.isfinite(x) else default
