# aggregator — make targets. Every target creates the virtual environment it needs.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PERIOD ?= auto
INBOX ?= workbooks/inbox
STATE ?= workbooks/state
OUT ?= reports
AS_OF ?=
NOW ?=
YEAR ?= 2023
AGG := $(BIN)/aggregator

.PHONY: install test test-fast check lint templates summary summary-pdf status intake demo readme-picture bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/python -m pytest

# everything but the tests marked slow (LibreOffice renders, kill tests, corpus sweeps, demo runs)
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check aggregator tests bench
	$(BIN)/ruff format --check aggregator tests bench
	$(BIN)/mypy aggregator

check: lint test

templates: install
	$(AGG) templates --year $(YEAR) --out workbooks/templates

summary: install
	$(AGG) summary --period $(PERIOD) --inbox $(INBOX) --state $(STATE) --out $(OUT) --json $(OUT)/summary.json $(if $(AS_OF),--as-of $(AS_OF),) $(if $(NOW),--now $(NOW),)

summary-pdf: install
	$(AGG) summary --pdf --period $(PERIOD) --inbox $(INBOX) --state $(STATE) --out $(OUT) --json $(OUT)/summary.json $(if $(AS_OF),--as-of $(AS_OF),)

status: install
	$(AGG) status --period $(PERIOD) --inbox $(INBOX) --state $(STATE) $(if $(AS_OF),--as-of $(AS_OF),) $(if $(NOW),--now $(NOW),)

intake: install
	$(AGG) intake --inbox $(INBOX) --state $(STATE) $(if $(NOW),--now $(NOW),)

demo: install
	$(AGG) demo --out demo

# the first page of the demo's half-year summary, for the README (needs soffice and pdftoppm)
readme-picture: demo
	rm -rf demo/pdf && mkdir -p demo/pdf docs
	soffice -env:UserInstallation=file:///tmp/aggregator-readme-lo --headless --convert-to pdf \
		--outdir demo/pdf demo/reports/2023H1_专家服务活动成果汇总表.xlsx >/dev/null
	pdftoppm -png -r 80 -f 1 -l 1 -singlefile demo/pdf/2023H1_专家服务活动成果汇总表.pdf docs/summary-page1

bench: install
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) demo bench/out .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
