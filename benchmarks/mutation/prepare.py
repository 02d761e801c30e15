"""Make a mutation-testing copy of the repo for one scope, with a fast test selection.

    .venv/bin/python benchmarks/mutation/prepare.py catalog /tmp/mut-catalog
    cd /tmp/mut-catalog && nice -n 15 /path/to/.venv-mutmut/bin/mutmut run --max-children 2

mutmut (3.8.1, in its own venv: see pyproject.toml's [tool.mutmut] comment) runs every mutant
against only the tests that reach the mutated function; a scope's selection is the tests that
check that scope's numbers, a few seconds each, so a run fits a shared 2-core machine. The
copy gets benchmarks/mutation/conftest.py as tests/conftest.py (catalog caches cleared per
test). Scores and surviving mutants: benchmarks/RESULTS.md.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCOPES = {
    "catalog": (["tco/catalog/apis.py", "tco/catalog/hardware.py", "tco/catalog/models.py",
                 "tco/catalog/__init__.py", "tco/catalog/types.py", "tco/catalog/data.py"],
                ["tests/test_catalog.py", "tests/test_catalog_hardware.py",
                 "tests/test_cache_writes.py",
                 "tests/test_tariffs.py::test_shipped_tariffs_have_sources_and_resolve",
                 "tests/test_tariffs.py::test_bad_tariffs_are_located"]),
    "options": (["tco/options.py", "tco/demand.py"], ["tests/test_options_arithmetic.py"]),
    "model": (["tco/model/capacity.py", "tco/model/staffing.py", "tco/model/procurement.py"],
              ["tests/test_engine_costs.py", "tests/test_aggregate.py"]),
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
