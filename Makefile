# The README's commands. Everything runs inside a local virtual environment built from requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
OLDEST ?= .venv-oldest
BIN    := $(VENV)/bin
# Quiet TensorFlow's C++ start-up logging in every kernel these targets start.
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: book test test-oldest execute badges benchmark clean

## make book: build the site into _build/html from the outputs stored in the notebooks
book: $(VENV)/.installed
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"

## make test: everything CI runs (structure and conventions, the built site, every notebook under nbval)
test: book
	$(BIN)/python -m pytest tests book --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

## make test-oldest: every notebook on the oldest supported TensorFlow/Keras (requirements-oldest.txt), outputs
## not compared: cells run, asserts hold, raises-exception cells raise; the result goes to benchmarks/oldest.md
test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python tools/check_notebooks.py --record benchmarks/oldest.md book/*.ipynb

$(OLDEST)/.installed: requirements-oldest.txt
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet -r requirements-oldest.txt
	touch $@

## make execute NB=book/01_shaping_data.ipynb: re-execute notebooks and store their clean outputs
execute: $(VENV)/.installed
	@test -n "$(NB)" || { echo "usage: make execute NB=book/<notebook>.ipynb"; exit 2; }
	$(BIN)/python tools/execute.py $(NB)

## make badges: refresh every notebook's Colab badge and metadata from _config.yml
badges: $(VENV)/.installed
	$(BIN)/python tools/badges.py

## make benchmark: time every notebook and its peak memory into benchmarks/results.md (not a test)
benchmark: $(VENV)/.installed
	$(BIN)/python tools/benchmark.py

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

clean:
	rm -rf _build
