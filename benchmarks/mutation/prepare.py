"""Make a mutation-testing copy of the repo for one scope, with a fast test selection.

    .venv/bin/python benchmarks/mutation/prepare.py catalog /tmp/mut-catalog
    cd /tmp/mut-catalog && nice -n 15 /path/to/.venv-mutmut/bin/mutmut run --max-children 2

mutmut (3.8.1, in its own venv: see pyproject.toml's [tool.mutmut] comment) runs every mutant
against only the tests that reach the mutated function; a scope's selection is the tests that
check that scope's numbers, a few seconds each, so a run fits a shared 2-core machine. The
copy gets benchmarks/mutation/conftest.py as tests/conftest.py (catalog caches cleared per
test). Scores and surviving mutants: benchmarks/RESULTS.md.

The model scope (6,836 mutants) does not fit a shared machine with mutmut's own runner: after
`mutmut run "tco.model.escalation*"` has generated the mutants and the test map, run a sample
against each family's own tests with benchmarks/mutation/run_sample.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Every constraint family of tco/model (not __init__.py, imports only).
MODEL_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tco" / "model").glob("*.py")
                     if p.name != "__init__.py")

# The tests that solve tiny hand-worked scenarios through the model: every test of these files
# that took under 1 s here (2026-11-28, load 3-4), i.e. all but MODEL_SLOW. A survivor in a
# function every solve reaches (build, solve, terms) runs the whole selection, ~30 s idle.
MODEL_TESTS = [f"tests/{name}.py" for name in (
    "test_engine_costs", "test_lead_times", "test_end_of_horizon", "test_escalation",
    "test_resale", "test_fine_tune_adoption", "test_formulation", "test_switching",
    "test_tariffs", "test_levers", "test_cash_and_quality", "test_aggregate", "test_cost_lines",
    "test_unit_cost_attribution", "test_breakeven", "test_robust", "test_strategies",
    "test_scale_replanner")]
MODEL_SLOW = [
    "test_aggregate.py::test_same_optimum_and_shares_for_twins",
    "test_cash_and_quality.py::test_strategies_rank_on_cash_npv_under_the_cash_objective",
    "test_end_of_horizon.py::test_early_decisions_do_not_depend_on_the_horizon_length",
    "test_levers.py::test_cost_per_successful_answer_per_option",
    "test_levers.py::test_lever_values_waterfall_and_savings",
    "test_levers.py::test_levers_never_raise_the_optimum",
    "test_levers.py::test_option_costs_add_up_to_each_workloads_cost",
    "test_robust.py::test_the_robust_plan_never_costs_more_than_the_forecasts_on_average",
    "test_scale_replanner.py::"
    "test_a_bracket_whose_plans_all_break_the_sprawl_rule_falls_back_to_the_full_model",
    "test_scale_replanner.py::test_a_resolve_compared_against_a_far_value_stops_once_decided",
    "test_scale_replanner.py::test_bracketed_resolve_is_a_feasible_plan_within_the_gap",
    "test_scale_replanner.py::test_npv_at_equals_a_rebuilt_plan",
    "test_strategies.py::test_cli_on_a_scenario_file",
    "test_strategies.py::test_hybrid_costs_no_more_on_examples",
    "test_strategies.py::test_hybrid_costs_no_more_than_any_strategy",
    "test_switching.py::test_bank_switches_fall_with_a_migration_cost_and_each_remaining_one_pays",
    "test_tariffs.py::test_adding_a_tariff_never_raises_the_optimum",
    "test_tariffs.py::test_reports_show_the_tariffs",
    "test_tariffs.py::test_tariff_tables_sum_to_the_cost_lines",
]
MODEL_TESTS += [arg for name in MODEL_SLOW for arg in ("--deselect", f"tests/{name}")]

SCOPES = {
    "catalog": (["tco/catalog/apis.py", "tco/catalog/hardware.py", "tco/catalog/models.py",
                 "tco/catalog/__init__.py", "tco/catalog/types.py", "tco/catalog/data.py"],
                ["tests/test_catalog.py", "tests/test_catalog_hardware.py",
                 "tests/test_cache_writes.py",
                 "tests/test_tariffs.py::test_shipped_tariffs_have_sources_and_resolve",
                 "tests/test_tariffs.py::test_bad_tariffs_are_located"]),
    "options": (["tco/options.py", "tco/demand.py"], ["tests/test_options_arithmetic.py"]),
    "model": (MODEL_FILES, MODEL_TESTS),
}


def prepare(scope: str, target: Path) -> None:
    only, selection = SCOPES[scope]
    target.mkdir(parents=True, exist_ok=False)
    for name in ("tco", "tests", "scenarios", "benchmarks", "examples"):
        shutil.copytree(ROOT / name, target / name,
                        ignore=shutil.ignore_patterns("__pycache__", "out"))
    shutil.copy(ROOT / "benchmarks" / "mutation" / "conftest.py", target / "tests" / "conftest.py")
    text = (ROOT / "pyproject.toml").read_text()
    text = text[:text.index("[tool.mutmut]")] + (
        "[tool.mutmut]\n"
        'source_paths = ["tco"]\n'
        f"only_mutate = {only!r}\n"
        'also_copy = ["scenarios", "benchmarks", "examples"]\n'
        'pytest_add_cli_args = ["-x", "-q", "-p", "no:cacheprovider"]\n'
        f"pytest_add_cli_args_test_selection = {selection!r}\n").replace("'", '"')
    (target / "pyproject.toml").write_text(text)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SCOPES:
        sys.exit(f"usage: prepare.py {{{','.join(SCOPES)}}} TARGET_DIR")
    prepare(sys.argv[1], Path(sys.argv[2]))
