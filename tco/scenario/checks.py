"""Semantic checks: what pydantic cannot see (cross-references, impossible combinations).

Each `check_*` function looks at one concern and returns its problems; `check_scenario` and
`check_resolved` run them all and raise one ScenarioError with every problem found. Problems
carry only the field path; `tco.pipeline.prepare` locates them at a file and line.

Negative budgets, shares outside [0, 1] and other range errors are pydantic's job
(`schema.py`); they never reach these checks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from tco.catalog.types import Resolved
from tco.errors import Problem, ScenarioError
from tco.scenario.schema import EscalationRange, Scenario, parse_period


def _hint(name: str, known: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a known name is close, else nothing."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _known(kind: str, names: Iterable[str]) -> str:
    """`(expected one of the <kind>: a, b)` or a note that there are none."""
    listed = sorted(set(names))
    return f"(expected one of the {kind}: {', '.join(listed)})" if listed else (
        f"(expected one of the {kind}, but the scenario has none)")


def providers_of(s: Scenario) -> set[str]:
    """API providers in the scenario: the part of each API id before the `/`."""
    return {a.id.split("/", 1)[0] for a in s.apis}


def check_unique_names(s: Scenario) -> list[Problem]:
    """Names identify items in merges, fine-tunes and reports, so each list needs unique ones."""
    problems = []
    lists = {"workloads": [w.name for w in s.workloads], "apis": [a.id for a in s.apis],
             "open_models": [m.name for m in s.open_models], "gpus": [g.name for g in s.gpus],
             "fine_tunes": [f.name for f in s.fine_tunes],
             "strategies": [x.name for x in s.strategies]}
    for section, names in lists.items():
        key = "id" if section == "apis" else "name"
        first: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in first:
                problems.append(Problem((section, i, key), f"duplicate {key} '{name}' (also"
                                        f" {section}[{first[name]}]; expected unique {key}s)"))
            first.setdefault(name, i)
    return problems


def check_serving_gpus(s: Scenario) -> list[Problem]:
    """A serving entry for a GPU type the scenario does not list could never be used."""
    gpus = [g.name for g in s.gpus]
    problems = []
    for i, m in enumerate(s.open_models):
        for gpu in m.serving:
            if gpu not in gpus:
                problems.append(Problem(("open_models", i, "serving", gpu),
                                        f"unknown GPU '{gpu}'{_hint(gpu, gpus)} "
                                        + _known("GPUs listed under gpus", gpus)))
    return problems


def check_fine_tune_references(s: Scenario) -> list[Problem]:
    """A fine-tune's base must be an open model or an API, and its workloads must exist."""
    bases = [m.name for m in s.open_models] + [a.id for a in s.apis]
    workloads = [w.name for w in s.workloads]
    problems = []
    for i, f in enumerate(s.fine_tunes):
        if f.base not in bases:
            problems.append(Problem(("fine_tunes", i, "base"),
                                    f"unknown base '{f.base}'{_hint(f.base, bases)} "
                                    + _known("open model names or API ids", bases)))
        for j, w in enumerate(f.workloads):
            if w not in workloads:
                problems.append(Problem(("fine_tunes", i, "workloads", j),
                                        f"unknown workload '{w}'{_hint(w, workloads)} "
                                        + _known("workloads", workloads)))
    return problems


def check_demand_lengths(s: Scenario) -> list[Problem]:
    """A per-period request list must give exactly one figure per period of the horizon."""
    problems = []
    for i, w in enumerate(s.workloads):
        if isinstance(w.requests_per_month, list) and (
                len(w.requests_per_month) != s.horizon.periods):
            problems.append(Problem(("workloads", i, "requests_per_month"),
                                    f"{len(w.requests_per_month)} figures given (expected one"
                                    f" per period: {s.horizon.periods}, as horizon.periods)"))
    return problems


MAX_REQUESTS_PER_MONTH = 1e12
"""About 385,000 requests a second, over ten times the busiest public LLM service's reported
traffic (assumption); beyond it the model's numbers outgrow what the solver handles in
reasonable time (a 1e15 workload ran for minutes without an answer: benchmarks/RESULTS.md)."""


