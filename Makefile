# Two entry points: `make serve` and `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= index
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: serve test check install install-test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(INDEX)/CURRENT: | $(VENV)/.installed
	$(BIN)/newssearch index --index $(INDEX) sample/

serve: $(VENV)/.installed $(INDEX)/CURRENT
	$(BIN)/newssearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Everything, as CI runs it: lint, types, every test (servers, browser, faults, full fuzzing).
test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench wsgi.py
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The quick loop for an edit (under a minute): unit and index tests, fuzzing at a small profile;
# no servers, no browser, no fault injection, no full-data checks, no multi-build scenarios.
check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench wsgi.py
	$(BIN)/python -m pytest -q -m "not system and not slow and not heavy" --hypothesis-profile=check

clean:
	rm -rf $(VENV) $(INDEX)/builds $(INDEX)/CURRENT
