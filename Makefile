# Two commands set everything up on a fresh clone (Python 3.11+ and make required):
#   make demo   - create .venv, install kpitool, run the demo on the bundled example
#   make test   - create .venv, install kpitool with test tools, run ruff and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install template clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 以上が必要です / Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,build,parquet]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kpitool demo kpitool_demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n auto --dist loadfile

template: $(STAMP)
	$(BIN)/python -m kpitool.build.templates

clean:
	rm -rf $(VENV) kpitool_demo .pytest_cache .ruff_cache
