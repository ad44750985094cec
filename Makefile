# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench clean wheelhouse offline-check test-pythons

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[postgres]'
	$(BIN)/python -m compileall -q store checks exports tui
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	$(BIN)/python -m compileall -q store checks exports tui
	touch $@ $(VENV)/.runtime

## Open the app on the demo database (created the first time).
run: $(VENV)/.runtime
	$(BIN)/renkou demo --if-missing --error-rate 0.03
	$(BIN)/renkou --demo

## Lint and run the whole test suite.
test: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks (not tests): ratios against baselines measured in the same run.
bench: $(VENV)/.test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Offline install: every wheel the app needs, for copying to a PC without network (README "Offline install").
## WHEEL_PYTHONS / WHEEL_PLATFORMS choose the targets (see .ci/wheelhouse.sh).
wheelhouse: | $(BIN)/python
	bash .ci/wheelhouse.sh $(BIN)/python wheelhouse

## Install from wheelhouse/ into a fresh venv with no index reachable, then demo, check and a TUI start.
offline-check:
	bash .ci/offline_install.sh

## The test suite on the oldest and newest Python that pyenv (or PATH) offers, each in its own venv.
test-pythons:
	bash .ci/test_pythons.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
