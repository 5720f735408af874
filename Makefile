# Every target works on a fresh clone: the virtual environment is created and
# the project installed into it on first use (and again when pyproject.toml changes).
PYTHON_BOOTSTRAP ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.seqapps-installed
# Use the shared datasets folder beside the checkout when there is one (else
# the loaders download).
SHARED_DATASETS := $(abspath ../shared/datasets)
ifneq ($(wildcard $(SHARED_DATASETS)),)
export SEQAPPS_DATA_DIR ?= $(SHARED_DATASETS)
endif

.PHONY: install demo demo-cells lint format test test-large bench bench-speed clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Trains the default IMDB model on the full data (a few minutes on 2 cores), then asks it about two reviews.
demo: $(STAMP)
	$(PYTHON) recipes/imdb_sentiment.py
	$(VENV)/bin/seqapps predict saved_models/imdb_sentiment \
		"A wonderful, moving film with superb acting." "Dull, predictable and far too long."

demo-cells: $(STAMP)
	$(PYTHON) recipes/sequence_sum.py

# The style gate CI runs before the tests (ruff: pyflakes, pycodestyle, import order, formatting).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Rewrites the files the way `make lint` wants them.
format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(STAMP)
	$(PYTHON) -m pytest -m "not large"

test-large: $(STAMP)
	$(PYTHON) -m pytest -m large

# Quality and speed benchmarks; each writes its section of BENCHMARKS.md and
# benchmarks/results/<name>.json. `bench` runs them all (several hours on 2 cores);
# `bench-speed` only the layer-speed and serving-latency ones (about 15 minutes).
bench-speed: $(STAMP)
	$(PYTHON) -m benchmarks.cells
	$(PYTHON) -m benchmarks.inference --imdb-default

bench: bench-speed
	$(PYTHON) -m benchmarks.imdb_sentiment
	$(PYTHON) -m benchmarks.timeseries_forecasting
	$(PYTHON) -m benchmarks.char_generation
	$(PYTHON) -m benchmarks.seq2seq_translation

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
