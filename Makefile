# Two set-up commands on a fresh machine: `make serve` and `make test`. Both create .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
WEB_STAMP := web/node_modules/.installed
DB ?= data/cobuild.lbdb

.PHONY: serve test bench bench-explorer install web migrate seed clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(WEB_STAMP)

# Browser assets (GraphiQL, React) from the npm registry, pinned by web/package-lock.json and served by
# cobuild itself (offline); reinstalled only when the lock file changes. Needs Node.js 20 + npm.
$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20) is needed for the browser assets (GraphiQL): install nodejs and npm"; exit 1; }
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

migrate: $(STAMP)
	$(BIN)/cobuild migrate

seed: migrate
	$(BIN)/cobuild seed

serve: seed $(WEB_STAMP)
	$(BIN)/cobuild serve

test: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m pytest --durations=15  # the slowest tests, to keep CI well inside its 30 minutes

# the bench extra (matplotlib for the chart, py-spy/pyinstrument for profiling) only for `make bench`
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# wrk (Debian's compiled load generator) drives the bench's HTTP rows; installed here when missing (as root)
bench: $(BENCH_STAMP) $(WEB_STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; \
	  else \
	    echo "make bench needs wrk (Debian package 'wrk'): run 'sudo apt-get install wrk' (or measure with the Python client: $(BIN)/python -m bench --load httpx)" >&2; exit 1; \
	  fi; }
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.explorer

# the explorer's time to draw 2,000 nodes in headless Chromium → bench/results/explorer.md (also part of `make bench`)
bench-explorer: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m bench.explorer

clean:
	rm -rf $(VENV) data .pytest_cache web/node_modules test-artifacts
