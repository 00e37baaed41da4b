"""The course's command line (``course_lib.tools.cli``): ``python -m course_lib doctor | make-data | notebooks | bench | student | grade |
slides | site | pace | setup-cell | train-tinylm | prompt-study``."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

__all__ = ["main"]


# ---------------------------------------------------------------- argument checks, before any long work
def _fail(prog: str, message: str) -> NoReturn:
    """A user's mistake: one line on stderr naming the argument and the value, exit status 2, no traceback."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _cannot_write_in(folder: Path) -> str | None:
    """Why no file can be created in ``folder`` (tried for real: permissions, a read-only disk), or None."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
    except OSError as err:
        return err.strerror or str(err)
    os.close(fd)
    os.unlink(probe)
    return None


def _check_out_file(prog: str, option: str, path: Path, *, force: bool | None = None) -> None:
    """``path`` can be written: not a folder, its folder exists and takes files; an existing file needs --force
    (``force=None``: the command replaces its output anyway)."""
    if path.is_dir():
        _fail(prog, f"{option} {path} is a folder; give a file path, e.g. {option} {path / 'out'}")
    if not path.parent.is_dir():
        _fail(prog, f"{option} {path}: the folder {path.parent} does not exist; create it first "
                    f"(mkdir -p {path.parent}) or pick another {option}")
    reason = _cannot_write_in(path.parent)
    if reason:
        _fail(prog, f"{option} {path}: cannot write in {path.parent} ({reason}); pick another {option}")
    if force is False and path.exists():
        _fail(prog, f"{option} {path} exists; pass --force to replace it, or another {option}")


def _check_out_folder(prog: str, option: str, folder: Path) -> None:
    """``folder`` is a folder that takes files, or can be created where its nearest existing parent takes files."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "is a file" if existing == folder else f"is inside {existing}, which is a file"
        _fail(prog, f"{option} {folder} {where}; give a folder")
    reason = _cannot_write_in(existing)
    if reason:
        _fail(prog, f"{option} {folder}: cannot write in {existing} ({reason}); pick another {option}")


def _write_notebook(nb, path: Path) -> None:
    """Replace a notebook whole or not at all (a failed write must not leave half a lesson)."""
    import nbformat

    from .._util import write_atomic

    text = nbformat.writes(nb)
    write_atomic(path, (text if text.endswith("\n") else text + "\n").encode("utf-8"))


def _doctor(args) -> int:
    from ..health import doctor

    report = doctor()
    print(report)
    return 0 if report.ok else 1


def _make_data(args) -> int:
    from .. import data
    from . import make_data

    if args.check:
        problems = make_data.check_reproducible(data.DATA_DIR)
        for p in problems:
            print(p)
        print("data/ is reproducible: regenerated files are byte-identical." if not problems else
              f"{len(problems)} problem(s): data/ does not match what make-data writes.")
        return 1 if problems else 0
    written = make_data.make_data(data.DATA_DIR, force=args.force)
    for path in written:
        print(f"wrote {path.relative_to(data.DATA_DIR.parent)}")
    return 0


def _notebooks(args) -> int:
    import nbformat

    from .nbtools import clean, refresh

    paths = _notebook_paths(args, "notebooks")
    if args.clean_only:
        for path in paths:
            _write_notebook(clean(nbformat.read(path, as_version=4)), path)
            print(f"cleaned {path}")
        return 0
    refresh(paths)
    return 0


def _bench(args) -> int:
    from .bench import run

    run(args.names)
    return 0


def _default_out(name: str) -> Path:
    from .nbtools import NOTEBOOK_DIR

    return NOTEBOOK_DIR.parent / "build" / name


def _notebook_paths(args, command: str) -> list[Path]:
    """The notebooks named on the command line (default: every lesson), each an existing, readable .ipynb file."""
    import nbformat

    from .nbtools import list_notebooks

    prog = f"python -m course_lib {command}"
    for path in map(Path, args.paths or ()):
        if not path.is_file():
            _fail(prog, f"no such notebook: {path}" + (" (a folder; name the .ipynb files in it)" if path.is_dir()
                                                        else ""))
        if path.suffix != ".ipynb":
            _fail(prog, f"{path} is not a notebook (.ipynb)")
        try:
            nbformat.read(path, as_version=4)
        except Exception as err:  # damaged JSON, not a notebook, unreadable
            reason = " ".join(str(err).split())[:120] or type(err).__name__
            _fail(prog, f"{path} is not a readable notebook ({reason})")
    return [Path(p) for p in args.paths or list_notebooks()]


def _out_folder(args, command: str) -> Path:
    """``--out`` (default: ``build/<command>``), checked to take files before any notebook is read."""
    out = args.out or _default_out(command)
    _check_out_folder(f"python -m course_lib {command}", "--out", out)
    return out


