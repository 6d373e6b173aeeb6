# The two commands a newcomer runs: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
LS_VENV     := .venv-llamastack
OGX_VENV    := .venv-ogx
STAMP       := $(VENV)/.installed
LS_STAMP    := $(LS_VENV)/.installed
OGX_STAMP   := $(OGX_VENV)/.installed
NODE_STAMP  := extension/node_modules/.installed
PEERS_STAMP := bench/peers/node_modules/.installed
EXT_BUILD   := extension/dist/.built
CHROMIUM    := /usr/bin/chromium
PIP         := -m pip install --quiet --disable-pip-version-check

.PHONY: help install test demo bench eval lint typecheck pytest extension-test e2e chromium clean test-ogx

help:
	@echo "make demo   install what is needed, start the whole stack, print the URL"
	@echo "make test   install what is needed, run every check"
	@echo "make test-ogx  the whole-stack tests with OGX 1.x (llama-stack's successor) serving the Responses API"
	@echo "make bench  run the benchmarks (ratios measured side by side)"
	@echo "make eval   ask every failure scenario through the whole stack (MODEL_URL=… MODEL_ID=… for a real model)"

# --- installs -------------------------------------------------------------------------------------
$(STAMP): pyproject.toml scripts/find-python.sh
	@PYBIN=$$(./scripts/find-python.sh) && echo "using $$PYBIN" && \
	  { [ -x $(PY) ] || "$$PYBIN" -m venv $(VENV); }
	$(PY) $(PIP) -e '.[dev,devstack]'
	@touch $@

# llama-stack needs mcp<2 while the project uses mcp 2.x: it gets a virtualenv of its own.
$(LS_STAMP): devstack/llamastack/requirements.txt scripts/find-python.sh
	@PYBIN=$$(./scripts/find-python.sh) && \
	  { [ -x $(LS_VENV)/bin/python ] || "$$PYBIN" -m venv $(LS_VENV); }
	$(LS_VENV)/bin/python $(PIP) -r devstack/llamastack/requirements.txt
	@touch $@

# OGX 1.x, llama-stack's successor, serves the same run config; it needs mcp>=2: a virtualenv of its own too.
$(OGX_STAMP): devstack/llamastack/requirements-ogx.txt scripts/find-python.sh
	@PYBIN=$$(./scripts/find-python.sh) && \
	  { [ -x $(OGX_VENV)/bin/python ] || "$$PYBIN" -m venv $(OGX_VENV); }
	$(OGX_VENV)/bin/python $(PIP) -r devstack/llamastack/requirements-ogx.txt
	@touch $@

$(NODE_STAMP): extension/package.json extension/package-lock.json
	cd extension && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(EXT_BUILD): $(NODE_STAMP) $(shell find extension/src devstack/hostpage -type f 2>/dev/null) extension/package.json
	cd extension && npm run --silent build
	@touch $@

# The peer MCP server the benchmarks compare against (argocd-mcp, pinned by its lock file).
$(PEERS_STAMP): bench/peers/package.json bench/peers/package-lock.json
	cd bench/peers && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's chromium for the end-to-end tests (never a browser download step).
chromium:
	@command -v $(CHROMIUM) >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The production topology the tests and benchmarks start (devstack/topology): Debian's PostgreSQL 15 server
# binaries for llama-stack's Postgres stores and HAProxy in front of the replicas. Only the binaries are used:
# the topology runs its own server on a temporary data directory and a free loopback port.
POSTGRES_BIN := /usr/lib/postgresql/15/bin/postgres
HAPROXY_BIN  := /usr/sbin/haproxy
.PHONY: postgresql haproxy topology-deps
postgresql:
	@command -v $(POSTGRES_BIN) >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$SUDO apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null; }

haproxy:
	@command -v $(HAPROXY_BIN) >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$SUDO apt-get install -y -qq --no-install-recommends haproxy >/dev/null; }

topology-deps: postgresql haproxy
# tests/topology and bench/topology start them (extra prerequisites, so the rules above stay as they are)
pytest bench: topology-deps

install: $(STAMP) $(LS_STAMP) $(EXT_BUILD)

# --- checks ---------------------------------------------------------------------------------------
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy mcp_server relay devstack bench argocd_assistant tests

# The Python suites start the whole stack (llama-stack, the built extension) for their end-to-end parts.
pytest: $(STAMP) $(LS_STAMP) $(EXT_BUILD) $(PEERS_STAMP)
	$(VENV)/bin/pytest

extension-test: $(NODE_STAMP)
	cd extension && npm run --silent typecheck && npm test --silent

# End-to-end tests in a real headless Chromium (Debian's) against the whole devstack.
e2e: chromium $(STAMP) $(LS_STAMP) $(EXT_BUILD)
	cd extension && npm run --silent e2e

# The whole chain again with OGX 1.x (llama-stack's successor, .venv-ogx) in place of llama-stack 0.7.3: the
# relay's whole-stack suites (answers, conversations, actions, per-user stored responses, feedback read back),
# the launcher, and the browser suite on React 19 (DEVSTACK_LLAMA_FLAVOUR=ogx).
# tests/devstack_stack/test_llama_flavours.py (both flavours read the run configs) runs in `pytest`.
OGX_PYTESTS := tests/relay/test_full_stack.py tests/relay/test_browser_mode.py tests/relay/test_actions.py \
  tests/relay/test_conversation.py tests/relay/test_llama_stack_auth.py tests/relay/test_feedback.py \
  tests/devstack_stack/test_launcher.py
test-ogx: chromium $(STAMP) $(OGX_STAMP) $(EXT_BUILD)
	DEVSTACK_LLAMA_FLAVOUR=ogx $(VENV)/bin/pytest $(OGX_PYTESTS)
	cd extension && DEVSTACK_LLAMA_FLAVOUR=ogx node --test-reporter=spec --test-name-pattern='React 19' \
	  e2e/assistant.e2e.mjs
# pytest reads both run configs with OGX; DEVSTACK_LLAMA_FLAVOUR=ogx make demo (or pytest, e2e) needs its venv
pytest: $(OGX_STAMP)
demo e2e: $(if $(filter ogx,$(DEVSTACK_LLAMA_FLAVOUR)),$(OGX_STAMP))

test: lint typecheck extension-test pytest e2e test-ogx

# Ratios measured side by side in one run; each script appends a dated row to bench/RESULTS.md.
bench: $(STAMP) $(LS_STAMP) $(PEERS_STAMP)
	$(PY) -m bench.run_all

# Every failure scenario of eval/scenarios through the whole stack: bench/EVAL.md and a row in RESULTS.md.
eval: $(STAMP) $(LS_STAMP)
	$(PY) -m bench.eval

demo: $(STAMP) $(LS_STAMP) $(EXT_BUILD)
	$(VENV)/bin/argocd-assistant demo

clean:
	rm -rf $(VENV) $(LS_VENV) $(OGX_VENV) extension/node_modules extension/dist bench/peers/node_modules .artifacts .devstack