def check_demand_scale(s: Scenario) -> list[Problem]:
    """No workload may reach more than MAX_REQUESTS_PER_MONTH in any period, growth included."""
    problems = []
    per_year = 4 if s.horizon.period == "quarter" else 12
    last_year = (s.horizon.periods - 1) / per_year
    for i, w in enumerate(s.workloads):
        rpm = w.requests_per_month
        if isinstance(rpm, list):
            peak = max(rpm, default=0.0)
            grown = False
        else:
            try:
                peak = rpm * max(1.0, (1.0 + w.growth_per_year) ** last_year)
            except OverflowError:
                peak = float("inf")
            grown = peak > rpm
        if peak > MAX_REQUESTS_PER_MONTH:
            how = (f"grows to {peak:.3g} requests a month by the last period" if grown
                   else f"{peak:.3g} requests a month")
            problems.append(Problem(("workloads", i, "requests_per_month"),
                                    f"{how} (expected at most {MAX_REQUESTS_PER_MONTH:.0e}"
                                    " in any period: state volumes in requests, not tokens)"))
    return problems


def check_residency(s: Scenario) -> list[Problem]:
    """Residency must name providers some API belongs to; self-hosting needs models and GPUs."""
    providers = providers_of(s)
    problems = []
    for i, w in enumerate(s.workloads):
        if isinstance(w.residency, list):
            for j, p in enumerate(w.residency):
                if p not in providers:
                    problems.append(Problem(("workloads", i, "residency", j),
                                            f"no API has provider '{p}'{_hint(p, providers)} "
                                            + _known("providers of the APIs", providers)))
        elif w.residency == "self_hosted" and not (s.open_models and s.gpus):
            problems.append(Problem(("workloads", i, "residency"),
                                    "self_hosted but the scenario lists no open models or no"
                                    " GPUs (expected at least one of each)"))
    return problems


def _period_problems(label: str, path: tuple, s: Scenario) -> list[Problem]:
    """A period label that does not parse or is of the other kind than the horizon's."""
    try:
        _, _, kind = parse_period(label)
    except ValueError as e:
        return [Problem(path, str(e))]
    if kind != s.horizon.period:
        like = "2026Q3" if s.horizon.period == "quarter" else "2026-07"
        return [Problem(path, f"'{label}' is a {kind} but the horizon counts in"
                              f" {s.horizon.period}s (expected like {like})")]
    return []


def check_existing(s: Scenario) -> list[Problem]:
    """Existing assets must name listed GPUs and carry period labels of the horizon's kind."""
    gpus = [g.name for g in s.gpus]
    start = parse_period(s.horizon.start)
    problems = []
    for section, items, when in (("owned_gpus", s.existing.owned_gpus, "bought"),
                                 ("reservations", s.existing.reservations, "ends")):
        for i, item in enumerate(items):
            base = ("existing", section, i)
            if item.gpu not in gpus:
                problems.append(Problem((*base, "gpu"), f"unknown GPU '{item.gpu}'"
                                        f"{_hint(item.gpu, gpus)} " + _known("GPUs", gpus)))
            label = getattr(item, when)
            found = _period_problems(label, (*base, when), s)
            problems += found
            if not found and when == "bought" and parse_period(label)[:2] > start[:2]:
                problems.append(Problem((*base, when), f"bought {label}, after the horizon"
                                        f" starts (expected {s.horizon.start} or earlier)"))
            # A delivery still to come (a lead time): a period label of the horizon's kind.
            later = "serves_from" if when == "bought" else "starts"
            if getattr(item, later) is not None:
                problems += _period_problems(getattr(item, later), (*base, later), s)
    return problems


def check_strategies(s: Scenario) -> list[Problem]:
    """A strategy may only restrict to providers, models and GPUs the scenario has."""
    known = {"providers": providers_of(s), "models": {m.name for m in s.open_models},
             "gpus": {g.name for g in s.gpus}}
    problems = []
    for i, strategy in enumerate(s.strategies):
        for field, names in known.items():
            for j, name in enumerate(getattr(strategy, field) or []):
                if name not in names:
                    problems.append(Problem(("strategies", i, field, j),
                                            f"unknown {field[:-1]} '{name}'{_hint(name, names)} "
                                            + _known(field, names)))
    return problems


