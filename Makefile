# The README's commands. Everything runs inside a local virtual environment built from requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
OLDEST ?= .venv-oldest
TORCH  ?= .venv-torch
BOOKENV ?= .venv-book
BIN    := $(VENV)/bin
# make book builds with the test environment when it exists, else with a small one of its own
# (requirements-book.txt: Jupyter Book and MathJax, no TensorFlow).
SITE   := $(if $(wildcard $(VENV)/.installed),$(VENV),$(BOOKENV))
# Quiet TensorFlow's C++ start-up logging in every kernel these targets start.
export TF_CPP_MIN_LOG_LEVEL := 3

PIP_VERSION := 26.3
JB_FLAGS = build . --warningiserror --nitpick --keep-going
JB_BUILD = $(BIN)/jupyter-book $(JB_FLAGS)
# make test NB=book/x.ipynb: every test for that notebook (nbval, the JAX run, the GPU rehearsal, its
# conventions), plus the site and the book-wide tests; tests/conftest.py reads BOOK_NOTEBOOKS.
export BOOK_NOTEBOOKS := $(NB)
NBVAL_TARGETS = $(or $(NB),book)

.PHONY: book test test-oldest test-jax test-torch gpu-bundle gpu-run execute badges benchmark clean \
	python-check requirements

## make book: build the site into _build/html from the outputs stored in the notebooks
book: python-check $(SITE)/.installed
	$(SITE)/bin/jupyter-book $(JB_FLAGS)
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"

## make test: everything CI runs (structure and conventions, the built site, every notebook under nbval)
## (a clean build, --all, so that a warning cached by an earlier build cannot pass)
test: python-check $(VENV)/.installed
	$(JB_BUILD) --all
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"
	$(BIN)/python -m pytest -ra tests $(NBVAL_TARGETS) --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

## make test-oldest: every notebook on the oldest supported TensorFlow/Keras (requirements-oldest.txt), outputs
## not compared: cells run, asserts hold, raises-exception cells raise; the result goes to benchmarks/oldest.md
test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python tools/check_notebooks.py --record benchmarks/oldest.md $(or $(NB),book/*.ipynb)

$(OLDEST)/.installed: requirements-oldest.txt
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(OLDEST)/bin/python -m pip install --quiet -r requirements-oldest.txt
	touch $@

## make test-jax / make test-torch: every notebook under KERAS_BACKEND=jax / torch on CPU, outputs not
## compared; the results go to benchmarks/jax-cpu.md / torch-cpu.md, which the backend tables are made from
## (make test runs the JAX half itself too). PyTorch gets its own environment (requirements-torch.txt).
## NB=book/x.ipynb runs one notebook and updates its row (so do make test-oldest NB=...).
test-jax: $(VENV)/.installed
	$(BIN)/python tools/check_notebooks.py --backend jax --target "make test-jax" \
		--record benchmarks/jax-cpu.md $(or $(NB),book/*.ipynb)
	$(BIN)/python tools/backend_tables.py

test-torch: $(TORCH)/.installed
	$(TORCH)/bin/python tools/check_notebooks.py --backend torch --target "make test-torch" \
		--record benchmarks/torch-cpu.md $(or $(NB),book/*.ipynb)
	$(BIN)/python tools/backend_tables.py

$(TORCH)/.installed: requirements.txt requirements-dev.txt requirements-torch.txt
	test -x $(TORCH)/bin/python || $(PYTHON) -m venv $(TORCH)
	$(TORCH)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(TORCH)/bin/python -m pip install --quiet -r requirements.txt nbclient nbformat jinja2 \
		-c requirements-dev.txt
	$(TORCH)/bin/python -m pip install --quiet --no-deps -r requirements-torch.txt
	touch $@

## make gpu-bundle (here): the wheels a GPU machine without TensorFlow or a package index needs, in
## .gpu-bundle/. make gpu-run (on that machine, with JAX and PyTorch for CUDA): every notebook under both
## backends, with the path each LSTM/GRU call took, into benchmarks/gpu.md (tools/gpu_run.py).
gpu-bundle: $(VENV)/.installed
	$(BIN)/python tools/gpu_run.py bundle

gpu-run:
	python3 tools/gpu_run.py run --out benchmarks

## make execute NB=book/01_shaping_data.ipynb: re-execute notebooks and store their clean outputs
execute: $(VENV)/.installed
	@test -n "$(NB)" || { echo "usage: make execute NB=book/<notebook>.ipynb"; exit 2; }
	$(BIN)/python tools/execute.py $(NB)
	$(BIN)/python tools/backend_tables.py

## make badges: refresh every notebook's Colab badge and metadata from _config.yml
badges: $(VENV)/.installed
	$(BIN)/python tools/badges.py

## make benchmark: time every notebook and its peak memory into benchmarks/results.md (not a test)
benchmark: $(VENV)/.installed
	$(BIN)/python tools/benchmark.py

## The book needs Python 3.11.5 to 3.13 (soupsieve 4.1.2 asks for 3.11.5; every pinned wheel exists for
## 3.12 and 3.13, which tests/test_requirements.py checks with pip's --python-version dry runs); say so plainly.
python-check:
	@py=$(BIN)/python; test -x $$py || py=$(PYTHON); \
	$$py -c 'import sys; sys.exit(not (3, 11, 5) <= sys.version_info[:3] < (3, 14))' 2>/dev/null || { \
	  echo "error: this book needs Python 3.11.5 to 3.13, but $$py is $$($$py --version 2>&1)."; \
	  echo "Install one and run: make PYTHON=python3.12 ... (or delete $(VENV) if it was made by another Python)"; \
	  exit 2; }

## A virtual environment from exact pins: $(call make_venv,DIR,REQUIREMENTS). A venv made without pip
## (Debian/Ubuntu without the python3.X-venv package) is detected, removed and explained.
define make_venv
	@if test -x $(1)/bin/python && ! $(1)/bin/python -m pip --version >/dev/null 2>&1; then \
	  echo "$(1) is half-created (no pip): removing it and creating it again"; rm -rf $(1); fi
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1) || true
	@$(1)/bin/python -m pip --version >/dev/null 2>&1 || { rm -rf $(1); \
	  echo "error: '$(PYTHON) -m venv' made no working pip. On Debian/Ubuntu install the venv package of"; \
	  echo "your Python (apt-get install python3.11-venv, python3.12-venv ...), then run make again."; exit 2; }
	$(1)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(1)/bin/python -m pip install --quiet -r $(2)
	touch $(1)/.installed
endef

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(call make_venv,$(VENV),requirements-dev.txt)

## The site alone (make book where the test environment is not built): Jupyter Book, no TensorFlow.
$(BOOKENV)/.installed: requirements-book.txt
	$(call make_venv,$(BOOKENV),requirements-book.txt)

## make requirements: recompile requirements.txt and requirements-dev.txt from the .in lists (add --upgrade
## by hand to move to the newest versions: $(BIN)/python tools/compile_requirements.py --upgrade)
requirements: $(VENV)/.installed
	$(BIN)/python tools/compile_requirements.py

clean:
	rm -rf _build
