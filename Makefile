# Two commands do everything on a fresh machine with Python >= 3.11 and pip:
#   make demo   — the main job on the bundled samples, writing out/
#   make test   — the test suite
# Each creates (or updates) its own virtual environment in .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/lkjxl demo --out out

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed
	$(BIN)/ruff check lkjxl tests bench

clean:
	rm -rf $(VENV) out .pytest_cache