def check_fine_tune_tasks(s: Scenario) -> list[Problem]:
    """An uplift on a task none of the fine-tune's workloads has would never apply."""
    tasks = {w.name: w.task for w in s.workloads}
    problems = []
    for i, f in enumerate(s.fine_tunes):
        served = {tasks[w] for w in f.workloads if w in tasks}
        for task in f.quality_uplift:
            if served and task not in served:
                problems.append(Problem(("fine_tunes", i, "quality_uplift", task),
                                        f"no workload of this fine-tune has task '{task}' "
                                        + _known("tasks of its workloads", served)))
    return problems


def check_prompt_variants(s: Scenario) -> list[Problem]:
    """Variants are named in the plan and reports, so a workload's need unique names."""
    problems = []
    for i, w in enumerate(s.workloads):
        seen: set[str] = set()
        for j, v in enumerate(w.prompt_variants):
            if v.name in seen:
                problems.append(Problem(("workloads", i, "prompt_variants", j, "name"),
                                        f"duplicate name '{v.name}' (expected unique variant"
                                        " names per workload)"))
            seen.add(v.name)
    return problems


def check_cascades(s: Scenario) -> list[Problem]:
    """A cascade names stages the scenario offers, escalates from every stage but the last,
    and gives its quality as points exactly when a stage's escalation is a range."""

    problems = []
    workloads = {w.name: w for w in s.workloads}
    apis = [a.id for a in s.apis]
    models = {m.name: m for m in s.open_models}
    names: set[str] = set()
    for i, c in enumerate(s.cascades):
        at = ("cascades", i)
        if c.name in names:
            problems.append(Problem((*at, "name"), f"duplicate name '{c.name}' (expected unique"
                                    " cascade names)"))
        names.add(c.name)
        for j, name in enumerate(c.workloads):
            if name not in workloads:
                problems.append(Problem((*at, "workloads", j), f"unknown workload '{name}'"
                                        f"{_hint(name, workloads)} "
                                        + _known("workloads", workloads)))
        ranged = [k for k, st in enumerate(c.stages) if isinstance(st.escalate, EscalationRange)]
        for k, st in enumerate(c.stages):
            sat = (*at, "stages", k)
            last = k == len(c.stages) - 1
            if last and st.escalate is not None:
                problems.append(Problem((*sat, "escalate"), "the last stage escalates nowhere"
                                        " (expected no escalate on the last stage)"))
            if not last and st.escalate is None:
                problems.append(Problem(sat, "escalate is missing (expected the share of"
                                        " requests passed to the next stage)"))
            if st.api is not None and st.api not in apis:
                problems.append(Problem((*sat, "api"), f"unknown API '{st.api}'"
                                        f"{_hint(st.api, apis)} " + _known("apis", apis)))
            if st.model is not None:
                m = models.get(st.model)
                if m is None:
                    problems.append(Problem((*sat, "model"), f"unknown open model '{st.model}'"
                                            f"{_hint(st.model, models)} "
                                            + _known("open_models", models)))
                elif m.serving and st.gpu not in m.serving:
                    problems.append(Problem((*sat, "gpu"), f"'{st.model}' has no serving data"
                                            f" on '{st.gpu}' " + _known("GPUs it is served on",
                                                                         m.serving)))
        if len(ranged) > 1:
            problems.append(Problem((*at, "stages", ranged[1], "escalate"), "only one stage's"
                                    " escalation may be a range (expected a number here)"))
        if not c.quality:
            problems.append(Problem((*at, "quality"), "no quality given (expected a score per"
                                    " task the cascade serves)"))
        for task, q in c.quality.items():
            qat = (*at, "quality", task)
            if isinstance(q, list) and not ranged:
                problems.append(Problem(qat, "points are for a ranged escalation (expected one"
                                        " score, or escalate: {min, max} on a stage)"))
            elif not isinstance(q, list) and ranged:
                problems.append(Problem(qat, "a stage's escalation is a range (expected"
                                        " [[share, score], ...] points covering it)"))
            elif isinstance(q, list) and ranged:
                rng = c.stages[ranged[0]].escalate
                xs = [p[0] for p in q]
                if xs != sorted(set(xs)) or xs[0] > rng.min or xs[-1] < rng.max:
                    problems.append(Problem(qat, "points must be in increasing share order and"
                                            f" cover the range [{rng.min:g}, {rng.max:g}]"
                                            " (expected [[share, score], ...])"))
    return problems


