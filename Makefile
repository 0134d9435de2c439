# powerreg — `make run` and `make test` set everything up on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench diagrams system clean

run: $(STAMP) system
	@$(BIN)/python -m compileall -q src/powerreg  # bytecode even where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/powerreg build -o build

test: $(STAMP) system lint typecheck
	@sh scripts/system-deps.sh test
	$(BIN)/powerreg schema --check
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/python scripts/layers.py --check

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP) system
	$(BIN)/python benchmarks/run.py

diagrams: $(STAMP) system
	$(BIN)/python scripts/make_diagrams.py

system:
	@sh scripts/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,fast,notebook,publish,scale,serve,workbook]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
