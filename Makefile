# The two commands of the README:
#   make ui    set everything up and open the browser UI on the default preset
#   make test  set everything up and run the whole test suite (ruff + pytest, browser tests too)
# Both create .venv with a Python >= 3.12 that runs and install what they need; re-runs are quick.

VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8765
PYTEST_ARGS ?=

.PHONY: setup ui test lint format bench bench-ui chromium clean

setup:
	@bash scripts/bootstrap.sh ui,dev,dask,parquet

chromium:
	@bash scripts/ensure_chromium.sh

ui: setup
	$(VENV)/bin/swarm-sim ui --host $(HOST) --port $(PORT)

# UI speed: displayed steps/s during Play at N = 50 and 500, ours vs Mesa's matplotlib view
bench-ui: setup chromium
	$(PY) -m sim.bench_ui

lint: setup
	$(VENV)/bin/ruff format --check sim tests scripts
	$(VENV)/bin/ruff check sim tests scripts

format: setup
	$(VENV)/bin/ruff format sim tests scripts
	$(VENV)/bin/ruff check --fix sim tests scripts

test: setup chromium lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(VENV)/bin/swarm-sim bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