def check_uncertainty(s: Scenario) -> list[Problem]:
    """Uncertain inputs name what exists, factors are defined and used, values can be taken."""
    from tco.uncertainty.distributions import support
    from tco.uncertainty.draws import SHIFTS, TARGET_KIND, VALID

    unc = s.uncertainty
    if unc is None:
        return []
    names = {"workload": [w.name for w in s.workloads], "provider": sorted(providers_of(s)),
             "gpu": [g.name for g in s.gpus], "model": [m.name for m in s.open_models],
             "api or model": [a.id for a in s.apis] + [m.name for m in s.open_models],
             "all": []}
    problems = []
    for i, inp in enumerate(unc.inputs):
        at = ("uncertainty", "inputs", i)
        kind = TARGET_KIND[inp.driver]
        if inp.of != "all" and inp.of not in names[kind]:
            listed = ", ".join(sorted(set(names[kind]))) or "none in the scenario"
            what = "only all" if kind == "all" else f"all or one of the {kind}s: {listed}"
            problems.append(Problem((*at, "of"), f"'{inp.of}' is not something {inp.driver}"
                                    f" applies to{_hint(inp.of, names[kind])} (expected {what})"))
        if inp.factor is not None and inp.factor not in unc.factors:
            problems.append(Problem((*at, "factor"), f"unknown factor '{inp.factor}'"
                                    f"{_hint(inp.factor, unc.factors)} "
                                    + _known("factors under uncertainty.factors", unc.factors)))
        if inp.dist is not None:
            problems += _range_problems(inp, inp.driver, at, support, VALID)
    for name, dist in unc.factors.items():
        users = [inp.driver for inp in unc.inputs if inp.factor == name]
        at = ("uncertainty", "factors", name)
        if not users:
            problems.append(Problem(at, f"factor '{name}' is used by no input (expected an"
                                        " input with factor: " + name + ")"))
            continue
        if len({d in SHIFTS for d in users}) > 1:
            problems.append(Problem(at, f"factor '{name}' drives both multipliers and shifts"
                                        f" ({', '.join(sorted(set(users)))}): one value cannot"
                                        " be both (expected inputs of one kind: volume, tokens,"
                                        " prices, salary, throughput multiply; growth, price"
                                        " trend, quality add)"))
            continue
        for d in sorted(set(users)):
            problems += _range_problems(dist, d, at, support, VALID)
    return problems


def _range_problems(dist, driver: str, at: tuple, support, valid) -> list[Problem]:
    lo, hi = support(dist)
    vlo, vhi = valid[driver]
    if dist.dist in ("normal", "lognormal"):
        if max(lo, vlo) >= min(hi, vhi):
            return [Problem(at, f"no value of this {dist.dist} distribution is a valid"
                                f" {driver} (expected values within [{vlo:g}, {vhi:g}])")]
        return []
    if lo < vlo or hi > vhi:
        within = f"at least {vlo:g}" if vhi == float("inf") else f"within [{vlo:g}, {vhi:g}]"
        return [Problem(at, f"values from {lo:g} to {hi:g} are not all valid for {driver}"
                            f" (expected {within}"
                            + ("; a factor of 1 leaves the input as written)"
                               if vlo >= 0 else "; a shift of 0 leaves it as written)"))]
    return []


SCENARIO_CHECKS = (check_unique_names, check_serving_gpus, check_fine_tune_references,
                   check_demand_lengths, check_demand_scale, check_residency, check_existing,
                   check_strategies, check_fine_tune_tasks, check_prompt_variants,
                   check_cascades, check_uncertainty)


