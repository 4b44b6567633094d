# Coins for Change. `make dev` runs the platform on localhost; `make test` runs every check CI runs.
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/generated
BUF = $$(command -v buf || echo .dev/tools/node_modules/.bin/buf)

.PHONY: help bootstrap dev test unit handler-coverage integration e2e generate check-generated lint breaking release-contracts clients clients-smoke gateway-config mesh-config deploy-check collector bench-coins bench-notify bench-search bench-analytics soak fuzz verify-ledger migrate web web-test web-screenshots clean

help:
	@echo "make dev              install what is missing, start PostgreSQL, Redis, 7 services and Envoy on :8080"
	@echo "make test             contracts lint, generated/ drift check, then every tier: unit, integration, e2e"
	@echo "make unit             tests/unit: rules and use cases without I/O, no services (seconds)"
	@echo "make handler-coverage line coverage of each service's handlers by the unit tier (fakes, no I/O)"
	@echo "make integration      tests/integration: SQL and repositories against one private PostgreSQL"
	@echo "make e2e              tests/e2e, quality, runtime, fuzz on the real stack; two workers (E2E_WORKERS)"
	@echo "make generate         rebuild generated/ and docs/openapi.json from proto/"
	@echo "make lint             buf lint, ruff and mypy (settings in pyproject.toml)"
	@echo "make breaking         buf breaking against AGAINST (default: the last release image, proto/releases/)"
	@echo "make release-contracts VERSION=vX.Y.Z: protos + descriptor set archive in build/dist, proto/releases image"
	@echo "make clients          Go, TypeScript and Java stubs into clients/<lang>/build/gen (README: Clients)"
	@echo "make clients-smoke    each language's smoke program and grpcurl against a stack on free ports"
	@echo "make gateway-config   write .dev/envoy.json from the contracts and validate it with Envoy"
	@echo "make mesh-config      write istio/ and k8s/base's generated files from the contracts (gateway/mesh.py)"
	@echo "make deploy-check     k8s/ and istio/ offline: kustomize, kubeconform, istioctl, Envoy, hadolint, policy tests"
	@echo "make collector        build the OpenTelemetry Collector (tools/otel, cached) the trace test runs"
	@echo "make bench-coins      the coin benchmark table (pgbench ceiling, gRPC, REST, hot idea, 1M history)"
	@echo "make bench-notify     fan-out to 10,000 members: in-app, mail, 1,000 live streams, coin rate beside it"
	@echo "make bench-search     search on both backends at 100k ideas (queries, indexing, lag), OpenSearch at 1M"
	@echo "make bench-analytics  dashboard, 1M-row ledger export and read-model lag (BENCH_ANALYTICS_SCALE=0.1: quick)"
	@echo "make soak             the bank, crash and database-restart tests with a long load (SOAK_SECONDS=60)"
	@echo "make fuzz             schemathesis on every REST route, generated requests on every RPC (FUZZ_EXAMPLES=15)"
	@echo "make verify-ledger    recompute every coin balance from the ledger (DATABASE_URL, default: make dev's)"
	@echo "make web              build the web app (web/dist, npm); make dev serves it at http://localhost:8080/"
	@echo "make web-test         the web app's journeys in headless Chromium against the real stack (+ axe-core)"
	@echo "make migrate          upgrade every service's schema (DATABASE_URL, default: make dev's); MIGRATE=check"

bootstrap:
	@tools/bootstrap.sh

dev: bootstrap web
	$(PY) -m tools.devstack up

# One pytest run per tier, in this order; the first failure stops `make test`. Exit status 5 (no test collected)
# passes: PYTEST_ARGS='-k gateway' may leave a tier nothing to run. The unit and integration tiers load no conftest
# above their folder (--confcutdir), so they cannot reach the stack's fixtures, nor pay for importing them.
E2E_TESTS := tests/e2e tests/quality tests/runtime tests/fuzz
pytest_tier = $(PY) -m pytest $(1) $(PYTEST_ARGS) || test $$? -eq 5
alone = --confcutdir=$(1) -p no:schemathesis -p no:hypothesispytest -p no:anyio $(1)

test: bootstrap check-generated lint breaking unit integration e2e

unit: bootstrap
	$(call pytest_tier,$(call alone,tests/unit))

handler-coverage: bootstrap
	$(PY) -m pytest --confcutdir=tests/unit -p no:schemathesis -p no:hypothesispytest -p no:anyio -q tests/unit \
		--cov=services --cov-report=term-missing | grep -E 'handlers|TOTAL|^Name'

integration: bootstrap
	$(call pytest_tier,$(call alone,tests/integration))

# Two workers, each with a stack of its own (session fixtures are per worker), a test file per worker at a time
# (module fixtures stay single): most of an e2e test is waiting on processes, so two stacks share two cores well.
E2E_WORKERS ?= 2
e2e: bootstrap
	$(call pytest_tier,-n $(E2E_WORKERS) --dist loadfile $(E2E_TESTS))

generate: bootstrap
	$(PY) tools/generate.py

check-generated: bootstrap
	$(PY) tools/generate.py --check

lint: bootstrap
	$(BUF) lint
	.venv/bin/ruff check .
	.venv/bin/mypy

