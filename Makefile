# One entry point for people and CI. `make test` is what .ci/run calls.
CARGO ?= cargo
SHELL := /bin/bash

.PHONY: build test lint fmt bench run

build:
	$(CARGO) build --workspace

test:
	$(CARGO) test --workspace
	CARGO="$(CARGO)" .ci/pcsc-test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	# The PC/SC transport and its test build only against libpcsclite.
	if pkg-config --exists libpcsclite 2>/dev/null; then \
	  $(CARGO) clippy -p shokai-card -p shokai --all-targets --features shokai/pcsc -- -D warnings; fi

fmt:
	$(CARGO) fmt --all

bench:
	$(CARGO) bench --workspace
