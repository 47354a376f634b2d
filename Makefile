# vjkg — two commands: `make build` (set up and build graphs/) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: build test setup lint typecheck unit bench serve notebook clean generate

build: $(STAMP)
	$(BIN)/python -m pipeline.generate --check
	$(BIN)/kg build --strict

setup: $(STAMP)

# Re-install when the project's dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# Rewrite the parts of ontology/ and sources/FORMAT.md that the model (pipeline/schema.py) generates.
generate: $(STAMP)
	$(BIN)/python -m pipeline.generate

serve: $(STAMP)
	$(BIN)/kg serve

# Jupyter (from the dev extras) on 127.0.0.1, opening the guided tour; root needs --allow-root.
notebook: $(STAMP)
	$(BIN)/jupyter notebook --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/explore.ipynb

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/suggest_quality.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
