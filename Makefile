# govcloud: `make lab` runs the main job on the sample zone, `make test` runs every test.
# Both set up what they need (Debian packages, .venv with pinned packages) on Debian 12.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STACK ?= lab
CATALOG ?= catalog

.PHONY: help setup lab validate plan test lint typecheck pytest schema clean

help:
	@echo "make lab        validate and plan the sample zone into out/plan.json"
	@echo "make test       ruff, mypy and the whole pytest suite"
	@echo "make schema     regenerate schema/*.json from the catalog model"
	@echo "make clean      remove .venv and out/"

setup: $(STAMP)

# Rebuilt whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml scripts/setup-host.sh
	scripts/setup-host.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

validate: $(STAMP)
	$(BIN)/govcloud validate --catalog $(CATALOG)

plan: validate
	$(BIN)/govcloud plan --catalog $(CATALOG) --stack $(STACK) --out out/plan.json

lab: plan

schema: $(STAMP)
	$(BIN)/govcloud schema --out schema

lint: $(STAMP)
	$(BIN)/ruff check govcloud stacks tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) out
