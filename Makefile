# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STORE ?= sqlite:///./raidt.db

LINTER := tests/cypher_lint/node_modules/.package-lock.json

.PHONY: install run test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## run: install, load the demo runs into the embedded store and list them
run: install
	$(BIN)/raidt demo --store $(STORE)

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

unit: install $(LINTER)
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/run.py --runs 10000

clean:
	rm -rf $(VENV) raidt.db raidt.db-wal raidt.db-shm .pytest_cache .mypy_cache .ruff_cache \
		tests/cypher_lint/node_modules
