# One entry point for people and CI. `make test` is what .ci/run calls.
CARGO ?= cargo
SHELL := /bin/bash

.PHONY: build test lint fmt bench run

build:
	$(CARGO) build --workspace

test:
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

bench:
	$(CARGO) bench --workspace
