# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format translations extract-messages migration bench bench-peers clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile --use-fuzzy -d translations -D messages
	$(BIN)/pybabel -q compile --use-fuzzy -d translations -D admin

extract-messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=.venv --ignore-dirs=tests --ignore-dirs=migrations --ignore-dirs=bench -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching

run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Brobygger runs at http://$(HOST):$(PORT)  (stop with Ctrl+C)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Tests run in parallel, one process per core; each gets its own PostgreSQL database.
PYTEST_ARGS ?= -n auto
test: $(VENV)/.dev translations
	$(BIN)/pytest $(PYTEST_ARGS)

# A new, numbered migration to fill in: make migration NAME=add_retention [PLUGIN=intake]
migration: $(VENV)/.runtime
	@test -n "$(NAME)" || { echo "usage: make migration NAME=add_something [PLUGIN=intake]"; exit 2; }
	$(FLASK) db new $(NAME) $(if $(PLUGIN),--plugin $(PLUGIN))

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r . --severity-level medium

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev translations
	$(BIN)/python bench/list_pages.py

# Brobygger against the peers in ../shared/peers (their own virtualenv under bench/results/).
BENCH_PEERS_ARGS ?= --rows 500000 --citizens 100000 --rounds 3
bench-peers: $(VENV)/.dev translations
	$(BIN)/python bench/peers.py $(BENCH_PEERS_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
