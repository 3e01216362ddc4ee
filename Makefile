# Quick start: `make demo`, then `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml proofs/backends/_kernels.c
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/memcap demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

test-all: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m ''

lint: $(VENV)/.installed-test
	$(BIN)/ruff check bounds proofs tests benchmarks
	$(BIN)/mypy bounds proofs

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache proofs/backends/*.so
