# Switchboard: `make run` to start everything, `make test` to test it against real components.
# Both bootstrap a fresh machine (Python venv, npm assets, livekit-server, LiveKit Egress with
# its Debian packages) and are idempotent.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PYTHON ?= python3
LIVEKIT := .bin/livekit-server

.PHONY: run test bootstrap services lint format npm egress bench

bootstrap: $(VENV)/.installed npm $(LIVEKIT) egress

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	@touch $@

# npm ci only when package-lock.json changed (it empties node_modules first).
npm:
	@scripts/ensure-npm.sh

$(LIVEKIT):
	scripts/ensure-livekit.sh

# LiveKit Egress (recordings) into .bin/egress, built once; its Debian packages (GStreamer,
# pulseaudio, Xvfb, Chromium) are checked every time (fast when present).
egress:
	@scripts/ensure-egress.sh

# The components tests need, from Debian's packages, started on loopback.
services:
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	scripts/apt-install.sh chromium chromium-driver

run: bootstrap
	@scripts/apt-install.sh redis-server
	$(FLASK) db upgrade
	@$(PY) scripts/livekit-config.py instance/livekit.yaml instance/egress.yaml
	@# Egress records Chrome's sound from a pulse sink: a daemon must run.
	@pactl info >/dev/null 2>&1 || pulseaudio -D --exit-idle-time=-1 2>/dev/null || true
	@echo "Switchboard is starting:"
	@$(FLASK) bootstrap
	@echo "  Recordings: a local bucket on moto (:5005) becomes the default project's destination once all runs (printed below)."
	$(VENV)/bin/honcho -f Procfile.dev start

test: bootstrap services
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Every scenario against Switchboard and its LiveKit peer (a few minutes, loopback only);
# writes bench/results/RESULTS.md and its plots. Not part of `make test`.
bench: bootstrap services
	scripts/apt-install.sh wrk
	ulimit -n $$(ulimit -Hn) && $(PY) -m bench.run $(BENCH_ARGS)

# ruff, and the layer contract in .importlinter (entry points -> services -> plumbing,
# livekit -> models; only switchboard/livekit imports the LiveKit SDK; no import cycles).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check switchboard tests bench scripts app.py
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format switchboard tests bench scripts app.py
