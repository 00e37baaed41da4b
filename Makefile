# Embedding Layers, Hands-On
#   make lab          set up .venv (the lessons' packages and JupyterLab) and open notebooks/00_start_here.ipynb
#   make test         set up .venv with the test and instructor tools too, and run every test (what CI runs)
#   make notebooks    re-execute every notebook and clean its metadata (commit the result)
#   make data         regenerate data/ byte-identically (make data-check only compares)
#   make bench        print the speed figures against their targets
#   make student      student copies (answers removed) in build/student/, never over an edited copy
#                     (GRADED=1: copies for a graded assignment, solution() hidden, in build/student-graded/)
#   make grade        grade a class: SUBMISSIONS=folder -> build/grades/grades.csv and grades.html
#   make slides       a reveal.js deck per lesson in build/slides/ (opens offline; no Sphinx)
#   make site         the executed course as static HTML in build/site/ (opens offline)
#   make check-python ask pip's resolver whether every pin resolves on the lowest Python claimed
# Every target sets itself up: the first run creates .venv and installs the course with the
# exact versions in constraints.txt (torch==2.13.0), and only the extras that target needs.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The lowest Python the pins resolve on; pyproject.toml's requires-python, the README and
# environment.yml say the same (tests/test_packaging.py checks), `make check-python` proves it.
MIN_PYTHON := 3.11.5
# e.g. make lab PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# What each audience installs: pyproject.toml's extras on top of the lessons' own packages.
EXTRAS_lab := lab,hf
EXTRAS_teach := lab,teach,hf
EXTRAS_test := lab,test,teach,hf

.PHONY: help lab test notebooks data data-check bench doctor lock clean student grade slides site check-python

help:
	@sed -n '2,12p' Makefile | sed 's/^#//'

# .venv/.installed-lab, -teach, -test: one stamp per audience, remade when the package files change.
# --no-compile: pip would byte-compile every module of every package up front (0.3 GB, mostly
# transformers' hundreds of model files, and two of the three minutes of a learner's install);
# Python compiles the few the lessons import on first use instead. Measured for `make lab` with
# the CPU build: 1.18 GB installed, 1.27 GB after every lesson has run (1.47 GB when compiled).
$(VENV)/.installed-%: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < tuple(map(int, "$(MIN_PYTHON)".split("."))))' || \
		{ echo "The course needs Python $(MIN_PYTHON) or newer; $(PYTHON) is $$($(PYTHON) --version)." \
		       "Run e.g. make PYTHON=python3.12 $(MAKECMDGOALS)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile $(PIP_ARGS) \
		-c constraints.txt -e ".[$(EXTRAS_$*)]"
	@touch $@

lab: $(VENV)/.installed-lab
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) \
		notebooks/00_start_here.ipynb

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

doctor: $(VENV)/.installed-lab
	$(BIN)/python -m course_lib doctor

data: $(VENV)/.installed-lab
	$(BIN)/python -m course_lib make-data

data-check: $(VENV)/.installed-lab
	$(BIN)/python -m course_lib make-data --check

# Instructor's tools: re-run notebooks, benchmarks, student copies (never over an edited copy),
# offline slide decks (reveal.js ships inside course_lib), a static site.
notebooks: $(VENV)/.installed-teach
	$(BIN)/python -m course_lib notebooks

bench: $(VENV)/.installed-teach
	$(BIN)/python -m course_lib bench

student: $(VENV)/.installed-teach
	$(BIN)/python -m course_lib student $(if $(GRADED),--graded,)

SUBMISSIONS ?= submissions
grade: $(VENV)/.installed-teach
	$(BIN)/python -m course_lib grade $(SUBMISSIONS) --out build/grades/grades.csv $(GRADE_ARGS)

slides: $(VENV)/.installed-teach
	$(BIN)/python -m course_lib slides

site: $(VENV)/.installed-teach
	$(BIN)/python -m course_lib site

# Does every pin in constraints.txt resolve on MIN_PYTHON, and not on the release before it?
# Asks pip's resolver (needs the package index; installs nothing).
check-python: $(VENV)/.installed-lab
	@reqs=$$($(BIN)/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
		print(" ".join(p["dependencies"] + [r for e in p["optional-dependencies"].values() for r in e]))'); \
	below=$$($(BIN)/python -c 'v = "$(MIN_PYTHON)".split("."); v[-1] = str(int(v[-1]) - 1); print(".".join(v))'); \
	dry="$(BIN)/python -m pip install --dry-run --quiet --ignore-installed --only-binary=:all: \
		--target $$(mktemp -d) $(PIP_ARGS) -c constraints.txt"; \
	$$dry --python-version $(MIN_PYTHON) $$reqs && echo "every pin resolves on Python $(MIN_PYTHON)" && \
	if $$dry --python-version $$below $$reqs >/dev/null 2>&1; then \
		echo "the pins resolve on Python $$below too: lower MIN_PYTHON and requires-python"; exit 1; \
	else echo "and not on Python $$below: requires-python >=$(MIN_PYTHON) is exact"; fi

# Refresh constraints.txt from the current .venv (torch pinned without its +cpu/+cuXXX tag,
# so the same file serves CPU and GPU machines).
lock: $(VENV)/.installed-test
	{ echo "# Exact versions CI and make install (pip install -c constraints.txt ...)."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed -E 's/^(torch==[0-9.]+)\+.*/\1/'; } > constraints.txt

clean:
	rm -rf build .pytest_cache
