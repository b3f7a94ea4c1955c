# nianbao — two commands do all the set-up on a fresh Debian machine with Python 3.11:
#   make report   set up what is missing, then build every report in params/
#   make test     set up what is missing, then run the whole test suite
# Both are safe to rerun: each step runs only when its inputs changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.nianbao-installed

.PHONY: report test lab setup setup-test system-report system-test lint clean help

help:
	@echo "make report  - build every agency-year in params/ into build/"
	@echo "make test    - run the test suite"
	@echo "make lab     - JupyterLab on the project (the report notebook, kernel \"Python 3 (nianbao)\")"
	@echo "make lint    - ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall when the dependencies change; register the venv's Jupyter kernel "nianbao". Its kernels log
# errors only: ipykernel warns on every start that its loopback TCP transport is unencrypted.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name nianbao --display-name "Python 3 (nianbao)" >/dev/null
	mkdir -p $(VENV)/etc/ipython
	echo 'c.IPKernelApp.log_level = "ERROR"' > $(VENV)/etc/ipython/ipython_kernel_config.py
	touch $@

system-report:
	@bash scripts/system-deps.sh report

system-test:
	@bash scripts/system-deps.sh test

setup: system-report $(STAMP)

setup-test: system-test $(STAMP)

report: setup
	$(BIN)/nianbao build params

test: setup-test
	$(BIN)/python -m pytest

# JupyterLab on the project, as root too (a container, a fresh server). It listens on 127.0.0.1 only and
# prints its URL with a random token; LAB_IP=0.0.0.0 / LAB_PORT / LAB_TOKEN override (LAB_TOKEN= empty: none).
LAB_IP   ?= 127.0.0.1
LAB_PORT ?= 8888
lab: setup
	$(BIN)/jupyter lab --no-browser --ServerApp.ip=$(LAB_IP) --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.root_dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root) \
	  $(if $(filter undefined,$(origin LAB_TOKEN)),,--IdentityProvider.token='$(LAB_TOKEN)') \
	  notebooks/annual_report.ipynb

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf build
