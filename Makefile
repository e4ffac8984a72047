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

BROWSER_SKIPPED := $(or $(CARGO_TARGET_DIR),target)/tmp/shokai-browser-skipped

test:
	rm -rf "$(PG_SKIPPED)" "$(BROWSER_SKIPPED)"
	$(CARGO) test --workspace
	@n=$$(ls "$(PG_SKIPPED)" 2>/dev/null | wc -l); if [ "$$n" -gt 0 ]; then \
	  echo "note: $$n PostgreSQL tests (store, e2e) did not run: SHOKAI_TEST_POSTGRES is not set (.ci/run sets it)"; fi
	@if [ -d "$(BROWSER_SKIPPED)" ]; then \
	  echo "note: the browser test did not run: chromium and chromium-driver are not installed (.ci/run installs them)"; fi
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
# Then the load run on the release binary: closing a print batch of 1,000 and
# of 10,000 letters and marking it mailed, with the server's peak RSS and the
# 10,000-letter run as a ratio to the 1,000-letter one (tests/e2e/load.rs).
# Then the case list at 100,000 generated cases: the time per page request
# (median and max of 15) for the first page, a page deep in the list and each
# filter, on SQLite and, with SHOKAI_TEST_POSTGRES, on PostgreSQL as loaded
# and after VACUUM ANALYZE (tests/e2e/paging.rs); the target is under 100 ms.
bench:
	$(CARGO) bench -p shokai-workflow --bench letter
	$(CARGO) test --release -p shokai --test e2e -- --ignored --nocapture --test-threads 1 load::
	$(CARGO) test --release -p shokai --test e2e -- --ignored --nocapture --test-threads 1 paging::

# The demo office on the embedded SQLite default: release build, migrations,
# the demo accounts and cases of fixtures/demo (on a database without cases;
# a second run changes nothing), a fresh copy of the demo card in the
# counter's simulated terminal, then serve until Ctrl-C. Start afresh with
# `rm -rf data`.
run:
	$(CARGO) build --release -p shokai
	$(SHOKAI) migrate
	$(SHOKAI) demo load --config $(DEMO_ENV)
	@echo
	@echo "shokai demo office: http://127.0.0.1:8080/login"
	@echo "logins: clerk / clerk-demo-2026, supervisor / supervisor-demo-2026, auditor / auditor-demo-2026, printer / printer-demo-2026"
	@echo "counter card: data/demo-card.json, a copy of fixtures/cards/cardholder.json (its PINs: fixtures/cards/README.md)"
	@echo "JSON API: http://127.0.0.1:8080/api/openapi.json; stop with Ctrl-C"
	@echo
	$(SHOKAI) serve --config $(DEMO_ENV)
