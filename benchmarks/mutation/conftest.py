"""Copied to tests/conftest.py in a mutation-testing copy only (benchmarks/RESULTS.md).

mutmut runs each mutant in a process forked after the clean test run, so catalogs that tco
reads once per process (functools.cache) are already in memory: a mutant inside a function
only those cached loaders call (sourced figures, reserved prices) would never run and would
"survive" for that reason alone. Clearing the caches before every test makes those mutants
run. The suite itself does not need this (one process reads the shipped files once).
"""

import pytest

from tco.catalog import apis, data, hardware, models


@pytest.fixture(autouse=True)
def fresh_catalog_caches():
    for f in (data.load, hardware.site, hardware.catalog, models.rules, models.catalog,
              apis.providers, apis.snapshot_info, apis.known_ids, apis.batch_discount_table,
              apis.fine_tuned_table):
        f.cache_clear()
    yield
