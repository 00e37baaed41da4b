# Embedding Layers, Hands-On
#   make lab         set up .venv and open JupyterLab at notebooks/00_start_here.ipynb
#   make test        set up .venv and run every test (what CI runs)
#   make notebooks   re-execute every notebook and clean its metadata (commit the result)
#   make data        regenerate data/ byte-identically (make data-check only compares)
#   make bench       print the speed figures against their targets
#   make student     student copies (answers removed) in build/student/, never over an edited copy
#   make slides      a reveal.js deck per lesson in build/slides/ (opens offline)
#   make site        the executed course as static HTML in build/site/ (opens offline)
# Every target sets itself up: the first run creates .venv and installs the course
# with the exact versions in constraints.txt (torch==2.13.0).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= test,teach,hf
# e.g. make lab PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=
STAMP := $(VENV)/.course-installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help setup lab test notebooks data data-check bench doctor lock clean student slides site

help:
	@sed -n '2,9p' Makefile | sed 's/^#//'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "The course needs Python 3.10 or newer; $(PYTHON) is $$($(PYTHON) --version)." \
		       "Run e.g. make PYTHON=python3.11 $(MAKECMDGOALS)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(PIP_ARGS) \
		-c constraints.txt -e ".[$(EXTRAS)]"
	@touch $@

setup: $(STAMP)

lab: setup
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) \
		notebooks/00_start_here.ipynb

test: setup
	$(BIN)/python -m pytest

notebooks: setup
	$(BIN)/python -m course_lib notebooks

data: setup
	$(BIN)/python -m course_lib make-data

data-check: setup
	$(BIN)/python -m course_lib make-data --check

bench: setup
	$(BIN)/python -m course_lib bench

doctor: setup
	$(BIN)/python -m course_lib doctor

# Classroom: student copies (never over an edited copy), offline slide decks, a static site.
student: setup
	$(BIN)/python -m course_lib student

slides: setup
	$(BIN)/python -m course_lib slides

site: setup
	$(BIN)/python -m course_lib site

# Refresh constraints.txt from the current .venv (torch pinned without its +cpu/+cuXXX tag,
# so the same file serves CPU and GPU machines).
lock: setup
	{ echo "# Exact versions CI and make install (pip install -c constraints.txt ...)."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed -E 's/^(torch==[0-9.]+)\+.*/\1/'; } > constraints.txt

clean:
	rm -rf build .pytest_cache
