"""Policy caps: provider share and budget per period.

    sum_{o of provider p} tokens[o,t] x[o,t] <= cap x total tokens[t]      (max_share_per_provider)
    sum_{cat spent in t} cost[t, cat] <= budget                            (budget_usd_per_period)

The budget counts cash spent in the period: not the residual credit, not reservation
payments after the horizon and not expected error cost (not cash). Elastic mode adds
penalised slack to both, in the rows' own units (share of tokens; USD).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from tco.model.terms import NOT_IN_BUDGET, Rows


def add(m: pyo.ConcreteModel, b) -> None:
    """Add the share and budget rows that the scenario sets."""
    cons = b.data.scenario.constraints
    if cons.max_share_per_provider is not None:
        _share(m, b, cons.max_share_per_provider)
    if cons.budget_usd_per_period is not None:
        _budget(m, b, cons.budget_usd_per_period)


def _slack(m, b, family: str, keys: list, penalty: float) -> None:
    var = pyo.Var(range(len(keys)), bounds=(0.0, None))
    setattr(m, f"{family}_slack", var)
    for i, k in enumerate(keys):
        b.slacks[(family, k)] = (var[i], penalty)


def _share(m, b, cap: float) -> None:
    from tco.model.build import share_penalty

    data, T, x = b.data, b.data.T, b.x
    table = data.options.table
    total = data.demand.tokens.sum(axis=0)
    # Rows served by several providers (cascades) count each provider's own tokens.
    spread: dict[str, list[tuple[int, np.ndarray]]] = {}
    for o, parts in enumerate(data.options.stage_tokens if data.options.stage_tokens is not None
                              else []):
        for p, tokens in parts or ():
            spread.setdefault(p, []).append((o, tokens))
    providers = sorted({p for p in table["provider"].dropna().unique()} | set(spread))
    keys = [(p, t) for p in providers for t in range(T) if total[t] > 0]
    if b.elastic and keys:
        _slack(m, b, "share", keys, share_penalty(b))
    rows = Rows()
    prov = table["provider"].to_numpy()
    for p, t in keys:
        sel = np.flatnonzero(prov == p)
        # Normalised by the period's tokens so that coefficients are shares.
        coefs = list(data.options.tokens[sel, t] / total[t])
        variables = [x[o * T + t] for o in sel]
        for o, tokens in spread.get(p, []):
            coefs.append(tokens[t] / total[t])
            variables.append(x[o * T + t])
        if b.elastic:
            coefs.append(-1.0)
            variables.append(b.slacks[("share", (p, t))][0])
        rows.add((p, t), coefs, variables, upper=cap)
    rows.attach(m, "provider_share")


def _budget(m, b, budget: float) -> None:
    T = b.data.T
    if b.elastic:
        _slack(m, b, "budget", list(range(T)), 1e3)
    rows = Rows()
    for t in range(T):
        coefs, variables = [], []
        for (tt, cat), (c, v) in b.costs.terms.items():
            if tt == t and cat not in NOT_IN_BUDGET:
                coefs.extend(c)
                variables.extend(v)
        if b.elastic:
            coefs.append(-1.0)
            variables.append(b.slacks[("budget", t)][0])
        if variables:
            rows.add((t,), coefs, variables, upper=budget)
    rows.attach(m, "budget")
