# Coins for Change. `make dev` runs the platform on localhost; `make test` runs every check CI runs.
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/generated
BUF = $$(command -v buf || echo .dev/tools/node_modules/.bin/buf)

.PHONY: help bootstrap dev test unit handler-coverage integration e2e generate check-generated lint breaking gateway-config bench-coins bench-notify bench-search soak fuzz verify-ledger migrate clean

help:
	@echo "make dev              install what is missing, start PostgreSQL, Redis, 7 services and Envoy on :8080"
	@echo "make test             contracts lint, generated/ drift check, then every tier: unit, integration, e2e"
	@echo "make unit             tests/unit: rules and use cases without I/O, no services (seconds)"
	@echo "make handler-coverage line coverage of each service's handlers by the unit tier (fakes, no I/O)"
	@echo "make integration      tests/integration: SQL and repositories against one private PostgreSQL"
	@echo "make e2e              tests/e2e, quality, runtime, fuzz: the real stack (PostgreSQL, Redis, services, Envoy)"
	@echo "make generate         rebuild generated/ and docs/openapi.json from proto/"
	@echo "make lint             buf lint, ruff and mypy (settings in pyproject.toml)"
	@echo "make breaking         buf breaking against AGAINST (default: main's last commit)"
	@echo "make gateway-config   write .dev/envoy.json from the contracts and validate it with Envoy"
	@echo "make bench-coins      the coin benchmark table (pgbench ceiling, gRPC, REST, hot idea, 1M history)"
	@echo "make bench-notify     fan-out to 10,000 members: in-app, mail, 1,000 live streams, coin rate beside it"
	@echo "make bench-search     search on both backends at 100k ideas (queries, indexing, lag), OpenSearch at 1M"
	@echo "make soak             the bank, crash and database-restart tests with a long load (SOAK_SECONDS=60)"
	@echo "make fuzz             schemathesis on every REST route, generated requests on every RPC (FUZZ_EXAMPLES=15)"
	@echo "make verify-ledger    recompute every coin balance from the ledger (DATABASE_URL, default: make dev's)"
	@echo "make migrate          upgrade every service's schema (DATABASE_URL, default: make dev's); MIGRATE=check"

bootstrap:
	@tools/bootstrap.sh

dev: bootstrap
	$(PY) -m tools.devstack up

# One pytest run per tier, in this order; the first failure stops `make test`. Exit status 5 (no test collected)
# passes: PYTEST_ARGS='-k gateway' may leave a tier nothing to run. The unit and integration tiers load no conftest
# above their folder (--confcutdir), so they cannot reach the stack's fixtures, nor pay for importing them.
E2E_TESTS := tests/e2e tests/quality tests/runtime tests/fuzz
pytest_tier = $(PY) -m pytest $(1) $(PYTEST_ARGS) || test $$? -eq 5
alone = --confcutdir=$(1) -p no:schemathesis -p no:hypothesispytest -p no:anyio $(1)

test: bootstrap check-generated lint unit integration e2e

unit: bootstrap
	$(call pytest_tier,$(call alone,tests/unit))

handler-coverage: bootstrap
	$(PY) -m pytest --confcutdir=tests/unit -p no:schemathesis -p no:hypothesispytest -p no:anyio -q tests/unit \
		--cov=services --cov-report=term-missing | grep -E 'handlers|TOTAL|^Name'

integration: bootstrap
	$(call pytest_tier,$(call alone,tests/integration))

e2e: bootstrap
	$(call pytest_tier,$(E2E_TESTS))

generate: bootstrap
	$(PY) tools/generate.py

check-generated: bootstrap
	$(PY) tools/generate.py --check

lint: bootstrap
	$(BUF) lint
	.venv/bin/ruff check .
	.venv/bin/mypy

AGAINST ?= .git\#branch=main
breaking: bootstrap
	$(BUF) breaking --against '$(AGAINST)'

gateway-config: bootstrap
	$(PY) -m gateway.generate --out .dev/envoy.json
	.venv/bin/envoy --mode validate -c .dev/envoy.json

bench-coins: bootstrap
	@command -v go >/dev/null || { echo "bench-coins needs Go for its load generator (bench/loadgen)"; exit 1; }
	$(PY) -m bench.coins

bench-notify: bootstrap
	@command -v go >/dev/null || { echo "bench-notify needs Go for its load generator (bench/loadgen)"; exit 1; }
	$(PY) -m bench.notify

bench-search: bootstrap
	@command -v java >/dev/null || { echo "bench-search needs Java 17 for its OpenSearch node (tools/opensearch)"; exit 1; }
	$(PY) -m bench.search

SOAK_SECONDS ?= 60
soak: bootstrap
	COINS_LOAD_SECONDS=$(SOAK_SECONDS) COINS_LOAD_CLIENTS=$${COINS_LOAD_CLIENTS:-32} \
		COINS_RACE_ROUNDS=$${COINS_RACE_ROUNDS:-40} \
		$(PY) -m pytest -s tests/e2e/test_coin_concurrency.py tests/e2e/test_trust_races.py

# Examples per route and caller: 15 take a few minutes on 2 cores; the default suite runs 2 (REST) and 4 (gRPC).
FUZZ_EXAMPLES ?= 15
fuzz: bootstrap
	COINS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -s -q tests/fuzz

verify-ledger: bootstrap
	DATABASE_URL=$${DATABASE_URL:-postgresql://coins@127.0.0.1:55432/coins} $(PY) -m services.coin.verify

# MIGRATE='upgrade coin', 'check' (models against migrations) or "revision coin -m 'what changes'"; see the README.
MIGRATE ?= upgrade
migrate: bootstrap
	DATABASE_URL=$${DATABASE_URL:-postgresql://coins@127.0.0.1:55432/coins} $(PY) -m services.common.migrations $(MIGRATE)

clean:
	rm -rf .dev/logs .dev/envoy.json .pytest_cache
