# Two commands for a newcomer: `make run` and `make test`. Only Python 3.11+ is required;
# the e2e tests also use Node.js/npm when present (they are skipped, and say so, without it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("cadrebot needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cadrebot run

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
