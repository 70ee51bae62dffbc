# The two commands a user types: `make` (build the site) and `make test`.
# Everything else is bootstrapped here: a virtualenv in .venv with pinned versions.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BYTECODE := $(VENV)/.bytecode-stamp
PACKAGE_SOURCES := $(shell find generator -name '*.py' 2>/dev/null)

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

# The package is installed in place (-e), so pip compiles none of it, and where
# PYTHONDONTWRITEBYTECODE is set (many containers and CI images) Python never writes its
# bytecode either: every run would compile the package's modules again, in the build and
# in the checkers' fork server (0.2 s of a cold build). Compiled here, again after an edit
# (checked by timestamp, as Python does: SOURCE_DATE_EPOCH would make compileall hash them).
$(BYTECODE): $(STAMP) $(PACKAGE_SOURCES)
	$(BIN)/python -m compileall -q --invalidation-mode timestamp generator
	touch $@

site: $(BYTECODE)
	$(BIN)/derivations build

serve: $(BYTECODE)
	$(BIN)/derivations serve

check: $(BYTECODE)
	$(BIN)/derivations check

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy

test: $(BYTECODE) lint
	$(BIN)/python -m pytest -n auto

bench: $(BYTECODE)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf site .site-staging-* .cache test-artifacts

distclean: clean
	rm -rf $(VENV)
