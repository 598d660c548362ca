# Set-up and checks.  Works on a fresh Debian machine as root or as a user with sudo:
#   make test   install what is missing (influxdb server package, a venv), run the whole suite
#   make demo   run every example against a private local influxd, then stop it
#   make lint / types / docs / bench
#   make matrix every other Python (3.9-3.13), the oldest pandas/numpy declared, and the pure-Python
#               encoder, through tox (tests/unit, tests/property, tests/http; see tox.ini)
#   make compat influxdb-python 5.3.2's own test suite (fetched from PyPI) against this checkout
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# tox finds python3.9 ... python3.13 on PATH: pyenv's interpreters are added when present
PYENV_ROOT ?= $(HOME)/.pyenv
PYENV_BINS := $(subst $(eval) ,:,$(wildcard $(PYENV_ROOT)/versions/3.*/bin))
# py311 is left out: `make test` runs the whole suite on it
MATRIX ?= py39,py310,py312,py313,oldest,pure
# in CI a missing interpreter fails the run instead of being skipped
TOX_MISSING := $(if $(filter true,$(CI)),--skip-missing-interpreters false,)

.PHONY: test demo lint types docs bench influxd venv clean matrix compat

influxd:
	@command -v influxd >/dev/null 2>&1 || [ -x /usr/bin/influxd ] || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb >/dev/null; }
	@{ command -v influxd || ls /usr/bin/influxd; } >/dev/null

$(VENV)/.installed: pyproject.toml setup.py $(wildcard influxdb/_cext/*.c influxdb/_cext/*.h)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,pandas,docs]' mypy ruff build types-requests tox
	@touch $@

venv: $(VENV)/.installed

test: influxd venv
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

matrix: venv
	PATH="$$PATH:$(PYENV_BINS)" $(VENV)/bin/tox run $(TOX_MISSING) -e $(MATRIX)

compat: venv
	$(PY) tests/compat/run_compat.py

demo: influxd venv
	$(PY) examples/run_examples.py

lint: venv
	$(VENV)/bin/ruff check influxdb influxdb08 tests examples benchmarks

types: venv
	$(VENV)/bin/mypy --strict influxdb influxdb08

docs: venv
	$(VENV)/bin/sphinx-build -W -b html docs docs/_build/html

bench: influxd venv
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build .run .tox
