"""The course's command line: ``python -m course_lib doctor | make-data | notebooks | bench``."""
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


def main(argv: list[str] | None = None) -> int:
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

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