def _student(args) -> int:
    from .classroom import make_student_copies

    out = args.out or _default_out("student-graded" if args.graded else "student")
    _check_out_folder("python -m course_lib student", "--out", out)
    report = make_student_copies(_notebook_paths(args, "student"), out, force=args.force, graded=args.graded)
    print(report)
    return 0


def _slides(args) -> int:
    import nbformat

    from .classroom import set_slide_metadata
    from .publish import build_slides

    paths = _notebook_paths(args, "slides")
    if args.set_metadata:
        for path in paths:
            _write_notebook(set_slide_metadata(nbformat.read(path, as_version=4)), path)
            print(f"set slide types in {path}")
        return 0
    try:
        written = build_slides(paths, _out_folder(args, "slides"))
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None
    for path in written:
        print(f"wrote {path}")
    return 0


def _pace(args) -> int:
    from .pace import measure, stated_minutes

    worst = 0
    for path in _notebook_paths(args, "pace"):
        measured, stated = measure(path), stated_minutes(path)
        says = "states no time" if stated is None else f"states {stated[0]} / {stated[1]} min"
        print(f"{path.name}: {measured}; the lesson {says}")
        if stated is None or (round(measured.core_minutes), round(measured.all_minutes)) != stated:
            worst = 1
    return worst


def _site(args) -> int:
    from .publish import build_site

    for path in build_site(_notebook_paths(args, "site"), _out_folder(args, "site")):
        print(f"wrote {path}")
    return 0


def _setup_cell(args) -> int:
    import nbformat

    from .classroom import apply_setup_cell, setup_cell_problem

    problems = 0
    for path in _notebook_paths(args, "setup-cell"):
        nb = nbformat.read(path, as_version=4)
        problem = setup_cell_problem(nb)
        if problem is None:
            print(f"ok       {path}")
        elif args.check:
            problems += 1
            print(f"PROBLEM  {path}: {problem}")
        else:
            _write_notebook(apply_setup_cell(nb), path)
            print(f"updated  {path} (re-run it: python -m course_lib notebooks {path})")
    return 1 if problems else 0


