# Switchboard: `make run` to start everything, `make test` to test it against real components.
# Both bootstrap a fresh machine (Python venv, npm assets, livekit-server) and are idempotent.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PYTHON ?= python3
LIVEKIT := .bin/livekit-server
VENDOR := static/vendor/livekit-client.umd.js

.PHONY: run test bootstrap services lint format clean-instance

bootstrap: $(VENV)/.installed node_modules/.installed $(VENDOR) $(LIVEKIT)

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

$(VENDOR): node_modules/.installed
	@mkdir -p static/vendor
	cp node_modules/livekit-client/dist/livekit-client.umd.js node_modules/livekit-client/dist/livekit-client.esm.mjs static/vendor/

$(LIVEKIT):
	scripts/ensure-livekit.sh

# The components tests need, from Debian's packages, started on loopback.
services:
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	scripts/apt-install.sh chromium chromium-driver

run: bootstrap
	$(FLASK) db upgrade
	@$(PY) scripts/livekit-config.py instance/livekit.yaml
	@echo "Switchboard is starting:"
	@$(FLASK) bootstrap
	$(VENV)/bin/honcho -f Procfile.dev start

test: bootstrap services
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check switchboard tests bench scripts app.py

format: $(VENV)/.installed
	$(VENV)/bin/ruff format switchboard tests bench scripts app.py
