# learncity: two commands.
#   make run   - set everything up and serve on http://127.0.0.1:8000 (SQLite, demo content,
#                DEBUG on: a development server; production sets its own environment)
#   make test  - set everything up and run lint, formatting, types, layer contracts, tests
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup messages lint typecheck contracts browser pytest clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || { \
	  echo "learncity needs Python 3.11: install it (Debian: apt-get install python3.11 python3.11-venv)"; exit 1; }
	@PY=$$(command -v $(PYTHON) || command -v python3); \
	  $$PY -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || { \
	  echo "learncity needs Python 3.11, found $$($$PY --version)"; exit 1; }; \
	  $$PY -m venv $(VENV) || { echo "cannot create a virtual environment: apt-get install python3.11-venv"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) messages

# The translations (src/learncity/locale/*/LC_MESSAGES/django.po, Korean msgids) compiled to
# the .mo files Django reads: pure Python, no GNU gettext needed (the .mo are not committed).
messages: $(STAMP)
	$(BIN)/learncity i18n compile

run: $(STAMP) messages
	$(BIN)/learncity migrate
	$(BIN)/learncity demo
	LEARNCITY_DEBUG=$${LEARNCITY_DEBUG:-true} $(BIN)/learncity serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

contracts: $(STAMP)
	$(BIN)/lint-imports

# The browser tests (tests/browser, marker `browser`) drive Debian's Chromium through
# Playwright, never a browser Playwright downloads, and screenshots want a Korean font.
# Installed from Debian's packages when missing: as root, or through sudo when present.
browser:
	@missing=""; \
	  command -v chromium >/dev/null 2>&1 || missing=" chromium"; \
	  { command -v fc-list >/dev/null 2>&1 && fc-list :lang=ko | grep -q .; } || missing="$$missing fonts-nanum"; \
	  [ -z "$$missing" ] && exit 0; \
	  if [ "$$(id -u)" = 0 ]; then as_root=""; \
	  elif command -v sudo >/dev/null 2>&1; then as_root="sudo"; \
	  else echo "the browser tests need Debian's$$missing (Chromium to run at all, a Korean font" \
	    "for readable screenshots): as root, run 'apt-get install$$missing'"; exit 0; fi; \
	  echo "== installing$$missing from Debian's packages for the browser tests"; \
	  $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 || { \
	    $$as_root apt-get update -qq && \
	    $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } || { \
	    echo "could not install$$missing: run 'apt-get install$$missing' as root"; exit 1; }

# One pytest session for the whole suite, browser tests included, in a random order (the seed
# is printed in the header; `pytest --randomly-seed=N` replays it), on two workers
# (pytest-xdist: each builds its own test database and world; `--dist load`, the default,
# because loadfile and loadscope keep one of the API conformance cases, which share an id).
pytest: $(STAMP) messages browser
	$(BIN)/pytest -n 2

test: lint typecheck contracts pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
