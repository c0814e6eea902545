# Academy. `make run` serves a development copy; `make test` runs every test.
# Installs are pinned by constraints.txt, so a fresh clone gets what CI tested.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app academy
ALEMBIC := $(BIN)/alembic -c migrations/alembic.ini
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
CATALOGS := $(wildcard academy/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test check bench lock translations clean help
.DEFAULT_GOAL := help

help:
	@echo "make run           install, migrate, check the courses and serve on http://127.0.0.1:5000"
	@echo "make test          install the test tools and run every test (unit, web, browser)"
	@echo "make check         ruff, translations, course files, models against migrations"
	@echo "make bench         benchmarks against gunicorn (not part of make test)"
	@echo "make translations  extract messages and update the sv and nb catalogs"
	@echo "make lock          re-pin constraints.txt after changing pyproject.toml"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.installed-app: $(BIN)/python pyproject.toml constraints.txt
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(PIP_INSTALL) -e '.[test]'
	touch $@

%.mo: %.po $(VENV)/.installed-app
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

run: $(VENV)/.installed-app $(COMPILED)
	$(ALEMBIC) upgrade head
	$(FLASK) courses check
	$(FLASK) admin create-link --unless-admin-exists
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test $(COMPILED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# alembic check runs on a scratch SQLite database upgraded to head, or on the database
# ACADEMY_DATABASE_URL names (which it upgrades first).
check: $(VENV)/.installed-test $(COMPILED)
	$(BIN)/ruff check .
	$(FLASK) translations check
	$(FLASK) courses check
	@scratch=$$(mktemp -d); \
	url=$${ACADEMY_DATABASE_URL:-sqlite:///$$scratch/check.sqlite3}; \
	ACADEMY_DATABASE_URL=$$url $(ALEMBIC) upgrade head 2>/dev/null \
	  && ACADEMY_DATABASE_URL=$$url $(ALEMBIC) check; \
	status=$$?; rm -rf $$scratch; exit $$status

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PIP_INSTALL) -e '.[test,bench]'
	touch $@

bench: $(VENV)/.installed-bench $(COMPILED)
	$(BIN)/python -m bench

# babel.cfg's patterns are relative to the project root, so extraction starts at ".";
# --ignore-dirs drops Babel's default of also skipping "_*" folders (templates/_macros).
# `flask translations check` extracts the same way. The template carries no locations, so
# the updated catalogs have none either. Headers are omitted to keep diffs small: Swedish
# and Bokmål use gettext's default plural rule (n != 1).
translations: $(VENV)/.installed-app
	$(BIN)/pybabel extract --no-location --omit-header --sort-by-file --ignore-dirs='.*' -F babel.cfg -k _l -o academy/translations/messages.pot .
	$(BIN)/pybabel update --omit-header -i academy/translations/messages.pot -d academy/translations

lock: $(BIN)/python
	rm -rf $(VENV)-lock && $(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	$(VENV)-lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf $(VENV)-lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(COMPILED)
