# One entry point for people and CI. `make test` is what .ci/run calls.
CARGO ?= cargo
SHELL := /bin/bash

.PHONY: build test lint fmt bench run

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
SHOKAI := $(TARGET_DIR)/release/shokai
DEMO_ENV := .env.example

build:
	$(CARGO) build --workspace

# Store tests record a file per PostgreSQL test skipped for want of
# SHOKAI_TEST_POSTGRES; the count is reported after the run.
PG_SKIPPED := $(or $(CARGO_TARGET_DIR),target)/tmp/shokai-store-pg-skipped

test:
	rm -rf "$(PG_SKIPPED)"
	$(CARGO) test --workspace
	@n=$$(ls "$(PG_SKIPPED)" 2>/dev/null | wc -l); if [ "$$n" -gt 0 ]; then \
	  echo "note: $$n PostgreSQL tests (store, e2e) did not run: SHOKAI_TEST_POSTGRES is not set (.ci/run sets it)"; fi
	CARGO="$(CARGO)" .ci/pcsc-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	# The PC/SC transport and its test build only against libpcsclite.
	if pkg-config --exists libpcsclite 2>/dev/null; then \
	  $(CARGO) clippy -p shokai-card -p shokai --all-targets --features shokai/pcsc -- -D warnings; fi

fmt:
	$(CARGO) fmt --all

# Letter rendering: one letter and a 1,000-letter print batch (criterion). Prints
# ms per letter, letters/s and bytes per letter; reports in target/criterion/.
bench:
	$(CARGO) bench -p shokai-workflow --bench letter

# The demo office on the embedded SQLite default: release build, migrations,
# demo accounts on a fresh database, a private copy of the demo card (every
# PIN try rewrites it), then serve until Ctrl-C.
run:
	$(CARGO) build --release -p shokai
	mkdir -p data
	test -f data/demo-card.json || cp fixtures/cards/cardholder.json data/demo-card.json
	@fresh=0; [ -f data/shokai.db ] || fresh=1; \
	$(SHOKAI) migrate && \
	if [ $$fresh = 1 ]; then for role in clerk supervisor auditor; do \
	  printf '%s-demo-2026\n' $$role | $(SHOKAI) user add $$role --role $$role --config $(DEMO_ENV) || exit 1; \
	done; fi
	@echo
	@echo "shokai demo office: http://127.0.0.1:8080  (JSON API; OpenAPI at /api/openapi.json)"
	@echo "logins: clerk / clerk-demo-2026, supervisor / supervisor-demo-2026, auditor / auditor-demo-2026"
	@echo "demo card: data/demo-card.json (PINs in fixtures/cards/README.md)"
	@echo
	$(SHOKAI) serve --config $(DEMO_ENV)