def check_scenario(s: Scenario) -> None:
    """Run every semantic check that needs only the scenario; raise once with all problems."""
    problems = [p for check in SCENARIO_CHECKS for p in check(s)]
    if problems:
        raise ScenarioError(problems)


# --- checks that need the resolved catalog -----------------------------------------------


def _scores(resolved: Resolved) -> dict[str, dict[str, float]]:
    """Quality per task of every API id and open model name after the catalog filled them."""
    out = {a.id: dict(a.quality) for a in resolved.apis}
    out.update({m.name: dict(m.quality) for m in resolved.models})
    return out


def check_task_quality(s: Scenario, resolved: Resolved) -> list[Problem]:
    """A workload whose task no API or open model scores could be served by nothing."""
    scored = {task for q in _scores(resolved).values() for task in q}
    scored |= {task for c in s.cascades for task in c.quality}
    problems = []
    for i, w in enumerate(s.workloads):
        if w.task not in scored:
            problems.append(Problem(("workloads", i, "task"),
                                    f"no API or open model has a quality score for task"
                                    f" '{w.task}'{_hint(w.task, scored)} (expected a"
                                    f" `quality: {{{w.task}: ...}}` entry on an API or open"
                                    " model)"))
    return problems


def check_fine_tune_bases_scored(s: Scenario, resolved: Resolved) -> list[Problem]:
    """An uplift adds to the base's score on the task; without one there is nothing to add to."""
    scores = _scores(resolved)
    problems = []
    for i, f in enumerate(s.fine_tunes):
        base = scores.get(f.base)
        if base is None:
            continue  # an unknown base is check_fine_tune_references's problem
        for task in f.quality_uplift:
            if task not in base:
                problems.append(Problem(("fine_tunes", i, "quality_uplift", task),
                                        f"base '{f.base}' has no quality score for task"
                                        f" '{task}' (expected a score on the base to add the"
                                        " uplift to)"))
    return problems


def check_quality_reachable(s: Scenario, resolved: Resolved) -> list[Problem]:
    """A min_quality above every option's best score (fine-tunes included) cannot be met."""
    scores = _scores(resolved)
    problems = []
    for i, w in enumerate(s.workloads):
        best = [q[w.task] for q in scores.values() if w.task in q]
        for f in s.fine_tunes:
            base = scores.get(f.base, {})
            if w.name in f.workloads and w.task in base:
                best.append(base[w.task] + f.quality_uplift.get(w.task, 0.0))
        for c in s.cascades:
            q = c.quality.get(w.task)
            if w.name in c.workloads and q is not None:
                best.append(max(p[1] for p in q) if isinstance(q, list) else q)
        best = [b + max([0.0] + [v.quality_change for v in w.prompt_variants]) for b in best]
        if best and max(best) < w.min_quality:
            problems.append(Problem(("workloads", i, "min_quality"),
                                    f"{w.min_quality:g} is above the best score any option has"
                                    f" on '{w.task}' ({max(best):g}) (expected at most"
                                    f" {max(best):g})"))
    return problems


def check_existing_running_costs(s: Scenario, resolved: Resolved) -> list[Problem]:
    """Owned GPUs cost power and facility while alive: their type needs purchase data for it."""
    priced = {g.name for g in resolved.gpus if g.purchase is not None}
    return [Problem(("existing", "owned_gpus", i, "gpu"),
                    f"GPU type '{o.gpu}' has no purchase data, so the power and facility cost of"
                    " these owned GPUs is unknown (expected gpus[].purchase with power_kw and"
                    " facility rates, or a catalog GPU)")
            for i, o in enumerate(s.existing.owned_gpus) if o.gpu not in priced]


RESOLVED_CHECKS = (check_task_quality, check_fine_tune_bases_scored, check_quality_reachable,
                   check_existing_running_costs)


def check_resolved(s: Scenario, resolved: Resolved) -> None:
    """Run every check that needs catalog data; raise once with all problems."""
    problems = [p for check in RESOLVED_CHECKS for p in check(s, resolved)]
    if problems:
        raise ScenarioError(problems)
