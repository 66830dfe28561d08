# Two commands do all the set-up: `make run` (the platform on embedded defaults) and
# `make test` (installs what the tests need and runs them all).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FRONTEND := web/frontend
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run test test-sqlite test-postgresql test-e2e lint assets deps dev-deps system-deps bench clean

run: deps assets
	$(PY) app.py

test: dev-deps system-deps assets lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgresql

test-sqlite:
	FLOWDESK_TEST_DB=sqlite $(PY) -m pytest tests -q -p no:cacheprovider --durations=25

test-postgresql:
	FLOWDESK_TEST_DB=postgresql $(PY) -m pytest tests/integration tests/reliability -q -p no:cacheprovider --durations=25

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-deps: requirements.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.stamp-dev-deps: requirements-dev.txt requirements.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements-dev.txt
	touch $(VENV)/.stamp-deps $@

deps: $(VENV)/.stamp-deps
dev-deps: $(VENV)/.stamp-dev-deps

# Debian packages the real-service tests use: Dovecot (IMAP) and Chromium (browser tests).
system-deps:
	@bash scripts/system-deps.sh

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error

web/static/dist/.stamp: $(FRONTEND)/node_modules/.package-lock.json $(wildcard $(FRONTEND)/src/*) $(FRONTEND)/build.mjs
	cd $(FRONTEND) && npm run --silent build
	touch $@

assets: web/static/dist/.stamp

bench: dev-deps system-deps
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules web/static/dist
