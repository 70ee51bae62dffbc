# The two commands a user types: `make` (build the site) and `make test`.
# Everything else is bootstrapped here: a virtualenv in .venv with pinned versions.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Reproducible output (same commit, same bytes) and no Material/MkDocs 2.0 banner.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export NO_MKDOCS_2_WARNING := 1

.PHONY: all site test serve check bench lint clean distclean

all: site

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

site: $(STAMP)
	$(BIN)/derivations build

serve: $(STAMP)
	$(BIN)/derivations serve

check: $(STAMP)
	$(BIN)/derivations check

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf site .site-staging-* .cache test-artifacts

distclean: clean
	rm -rf $(VENV)
