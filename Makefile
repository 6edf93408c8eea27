# Two commands that work on a fresh machine with only Python 3.11+:
#   make demo   - creates .venv, installs, runs the end-to-end demo on the embedded sandbox
#   make test   - creates .venv, installs with test extras, runs ruff, mypy and pytest
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck pytest bench sandbox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/veo-tools --sandbox demo

test: $(VENV)/.installed-test lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check veo_tools mcp_server tests examples bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Two workers: CI and the reference machine have 2 cores (the suite takes about half the time).
PYTEST_WORKERS ?= 2

pytest: $(VENV)/.installed-test
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

sandbox: $(VENV)/.installed-base
	$(BIN)/veo-tools sandbox --port 8765

clean:
	rm -rf $(VENV) veo-output build dist .mypy_cache .ruff_cache
