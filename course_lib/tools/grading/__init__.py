"""Grading a class: run every submitted notebook and report who answered what.

``python -m course_lib grade SUBMISSION.ipynb... [--out grades.csv] [--timeout SECONDS] [--jobs N]``

How one submission is graded:

1. It is read and recognised: a Jupyter notebook (nbformat 4, or older and upgraded) that
   imports one lesson's exercises (``from course_lib.exercises import lesson01 as ex``). A file
   that is not one (truncated JSON, another kind of file, no exercises, an unknown lesson) is
   ``invalid``, with the reason, and is not run.
2. A byte-for-byte copy in a temporary folder runs top to bottom in a fresh kernel of this
   Python environment, from that folder; the submitted file is only read. The kernel has
   ``COURSE_GRADING_LOG`` set, so each ``ex.qN.check(answer)`` and ``ex.qN.solution()`` appends
   a line to a log (see :class:`course_lib.exercises.Exercise`): the grade is what the learner's
   own checks said, the same verdicts the learner saw. The runner logs each cell it starts and
   each error. A learner's exception does not stop the run: later exercises still count.
3. A run that is still going at the time limit is stopped (the kernel and everything it
   started are killed): status ``timeout``; what was logged before stays. A kernel that dies
   (a crash, ``os._exit``, running out of memory) gives ``error``.
4. Each exercise of the lesson gets the last verdict of its check: ``correct``, ``incorrect``
   (with the check's message, or the exception the learner's answer cell raised),
   ``unanswered`` (the check said the answer is still ``...``, or no check of it ran) or
   ``not reached`` (the run stopped before its check, or inside its cell). Whether the
   learner's notebook displayed the exercise's solution before that verdict is recorded too.

A submission's failure never stops the others; submissions run in parallel (``--jobs``). Each
runs in a small runner process that drives its kernel with ``jupyter_client`` (a dependency of
``ipykernel``) without importing ``course_lib`` (and torch): a submission costs about one kernel
start more than the lesson itself.

Grading runs the learners' code with your permissions: grade on a machine and account where
that is acceptable. It is not a defence against cheating: a learner's code can write to the
log, and a hidden solution (:meth:`Exercise.hide_solutions`) can be shown again. A solution
displayed and then deleted from the notebook leaves no trace in a top-to-bottom run.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from .report import summarize, write_csv, write_html
from .results import DEFAULT_TIMEOUT, EXERCISE_STATUSES, STATUSES, Answer, Submission
from .run import expand_paths, default_jobs, grade, identify_lesson, lesson_exercises, read_notebook

__all__ = ["DEFAULT_TIMEOUT", "EXERCISE_STATUSES", "STATUSES", "Answer", "Submission", "default_jobs", "grade",
           "identify_lesson", "lesson_exercises", "main", "read_notebook", "summarize", "write_csv", "write_html"]


# ---- command line --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """``python -m course_lib grade SUBMISSION.ipynb... [--out grades.csv] [--timeout SECONDS] [--jobs N]``.

    Grades the submissions (:func:`grade`), writes ``--out`` and the HTML report beside it, and
    prints the summary (:func:`summarize`). Returns 0 once everything is graded, whatever the
    grades; 2 (with a one-line error) for arguments it cannot use.

    Introduced in INSTRUCTORS.md.
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_lib grade",
        description="Run each submitted notebook top to bottom in a fresh kernel (in a temporary copy) and "
                    "report, per learner and exercise, what the learner's own check said.")
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="submitted notebooks, or folders of them")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"),
                        help="the CSV to write; the HTML report goes beside it (default: grades.csv)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per submission (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help=f"submissions run at once (default: {default_jobs()} on this machine)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds; got {args.timeout:g}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    if args.out.is_dir():
        parser.error(f"--out names a folder ({args.out}); give the CSV file to write, e.g. {args.out / 'grades.csv'}")
    if args.out.suffix.lower() != ".csv":
        parser.error(f"--out should end in .csv; got {args.out}")
    found = expand_paths(args.submissions)
    if not found:
        parser.error(f"no notebook found in {', '.join(map(str, args.submissions))}")
    if not any(path.is_file() for path, _ in found):
        parser.error(f"no such submission: {found[0][1]}" if len(found) == 1 else
                     f"none of the {len(found)} submissions exists (the first: {found[0][1]})")
    start = time.monotonic()
    rows = grade(args.submissions, timeout=args.timeout, jobs=args.jobs, out=args.out, progress=not args.quiet)
    print(summarize(rows))
    print(f"graded {len(rows)} submission(s) in {(time.monotonic() - start) / 60:.1f} min; "
          f"wrote {args.out} and {args.out.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
