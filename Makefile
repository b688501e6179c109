# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: demo test test-fast bench install clean help

help:
	@echo "make demo   build the demo incident and run every analysis on it (out/demo/)"
	@echo "make test   run the whole test suite"
	@echo "make test-fast  the suite without the tests marked slow (browser, notebooks, demo builds)"
	@echo "make bench  run the benchmarks (printed tables)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# invisible-watermark (the watermark detector) goes in without its dependencies: it asks for
# opencv-python, which would shadow the headless OpenCV, and PyTorch, which only its rivaGan method uses.
WATERMARK_PKG := invisible-watermark==0.2.0

$(VENV)/.kit-installed: pyproject.toml Makefile | $(PY)
	$(PIP) install --quiet -e '.[all]'
	$(PIP) install --quiet --no-deps '$(WATERMARK_PKG)'
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.kit-installed
	$(PIP) install --quiet -e '.[all,dev]'
	touch $@

install: $(VENV)/.kit-installed

demo: $(VENV)/.kit-installed
	$(VENV)/bin/dfkit demo --out out/demo

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
test: $(VENV)/.dev-installed
	$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

# the edit-test loop: no browser, notebook or demo-building tests (CI runs `make test`)
test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -m "not slow"; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

bench: $(VENV)/.dev-installed
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	$(PY) -c "from pathlib import Path; from kit.pipeline import remove_tree; remove_tree(Path('out'))" || true