# Our module alone (Google's vendored protos ride along as imports). Against a branch or tag instead:
# AGAINST='.git#branch=main,subdir=proto'.
AGAINST ?= $(lastword $(shell ls proto/releases/*.binpb | sort -V))
breaking: bootstrap
	$(BUF) breaking proto --against '$(AGAINST)'

VERSION ?= $(error VERSION=vX.Y.Z is required)
release-contracts: bootstrap
	$(PY) -m tools.release_contracts $(VERSION)

# Plugins at pinned versions from tools/clients_tools.sh (cached in ~/.cache/coins-for-change/clients); generated
# code is not committed (README, Clients, says why).
CLIENT_LANGS := go ts java
clients: bootstrap
	bin=$$(tools/clients_tools.sh) && for lang in $(CLIENT_LANGS); do \
		rm -rf clients/$$lang/build/gen && PATH="$$bin:$$PATH" $(BUF) generate --template clients/$$lang/buf.gen.yaml \
		|| exit 1; done

# The whole run is time-boxed (CLIENTS_SMOKE_TIMEOUT seconds), each program too (tools/clients_smoke.py).
CLIENTS_SMOKE_TIMEOUT ?= 900
clients-smoke: clients
	timeout $(CLIENTS_SMOKE_TIMEOUT) $(PY) -m tools.clients_smoke

gateway-config: bootstrap
	$(PY) -m gateway.generate --out .dev/envoy.json
	.venv/bin/envoy --mode validate -c .dev/envoy.json

mesh-config: bootstrap
	$(PY) -m gateway.mesh write

# Offline: the tools come from tools/deploy_tools.sh (cached under ~/.cache/coins-for-change/tools; istioctl builds in
# ~4 min the first time). The key is a throwaway: it only shapes the RequestAuthentication and the JWKS file.
DEPLOY_OUT := .dev/deploy
TOOLS := .dev/tools/bin
deploy-check: bootstrap
	tools/deploy_tools.sh
	$(PY) -m gateway.mesh check
	$(TOOLS)/hadolint Dockerfile
	rm -rf $(DEPLOY_OUT) && mkdir -p $(DEPLOY_OUT)/jwt
	for overlay in $$(ls k8s/overlays); do $(TOOLS)/kustomize build k8s/overlays/$$overlay > $(DEPLOY_OUT)/$$overlay.yaml || exit 1; done
	$(TOOLS)/kubeconform -strict -summary -kubernetes-version 1.37.0 \
		-schema-location "$$(tools/deploy_tools.sh schemas)" $(DEPLOY_OUT)/*.yaml
	openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout -out $(DEPLOY_OUT)/jwt/jwt-public.pem 2>/dev/null
	$(PY) -m gateway.mesh jwt --public-key $(DEPLOY_OUT)/jwt/jwt-public.pem --out $(DEPLOY_OUT)/jwt
	for overlay in $$(ls k8s/overlays); do \
		$(TOOLS)/istioctl analyze --use-kube=false --all-namespaces $(DEPLOY_OUT)/$$overlay.yaml istio/*.yaml \
			$(DEPLOY_OUT)/jwt/request-authentication.yaml || exit 1; done
	sed -e 's#/etc/envoy/coins.pb#$(CURDIR)/k8s/base/gateway/coins.pb#' \
		-e 's#/etc/coins/jwt/jwks.json#$(CURDIR)/$(DEPLOY_OUT)/jwt/jwks.json#' \
		k8s/base/gateway/envoy.json > $(DEPLOY_OUT)/envoy.json
	.venv/bin/envoy --mode validate -c $(DEPLOY_OUT)/envoy.json
	$(call pytest_tier,$(call alone,tests/deploy))

# Built once per manifest with the OpenTelemetry builder (Go), cached under ~/.cache; the trace test runs it.
collector: bootstrap
	$(PY) -m tools.otel.collector build

bench-coins: bootstrap
	@command -v go >/dev/null || { echo "bench-coins needs Go for its load generator (bench/loadgen)"; exit 1; }
	$(PY) -m bench.coins

bench-notify: bootstrap
	@command -v go >/dev/null || { echo "bench-notify needs Go for its load generator (bench/loadgen)"; exit 1; }
	$(PY) -m bench.notify

bench-search: bootstrap
	@command -v java >/dev/null || { echo "bench-search needs Java 17 for its OpenSearch node (tools/opensearch)"; exit 1; }
	$(PY) -m bench.search

bench-analytics: bootstrap
	$(PY) -m bench.analytics

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

# The web app (web/, served by the gateway at /): npm builds web/dist; the browser tests drive Debian's Chromium.
web:
	web/build.sh

web-test: bootstrap web
	web/test-tools.sh
	timeout 600 $(PY) -m pytest -q tests/web $(PYTEST_ARGS)

# Rewrites docs/screenshots/*.png from the browser journeys.
web-screenshots: bootstrap web
	web/test-tools.sh
	COINS_WEB_SCREENSHOTS=1 $(PY) -m pytest -q tests/web

clean:
	rm -rf .dev/logs .dev/envoy.json .pytest_cache
