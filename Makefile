# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STORE ?= sqlite:///./raidt.db

LINTER := tests/cypher_lint/node_modules/.package-lock.json
WEB := visualisation/web/node_modules/.package-lock.json

.PHONY: install run test lint typecheck unit bench clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The browser libraries the web pages and /docs serve (npm), so that nothing comes from a CDN.
# Without npm the command line and the API work whole; the pages say what is missing.
$(WEB): visualisation/web/package.json visualisation/web/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix visualisation/web --no-audit --no-fund; \
	else echo "npm not found: the web pages will not draw lineage and /docs will be blank;" \
		"install Node.js (npm) and run make install again"; fi

install: $(STAMP) $(WEB)

## run: install, load the demo runs into the embedded store, then serve them on this machine only
run: install
	$(BIN)/raidt demo --store $(STORE)
	$(BIN)/raidt serve --no-auth --host 127.0.0.1 --port 8000 --store $(STORE)

## test: install, lint, type-check and run the whole test suite
test: lint typecheck unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# Neo4j's Cypher linter (npm), so that every statement the Neo4j store sends is checked offline.
$(LINTER): tests/cypher_lint/package.json tests/cypher_lint/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tests/cypher_lint --no-audit --no-fund; \
	else echo "npm not found: the Cypher lint test will be skipped"; fi

# Chromium for the browser tests: Debian's, installed where the tests run as root (as on CI);
# elsewhere the browser tests say they are skipped and why.
browser:
	command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "no chromium: browser tests will skip"

unit: install $(LINTER) browser
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/run.py --runs 10000

clean:
	rm -rf $(VENV) raidt.db raidt.db-wal raidt.db-shm .pytest_cache .mypy_cache .ruff_cache \
		tests/cypher_lint/node_modules visualisation/web/node_modules raidt-keys.db* test-artifacts
