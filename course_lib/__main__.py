"""The course's command line: ``python -m course_lib doctor | make-data | notebooks | bench | student | slides |
site | setup-cell | train-tinylm | prompt-study``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _doctor(args) -> int:
    from .health import doctor

    report = doctor()
    print(report)
    return 0 if report.ok else 1


def _make_data(args) -> int:
    from . import data

    if args.check:
        problems = data.check_reproducible(data.DATA_DIR)
        for p in problems:
            print(p)
        print("data/ is reproducible: regenerated files are byte-identical." if not problems else
              f"{len(problems)} problem(s): data/ does not match what make-data writes.")
        return 1 if problems else 0
    written = data.make_data(data.DATA_DIR, force=args.force)
    for path in written:
        print(f"wrote {path.relative_to(data.DATA_DIR.parent)}")
    return 0


def _notebooks(args) -> int:
    import nbformat

    from .nbtools import clean, list_notebooks, refresh

    paths = args.paths or list_notebooks()
    if args.clean_only:
        for path in paths:
            nbformat.write(clean(nbformat.read(path, as_version=4)), path)
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


def _notebook_paths(args) -> list[Path]:
    from .nbtools import list_notebooks

    paths = args.paths or list_notebooks()
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise SystemExit(f"no such notebook: {missing[0]}")
    return [Path(p) for p in paths]


def _student(args) -> int:
    from .classroom import make_student_copies

    report = make_student_copies(_notebook_paths(args), args.out or _default_out("student"), force=args.force)
    print(report)
    return 0


def _slides(args) -> int:
    import nbformat

    from .classroom import set_slide_metadata
    from .publish import build_slides

    paths = _notebook_paths(args)
    if args.set_metadata:
        for path in paths:
            nbformat.write(set_slide_metadata(nbformat.read(path, as_version=4)), path)
            print(f"set slide types in {path}")
        return 0
    try:
        written = build_slides(paths, args.out or _default_out("slides"))
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None
    for path in written:
        print(f"wrote {path}")
    return 0


def _site(args) -> int:
    from .publish import build_site

    for path in build_site(_notebook_paths(args), args.out or _default_out("site")):
        print(f"wrote {path}")
    return 0


def _setup_cell(args) -> int:
    import nbformat

    from .classroom import apply_setup_cell, setup_cell_problem

    problems = 0
    for path in _notebook_paths(args):
        nb = nbformat.read(path, as_version=4)
        problem = setup_cell_problem(nb)
        if problem is None:
            print(f"ok       {path}")
        elif args.check:
            problems += 1
            print(f"PROBLEM  {path}: {problem}")
        else:
            nbformat.write(apply_setup_cell(nb), path)
            print(f"updated  {path} (re-run it: python -m course_lib notebooks {path})")
    return 1 if problems else 0


def _train_tinylm(rest: list[str]) -> int:
    from .lm import main as train_main

    return train_main(rest)


def _prompt_study(rest: list[str]) -> int:
    from .prompt_study import main as study_main

    return study_main(rest)


#: commands with options of their own: the rest of the line goes to them unparsed
_PASS_THROUGH = {"train-tinylm": _train_tinylm, "prompt-study": _prompt_study}


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
    p.set_defaults(func=_student)

    p = sub.add_parser("slides", help="write a reveal.js slide deck per notebook to build/slides/ (opens offline)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--out", type=Path, help="folder to write to (default: build/slides)")
    p.add_argument("--set-metadata", action="store_true",
                   help="instead, write the slide types read from the structure into the notebooks' cell metadata")
    p.set_defaults(func=_slides)

    p = sub.add_parser("site", help="write the executed course as static HTML to build/site/ (opens offline)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--out", type=Path, help="folder to write to (default: build/site)")
    p.set_defaults(func=_site)

    p = sub.add_parser("setup-cell", help="make each notebook's first code cell start with the course's set-up "
                                          "cell (course_lib.classroom.SETUP_CELL)")
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    p.add_argument("--check", action="store_true", help="only report the notebooks that do not follow it")
    p.set_defaults(func=_setup_cell)

    sub.add_parser("train-tinylm", help="re-train lesson 06's TinyLM into data/tinylm.pt (about 2 min; "
                                        "train-tinylm --help for its options)")
    sub.add_parser("prompt-study", help="run lesson 06's comparison grid into data/prompt_study.json (about "
                                        "10 min; prompt-study --help for its options)")

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
