# Opora — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run setup install run-packages test test-packages lint types unit browser bench clean messages

run: setup
	@bash scripts/serve.sh

setup: install run-packages
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) collectstatic --noinput -v0
	@$(MANAGE) load_reference
	@$(MANAGE) load_catalogue
	@$(MANAGE) seed_demo --if-empty

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

test: install test-packages lint types unit

# Debian packages the application needs (Pango, HarfBuzz's subsetter and DejaVu Sans for the PDFs),
# installed here if missing; without them this stops, saying how to install them.
run-packages:
	@bash scripts/system_packages.sh run

# Debian packages the tests need (those above, chromium for tests/browser, gettext for the catalogue
# check, poppler-utils to read PDFs back), installed here if missing; without them this stops before
# pytest, saying how to install them.
test-packages:
	@bash scripts/test_packages.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy .

# All pytest tests, browser tests included (they need Debian's chromium at /usr/bin/chromium).
unit: install test-packages
	$(BIN)/pytest -q

browser: install test-packages
	$(BIN)/pytest -q tests/browser

# The intake benchmark drives the server with wrk (Debian package), installed here if missing.
bench: install
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
	$(BIN)/python bench/run.py

messages: install
	$(MANAGE) makemessages -l ru --no-location --ignore=.venv --ignore=var --ignore=static
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf var/static var/test*.sqlite3
