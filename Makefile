# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/enterprise.yaml
OUT ?= reports/enterprise

.PHONY: run test bootstrap lint

$(BIN)/tco: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/tco

bootstrap: $(BIN)/tco

run: bootstrap
	$(BIN)/tco run $(SCENARIO) --out $(OUT)

test: bootstrap
	$(BIN)/python -m pytest

lint: bootstrap
	$(BIN)/ruff check tco tests benchmarks
