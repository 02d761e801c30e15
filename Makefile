# Two entry points for a fresh machine: `make run` and `make test`.
# Both install the exact versions (and hashes) in requirements.lock, so a new machine gets what
# was tested whatever PyPI serves that day. `make lock` re-resolves pyproject.toml into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/enterprise.yaml
OUT ?= reports/enterprise

.PHONY: run test bootstrap lint lock loop

$(BIN)/tco: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary :all: -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(BIN)/tco

bootstrap: $(BIN)/tco

run: bootstrap
	$(BIN)/tco run $(SCENARIO) --out $(OUT)

test: bootstrap
	$(BIN)/python -m pytest -n auto

lint: bootstrap
	$(BIN)/ruff check tco tests benchmarks

# Resolve pyproject's dependencies, the test extra and the build backend for every platform and
# Python >= 3.11, with hashes. uv is used only here, from its own throwaway venv.
lock:
	$(PYTHON) -m venv $(VENV)-lock && $(VENV)-lock/bin/python -m pip install --quiet uv
	printf 'setuptools>=77\n' | $(VENV)-lock/bin/uv pip compile pyproject.toml - --extra test \
	  --universal --python-version 3.11 --generate-hashes --no-header -o requirements.lock
	rm -rf $(VENV)-lock

# The quarterly loop end to end on generated example data (docs/quarterly.md): profile six
# months of logs, plan, review the first quarter against its actuals, roll forward, re-plan.
LOOP := reports/loop
loop: bootstrap
	$(BIN)/python -m tco.profile.sample $(LOOP)
	$(BIN)/tco profile $(LOOP)/logs/* --sample-rate 0.01 --out $(LOOP)/workloads.yaml \
	  --monthly $(LOOP)/monthly.csv
	$(BIN)/tco run examples/quarterly.yaml --out $(LOOP)/plan --no-analysis \
	  --history $(LOOP)/history.duckdb
	$(BIN)/tco review latest --actuals $(LOOP)/actuals.csv --history $(LOOP)/history.duckdb \
	  --out $(LOOP)/review
	$(BIN)/tco roll latest --actuals $(LOOP)/actuals.csv --history $(LOOP)/history.duckdb \
	  --out $(LOOP)/next.yaml
	$(BIN)/tco run $(LOOP)/next.yaml --out $(LOOP)/next --no-analysis \
	  --history $(LOOP)/history.duckdb
	$(BIN)/tco diff previous latest --history $(LOOP)/history.duckdb
