# The course's entry points. Each target creates .venv first when it is missing (or pyproject.toml changed).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
JUPYTER := $(VENV)/bin/jupyter
STAMP  := $(VENV)/.installed
PORT   ?= 8888
PYTEST_ARGS ?=
# nbgrader runs `alembic` by name when it creates a gradebook. The course's Python entry points find it
# themselves (autograder.paths.put_env_bin_on_path); this line is for the programs make starts that are not
# ours: JupyterLab's formgrader under `make lab-instructor`.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help lab lab-instructor test lint format release grade bench hub clean

help:
	@echo "make lab             student workspace (workspace/, seeded from release/) in JupyterLab"
	@echo "make lab-instructor  JupyterLab on the course root with nbgrader's instructor tools"
	@echo "make test            the whole test suite (ruff's lint and format check included)"
	@echo "make lint            ruff: lint and format check (make format rewrites what the formatter owns)"
	@echo "make release         regenerate release/ from source/ with nbgrader"
	@echo "make grade           autograde submissions (default: the bundled sample class) into graded/"
	@echo "make bench           benchmarks, written to bench/results.md"
	@echo "make hub             a demo JupyterHub on this machine: one instructor, three students"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Jupyter refuses to start as root unless told to; containers and cloud machines often log in as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	mkdir -p .exchange  # the assignment list reads the exchange; an empty one lists nothing
	$(PY) -m course.workspace release workspace
	JUPYTER_CONFIG_DIR=$(CURDIR)/jupyter-config/student $(JUPYTER) lab --notebook-dir=workspace --port=$(PORT) $(ALLOW_ROOT)

lab-instructor: $(STAMP)
	JUPYTER_CONFIG_DIR=$(CURDIR)/jupyter-config/instructor $(JUPYTER) lab --notebook-dir=. --port=$(PORT) $(ALLOW_ROOT)

# The browser tests drive Debian's chromium (never a downloaded browser): install it when it is missing.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests (tests/test_ui)"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

# The grader confines each kernel with Debian's bubblewrap (autograder/sandbox.py): install it when it is missing.
BWRAP ?= /usr/bin/bwrap
$(BWRAP):
	@echo "installing Debian's bubblewrap for the grader's sandbox"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bubblewrap >/dev/null

test: $(STAMP) $(BWRAP) $(if $(filter 1,$(SKIP_BROWSER_TESTS)),,$(CHROMIUM))
	$(PY) -m pytest -n 2 --dist loadscope $(PYTEST_ARGS)  # scopes: tests/conftest.py (one nbgrader batch per assignment)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

release: $(STAMP)
	$(PY) -m course.authoring

grade: $(STAMP)
	$(PY) -m autograder grade $(GRADE_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# A demo, not a classroom: every user runs as you and any password logs in (deploy/README.md deploys a real one).
hub: $(STAMP)
	$(PY) -m deploy.local_hub

clean:
	rm -rf graded autograded submitted feedback gradebook.db .pytest_cache
