# The two commands of the README:
#   make ui    set everything up and open the browser UI on the default preset
#   make test  set everything up and run the whole test suite (ruff + pytest, browser tests too)
# Both create .venv with a Python >= 3.12 that runs and install what they need, at the versions
# pinned in requirements/constraints.txt; re-runs are quick.
#   make test-latest   the suite on the newest versions, in a separate .venv-latest
#   make lock          regenerate requirements/constraints.txt (make lock-upgrade: newest versions)

VENV   := .venv
PY     := $(VENV)/bin/python
VENV_LATEST := .venv-latest
EXTRAS := ui,dev,dask,parquet,analysis
HOST   ?= 127.0.0.1
PORT   ?= 8765
PYTEST_ARGS ?=

.PHONY: setup ui test test-explore test-latest lock lock-upgrade lint format bench bench-ui chromium clean

setup:
	@bash scripts/bootstrap.sh $(EXTRAS)

lock:
	@bash scripts/lock.sh $(EXTRAS)

lock-upgrade:
	@bash scripts/lock.sh --upgrade $(EXTRAS)

chromium:
	@bash scripts/ensure_chromium.sh

ui: setup
	$(VENV)/bin/swarm-sim ui --host $(HOST) --port $(PORT)

# UI speed: displayed steps/s during Play at N = 50, 1,000 and 10,000, ours vs Mesa's matplotlib view
bench-ui: setup chromium
	$(PY) -m sim.bench.ui

lint: setup
	$(VENV)/bin/ruff format --check sim tests scripts
	$(VENV)/bin/ruff check sim tests scripts

format: setup
	$(VENV)/bin/ruff format sim tests scripts
	$(VENV)/bin/ruff check --fix sim tests scripts

test: setup chromium lint
	$(PY) -m pytest $(PYTEST_ARGS)

# The property tests with new random examples on every run (the suite's own are fixed)
test-explore: setup
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -m "not browser" tests/test_liveness.py tests/test_modes.py $(PYTEST_ARGS)

# The same tests on the newest versions pyproject.toml allows (upgraded on every run); .venv and
# the pins are left alone. Lint stays with the pinned ruff (make test).
test-latest: chromium
	@bash scripts/bootstrap.sh --latest $(EXTRAS)
	$(VENV_LATEST)/bin/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(VENV)/bin/swarm-sim bench

clean:
	rm -rf $(VENV) $(VENV_LATEST) .venv-tools .pytest_cache .ruff_cache .hypothesis
