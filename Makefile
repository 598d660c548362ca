# Set-up and checks.  Works on a fresh Debian machine as root or as a user with sudo:
#   make test   install what is missing (influxdb server package, a venv), run the whole suite
#   make demo   run every example against a private local influxd, then stop it
#   make lint / types / docs / bench
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: test demo lint types docs bench influxd venv clean

influxd:
	@command -v influxd >/dev/null 2>&1 || [ -x /usr/bin/influxd ] || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb >/dev/null; }
	@{ command -v influxd || ls /usr/bin/influxd; } >/dev/null

$(VENV)/.installed: pyproject.toml setup.py influxdb/_speedups.c
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,pandas,docs]' mypy ruff build types-requests
	@touch $@

venv: $(VENV)/.installed

test: influxd venv
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

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
	rm -rf $(VENV) build dist *.egg-info docs/_build .run