def _train_tinylm(argv: list[str]) -> int:
    """``python -m course_lib train-tinylm [--out PATH] [--steps N] [--seed S] [--force]``: re-train and save
    lesson 07's TinyLM."""
    import torch

    from ..lm import CHECKPOINT, lm_vocab, pretrain_tiny_lm, save_tiny_lm

    parser = argparse.ArgumentParser(prog="python -m course_lib train-tinylm", description=_train_tinylm.__doc__)
    parser.add_argument("--out", type=Path, default=CHECKPOINT, help=f"where to write (default: {CHECKPOINT})")
    parser.add_argument("--steps", type=int, default=2500, help="optimizer steps (default: 2500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the init and the batches (default: 0)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    if args.steps < 1:
        _fail(parser.prog, f"--steps must be >= 1; got {args.steps}")
    if args.seed < 0:
        _fail(parser.prog, f"--seed must be >= 0; got {args.seed}")
    _check_out_file(parser.prog, "--out", args.out, force=args.force)  # now, not after 2 minutes of training
    torch.set_num_threads(1)  # small ops: one thread is fastest and reproducible (see TESTING_FACTS)
    model, summary = pretrain_tiny_lm(num_steps=args.steps, seed=args.seed)
    try:
        path = save_tiny_lm(args.out, model, lm_vocab(), summary, overwrite=args.force)
    except OSError as err:  # the disk filled up during training: the old checkpoint is still whole
        raise SystemExit(f"{parser.prog}: error: {err}; {args.out} was left as it was") from None
    print(f"held-out loss {summary['heldout_loss']:.3f}; wrote {path} ({path.stat().st_size / 1e6:.2f} MB) "
          f"in {summary['seconds']:.0f} s")
    _record_trained(path)
    return 0


def _record_trained(path: Path) -> None:
    """A trained file just written into the course's ``data/``: record its checksum in ``data/SHA256SUMS``
    (as ``make data`` would), so ``doctor`` and the data test accept it."""
    from .. import data
    from .make_data import make_data

    if path.resolve().parent == data.DATA_DIR.resolve() and path.name in data.TRAINED:
        make_data(data.DATA_DIR)
        print(f"recorded its checksum in {data.DATA_DIR.name}/{data.CHECKSUMS}")


def _prompt_study(argv: list[str]) -> int:
    """``python -m course_lib prompt-study [--tasks ...] [--seeds ...] [--out PATH]``: run lesson 07's grid."""
    import torch

    from ..prompt_study import HAND_WRITTEN, RESULTS, SEEDS, format_summary, run_study, summarize

    parser = argparse.ArgumentParser(prog="python -m course_lib prompt-study", description=_prompt_study.__doc__)
    parser.add_argument("--tasks", nargs="+", default=["sentiment", "topic"], choices=list(HAND_WRITTEN))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where to write (default: {RESULTS})")
    args = parser.parse_args(argv)
    for option, values in (("--tasks", args.tasks), ("--seeds", args.seeds)):
        repeated = next((v for i, v in enumerate(values) if v in values[:i]), None)
        if repeated is not None:
            _fail(parser.prog, f"{option} {' '.join(map(str, values))}: {repeated} repeats; give each once")
    if min(args.seeds) < 0:
        _fail(parser.prog, f"--seeds must be >= 0; got {min(args.seeds)}")
    _check_out_file(parser.prog, "--out", args.out)  # now, not after 10 minutes of runs
    torch.set_num_threads(1)  # as the notebook on a 2-core machine: the file's rows are what it reproduces
    rows = run_study(args.tasks, args.seeds, out=args.out)
    _record_trained(args.out)
    summary = summarize(rows)
    for task in args.tasks:
        print(f"\n{task} (validation, mean ± sd over seeds {args.seeds})\n" + format_summary(summary, task))
    return 0


def _grade(argv: list[str]) -> int:
    """``python -m course_lib grade SUBMISSION.ipynb... [--out grades.csv] [--timeout SECONDS] [--jobs N]``."""
    from .grading import main as grade_main

    return grade_main(argv)


#: commands with options of their own: the rest of the line goes to them unparsed
_PASS_THROUGH = {"grade": _grade, "train-tinylm": _train_tinylm, "prompt-study": _prompt_study}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in _PASS_THROUGH:
        return _PASS_THROUGH[argv[0]](argv[1:])
    parser = argparse.ArgumentParser(prog="python -m course_lib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("doctor", help="check Python, packages, device, widgets and data").set_defaults(func=_doctor)

    p = sub.add_parser("make-data", help="regenerate data/ byte-identically and write data/SHA256SUMS")
    p.add_argument("--check", action="store_true", help="regenerate in a temporary folder and compare with data/")
    p.add_argument("--force", action="store_true", help="replace files in data/ even if someone edited them")
    p.set_defaults(func=_make_data)

    p = sub.add_parser("notebooks", help="re-execute the notebooks top to bottom and clean their metadata")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--clean-only", action="store_true", help="clean metadata without executing")
    p.set_defaults(func=_notebooks)

    p = sub.add_parser("bench", help="print the course's speed figures against their targets")
    from .bench import BENCHMARKS

    p.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    p.set_defaults(func=_bench)

    p = sub.add_parser("student", help="write student copies (answers replaced by stubs, outputs cleared) "
                                       "to build/student/")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--out", type=Path, help="folder to write to (default: build/student)")
    p.add_argument("--force", action="store_true", help="replace copies that differ from a fresh one (edited ones)")
    p.add_argument("--graded", action="store_true", help="copies for a graded assignment: ex.qN.solution() shows a "
                                                         "note instead of the answer (default --out: "
                                                         "build/student-graded)")
    p.set_defaults(func=_student)

    p = sub.add_parser("slides", help="write a reveal.js slide deck per notebook to build/slides/ (opens offline)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--out", type=Path, help="folder to write to (default: build/slides)")
    p.add_argument("--set-metadata", action="store_true",
                   help="instead, write the slide types read from the structure into the notebooks' cell metadata")
    p.set_defaults(func=_slides)

    p = sub.add_parser("pace", help="measure each lesson's self-study minutes (core path and everything) and "
                                    "compare them with what the lesson states (exit 1 where they differ)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.set_defaults(func=_pace)

    p = sub.add_parser("site", help="write the executed course as static HTML to build/site/ (opens offline)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--out", type=Path, help="folder to write to (default: build/site)")
    p.set_defaults(func=_site)

    p = sub.add_parser("setup-cell", help="make each notebook's first code cell start with the course's set-up "
                                          "cell (course_lib.tools.classroom.SETUP_CELL)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--check", action="store_true", help="only report the notebooks that do not follow it")
    p.set_defaults(func=_setup_cell)

    sub.add_parser("grade", help="run submitted notebooks (a fresh kernel and a time limit each) and write "
                                 "grades.csv and grades.html (grade --help for its options)")
    sub.add_parser("train-tinylm", help="re-train lesson 07's TinyLM into data/tinylm.pt (about 2 min; "
                                        "train-tinylm --help for its options)")
    sub.add_parser("prompt-study", help="run lesson 07's comparison grid into data/prompt_study.json (about "
                                        "10 min; prompt-study --help for its options)")

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
