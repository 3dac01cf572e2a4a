# Netloom: `make run` sets everything up and serves the app; `make test` sets everything up
# and runs every test. Both work on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup frontend frontend-test browser network-tools bench-tools migrate demo run test lint typecheck bench clean

NPM ?= npm
NODE_STAMP := frontend/node_modules/.installed
FRONTEND_STAMP := frontend/dist/.built
FRONTEND_SOURCES := frontend/index.html frontend/vite.config.ts frontend/tsconfig.json \
  $(shell find frontend/src -type f 2>/dev/null)

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The front end: installed from the lock file, rebuilt only when a source changed.
$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(FRONTEND_STAMP): $(NODE_STAMP) $(FRONTEND_SOURCES)
	cd frontend && $(NPM) run build
	touch $(FRONTEND_STAMP)

frontend: $(FRONTEND_STAMP)

frontend-test: $(NODE_STAMP)
	cd frontend && $(NPM) run typecheck && $(NPM) test

setup: $(STAMP) frontend

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py createdemo --url http://$(HOST):$(PORT)

# As root, the demo deploys onto a lab fabric of two networking and two compute nodes.
run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@if [ "$$(id -u)" = 0 ]; then \
	  $(MAKE) --no-print-directory network-tools && \
	  $(PY) manage.py fabric up --network-nodes 2 --compute-nodes 2; \
	else echo "Not root: no lab fabric; deploys need root (plans and previews do not)."; fi
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	NETLOOM_SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-key-but-long-enough-for-the-check \
	  NETLOOM_SECURE=1 DATABASE_URL=$${DATABASE_URL:-sqlite:///var/check.sqlite3} \
	  $(PY) manage.py check --deploy --fail-level WARNING

typecheck: setup
	$(VENV)/bin/mypy

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

browser: $(CHROMIUM)

# Deploys drive the kernel through iproute2, iptables and nftables (load balancers) and run
# dnsmasq and keepalived (HA routers); tests ping through what they deploy. Installed from Debian when missing (needs
# root, as deploying does).
NETWORK_TOOLS := /usr/sbin/ip /usr/sbin/sysctl /usr/sbin/iptables-restore /usr/sbin/nft /usr/sbin/dnsmasq /usr/sbin/keepalived /usr/bin/ping
$(NETWORK_TOOLS) &:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 procps iptables nftables dnsmasq-base iputils-ping
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends keepalived

network-tools: $(NETWORK_TOOLS)

# The deploy benchmark builds the same topology with Mininet (Debian's package, on a Linux
# bridge: bridge-utils, no Open vSwitch) for comparison.
BENCH_TOOLS := /usr/bin/mn /usr/sbin/brctl
$(BENCH_TOOLS) &:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mininet bridge-utils

bench-tools: $(BENCH_TOOLS)

test: lint typecheck frontend-test browser network-tools
	$(VENV)/bin/pytest

bench: migrate browser frontend network-tools bench-tools
	$(PY) bench/validate.py
	$(PY) bench/collab.py
	$(PY) bench/canvas.py
	$(PY) bench/deploy.py
	$(PY) bench/failover.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache frontend/node_modules frontend/dist
