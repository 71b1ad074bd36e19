# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SIM_PORT ?= 8001
FROM ?= (212) 555-0100
EXT ?= 101

.PHONY: setup run call test lint smoke bench worker clean

$(STAMP): pyproject.toml constraints.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	DEBUG=$${DEBUG:-1} bash scripts/run.sh

# Ring a demo user through the running simulator: make call FROM="(212) 555-0100" EXT=101
call: setup
	DEBUG=$${DEBUG:-1} $(PY) manage.py simulate_call --from "$(FROM)" --to-extension "$(EXT)" \
	  --server "$${RINGCENTRAL_SERVER_URL:-http://$(HOST):$(SIM_PORT)}"

test: setup
	bash scripts/test.sh $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy
	$(VENV)/bin/vulture

smoke: setup
	bash scripts/smoke_embedded.sh

bench: setup
	$(PY) -m bench $(ARGS)

worker: setup
	$(VENV)/bin/celery -A arcadium worker -l info

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
