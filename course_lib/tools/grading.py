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
import csv
import html
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from .._util import is_int, is_number

__all__ = ["DEFAULT_TIMEOUT", "EXERCISE_STATUSES", "STATUSES", "Answer", "Submission", "default_jobs", "grade",
           "identify_lesson", "lesson_exercises", "main", "read_notebook", "summarize", "write_csv", "write_html"]

#: Seconds a submission may run (kernel start included) before it is stopped as a ``timeout``.
#: Every lesson runs in under 45 s on a 2-core CPU; the margin covers a busy machine.
DEFAULT_TIMEOUT = 180.0
#: A submission's ``status``: run to the end, stopped at the time limit, kernel died, not gradable.
STATUSES = ("ok", "timeout", "error", "invalid")
#: An exercise's status in a submission.
EXERCISE_STATUSES = ("correct", "incorrect", "unanswered", "not reached")
#: The environment variable :class:`course_lib.exercises.Exercise` logs to (``Exercise.GRADING_LOG_ENV``).
GRADING_LOG_ENV = "COURSE_GRADING_LOG"

_LESSON_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+course_lib\.exercises[ \t]+import[ \t]+\(?[ \t]*(lesson\d+)\b"
                            r"|from[ \t]+course_lib\.exercises\.(lesson\d+)[ \t]+import\b"
                            r"|import[ \t]+course_lib\.exercises\.(lesson\d+)\b)", re.M)
_CHECK_CALL = re.compile(r"\.(q\d+)\.check\(")
_STOP_GRACE = 5.0     # seconds a runner gets to stop its kernel after SIGTERM
_CRASH_TEXT = 200     # characters of a learner's exception kept in a message


# ---- results -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """One exercise of one submission: what the learner's own check said.

    Args:
        status (str): one of :data:`EXERCISE_STATUSES`.
        message (str, optional): the check's message for ``incorrect`` (or the exception the
            answer cell raised), where the run stopped for ``not reached``. Default: ``""``.
        solution_shown_before (bool, optional): the notebook displayed this exercise's solution
            before the verdict. Default: ``False``.

    Examples::

        >>> str(Answer("incorrect", "your count is 13, which is too small."))
        'incorrect: your count is 13, which is too small.'
        >>> str(Answer("correct", solution_shown_before=True))
        'correct (solution shown first)'

    Introduced in INSTRUCTORS.md.
    """

    status: str
    message: str = ""
    solution_shown_before: bool = False

    def __str__(self) -> str:  # the CSV cell
        text = self.status + (" (solution shown first)" if self.solution_shown_before else "")
        return f"{text}: {self.message}" if self.message else text


@dataclass
class Submission:
    """One graded submission: a row of ``grades.csv``.

    Args:
        submission (str): the path as given.
        lesson (str, optional): the lesson module it imports, e.g. ``"lesson01"``. Default: ``""``.
        status (str, optional): one of :data:`STATUSES`. Default: ``"ok"``.
        answers (dict, optional): exercise name -> :class:`Answer`, in the lesson's order.
        detail (str, optional): why a run was not ``ok`` (or not graded). Default: ``""``.
        seconds (float, optional): wall time of the run. Default: ``0.0``.

    ``score`` is the number of ``correct`` answers and ``max_score`` the number of exercises of the
    lesson; both are ``None`` for an ``invalid`` submission.

    Introduced in INSTRUCTORS.md.
    """

    submission: str
    lesson: str = ""
    status: str = "ok"
    answers: dict[str, Answer] = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> int | None:
        return None if self.status == "invalid" else sum(a.status == "correct" for a in self.answers.values())

    @property
    def max_score(self) -> int | None:
        return None if self.status == "invalid" else len(self.answers)

    def row(self, exercises) -> dict[str, str]:
        """The CSV row: ``submission, lesson, status, score, max_score``, one column per name in
        ``exercises`` (empty where this lesson has no such exercise), ``detail``."""
        row = {"submission": self.submission, "lesson": self.lesson, "status": self.status,
               "score": "" if self.score is None else str(self.score),
               "max_score": "" if self.max_score is None else str(self.max_score)}
        row.update({name: str(self.answers[name]) if name in self.answers else "" for name in exercises})
        row["detail"] = self.detail
        return row


# ---- recognising a submission --------------------------------------------------------------------------
def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def read_notebook(data: bytes):
    """Parse a submission's bytes as a notebook (upgraded to nbformat 4) and validate it.

    Raises:
        ValueError: it is not UTF-8, not JSON (a truncated file), or not a valid notebook; the
            message says which and where.

    Introduced in INSTRUCTORS.md.
    """
    import nbformat

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"not a notebook: byte {err.start} is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not a notebook: invalid JSON ({err.msg}; line {err.lineno}, column {err.colno}); "
                         "the file may be truncated or edited outside Jupyter") from None
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        raise ValueError("not a notebook: the JSON has no cells")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several kinds; the first line says what is wrong
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"not a valid notebook: {first[:300]}") from None
    return nb


def identify_lesson(nb) -> str:
    """The lesson whose exercises ``nb`` imports, e.g. ``"lesson01"``.

    Raises:
        ValueError: no code cell imports a lesson's exercises, or cells import several lessons.

    Examples::

        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[
        ...     nbformat.v4.new_code_cell("import torch\\nfrom course_lib.exercises import lesson01 as ex")])
        >>> identify_lesson(nb)
        'lesson01'

    Introduced in INSTRUCTORS.md.
    """
    found: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for match in _LESSON_IMPORT.finditer(_source(cell)):
                lesson = next(group for group in match.groups() if group)
                if lesson not in found:
                    found.append(lesson)
    if not found:
        raise ValueError("no lesson recognised: no code cell imports a lesson's exercises "
                         "(`from course_lib.exercises import lessonNN as ex`)")
    if len(found) > 1:
        raise ValueError(f"exercises of several lessons imported ({', '.join(found)}); a submission is one lesson")
    return found[0]


def _exercise_order(name: str):
    match = re.fullmatch(r"q(\d+)", name)
    return (0, int(match.group(1)), name) if match else (1, 0, name)


def lesson_exercises(lesson: str) -> list[str]:
    """The names of ``lesson``'s exercises, in order (``["q1", "q2", ...]``).

    Raises:
        ValueError: ``course_lib.exercises`` has no such lesson.

    Examples::

        >>> lesson_exercises("lesson00")
        ['q1']

    Introduced in INSTRUCTORS.md.
    """
    import importlib

    if not re.fullmatch(r"lesson\d+", lesson):
        raise ValueError(f"lesson must look like 'lesson01'; got {lesson!r}")
    name = f"course_lib.exercises.{lesson}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:
            raise
        raise ValueError(f"no lesson recognised: course_lib.exercises has no {lesson}") from None
    from ..exercises import Exercise

    names = {value.name for value in vars(module).values() if isinstance(value, Exercise)}
    if not names:
        raise ValueError(f"no lesson recognised: course_lib.exercises.{lesson} defines no exercises")
    return sorted(names, key=_exercise_order)


# ---- running one submission ----------------------------------------------------------------------------
def _runner_command(*args: str) -> list[str]:
    """``python -c SOURCE-OF-_run_cells ARGS``: the runner process gets this one function, not the
    ``course_lib`` package (which imports torch: seconds per submission), so ``_run_cells`` imports
    everything it uses itself."""
    import inspect

    code = f"{inspect.getsource(_run_cells)}\nimport sys\nsys.exit(_run_cells(*sys.argv[1:]))\n"
    return [sys.executable, "-c", code, *args]


def _run_cells(cells_file: str, log_file: str, workdir: str, limit: str) -> int:
    """In the runner process: start a kernel of this Python in ``workdir`` and run the cells in
    ``cells_file`` (``[[index, source], ...]``), appending ``kernel``, ``cell``, ``error`` and
    ``end`` (or ``died`` / ``timeout``) events to ``log_file``. Stops by itself after ``limit``
    seconds, should the grader be gone. Self-contained: it runs as source (:func:`_runner_command`)."""
    import json
    import os
    import queue
    import signal
    import sys
    import time
    from pathlib import Path

    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    deadline = time.monotonic() + float(limit)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))  # the grader's stop: shut the kernel down first
    here = Path(cells_file).parent
    cells = json.loads(Path(cells_file).read_text(encoding="utf-8"))
    spec = here / "kernels" / "python3"  # this very Python, whatever kernels the machine has installed
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (grading)", "language": "python"}), encoding="utf-8")
    options = {"transport": "ipc", "ip": str(here / "k")} if os.name == "posix" else {}  # no TCP ports to race for
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]),
                       connection_file=str(here / "kernel.json"), **options)

    with open(log_file, "a", encoding="utf-8") as log:
        def note(**event) -> None:
            log.write(json.dumps(event) + "\n")
            log.flush()

        kc = None
        try:
            km.start_kernel(cwd=workdir, extra_arguments=["--HistoryManager.hist_file=:memory:"])
            note(event="kernel", pid=getattr(km.provisioner, "pid", None))
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
            except RuntimeError as err:
                note(event="died", cell=None, detail=f"the kernel did not start ({err})")
                return 0
            for index, source in cells:
                note(event="cell", cell=index)
                msg_id = kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
                while True:
                    try:
                        while True:  # outputs are not kept: drain them
                            kc.get_iopub_msg(timeout=0)
                    except queue.Empty:
                        pass
                    try:
                        reply = kc.get_shell_msg(timeout=0.5)
                    except queue.Empty:
                        if not km.is_alive():
                            note(event="died", cell=index, detail="the kernel died")
                            return 0
                        if time.monotonic() > deadline:
                            note(event="timeout", cell=index)
                            return 0
                        continue
                    if reply.get("parent_header", {}).get("msg_id") == msg_id:
                        break
                content = reply.get("content", {})
                if content.get("status") == "error":
                    note(event="error", cell=index, ename=content.get("ename", ""), evalue=content.get("evalue", ""))
            note(event="end")
            return 0
        finally:
            if kc is not None:
                kc.stop_channels()
            if km.has_kernel:
                km.shutdown_kernel(now=True)


def _read_log(path: Path) -> list[dict]:
    events = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return events
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a kill
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _stop(proc: subprocess.Popen, events: list[dict]) -> None:
    """Stop a runner: SIGTERM (it shuts its kernel down), then SIGKILL it and its kernel's process group."""
    proc.terminate()
    try:
        proc.wait(timeout=_STOP_GRACE)
        return
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    pids = [e.get("pid") for e in events if e.get("event") == "kernel" and isinstance(e.get("pid"), int)]
    for pid in pids:  # the kernel leads its own session: its group holds whatever it started
        try:
            if hasattr(os, "killpg"):
                os.killpg(pid, signal.SIGKILL)
            else:  # pragma: no cover - Windows
                os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError, OSError):
            pass


def _execute(copy: Path, cells: list[tuple[int, str]], timeout: float, env: dict) -> tuple[str, str, list[dict]]:
    """Run ``cells`` of the notebook ``copy`` (in its folder) with a time limit: (status, detail, events)."""
    tmp = copy.parent.parent
    cells_file, log_file = tmp / "cells.json", tmp / "log.jsonl"
    cells_file.write_text(json.dumps(cells), encoding="utf-8")
    log_file.touch()
    env = {**env, GRADING_LOG_ENV: str(log_file)}
    with open(tmp / "runner.err", "wb") as err:
        proc = subprocess.Popen(_runner_command(str(cells_file), str(log_file), str(copy.parent),
                                                str(timeout + 2 * _STOP_GRACE)),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env,
                                cwd=copy.parent)
        try:
            code, timed_out = proc.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            timed_out = True
            _stop(proc, _read_log(log_file))
        except BaseException:  # Ctrl+C: stop the runner and its kernel, then give up
            _stop(proc, _read_log(log_file))
            raise
    events = _read_log(log_file)
    kinds = {e.get("event") for e in events}
    if "end" in kinds:
        return "ok", "", events
    if timed_out or "timeout" in kinds:
        return "timeout", f"stopped at the time limit of {timeout:g} s", events
    died = [e for e in events if e.get("event") == "died"]
    if died:
        return "error", died[-1].get("detail") or "the kernel died", events
    tail = (tmp / "runner.err").read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return "error", f"the runner failed (exit code {code})" + (f": {tail[-1][:300]}" if tail else ""), events


def _answers(events: list[dict], names: list[str], lesson: str, sources: dict[int, str],
             status: str) -> tuple[dict[str, Answer], int | None]:
    """Each exercise's :class:`Answer` from the run's events, and the cell the run stopped in (or ``None``)."""
    checks_in = {index: set(_CHECK_CALL.findall(source)) for index, source in sources.items()}
    last: dict[str, Answer] = {}
    shown: set[str] = set()
    cell, checked_here = None, set()
    for event in events:
        kind, name = event.get("event"), event.get("exercise")
        if kind == "cell":
            cell, checked_here = event.get("cell"), set()
        elif kind in ("check", "solution") and (name not in names or event.get("lesson") != lesson):
            continue  # another lesson's exercise, or one the learner made up
        elif kind == "solution":
            if event.get("shown"):
                shown.add(name)
        elif kind == "check":
            verdict = event.get("status") if event.get("status") in EXERCISE_STATUSES else "incorrect"
            message = str(event.get("message", "")) if verdict == "incorrect" else ""
            last[name] = Answer(verdict, message, bool(event.get("solution_shown_before")))
            checked_here.add(name)
        elif kind == "error":  # the learner's answer cell raised before its check ran
            for name in sorted(checks_in.get(event.get("cell"), set()) & set(names) - checked_here):
                crash = f"{event.get('ename', 'Exception')}: {event.get('evalue', '')}".strip().rstrip(":")
                last[name] = Answer("incorrect", f"the answer cell raised {crash[:_CRASH_TEXT]}", name in shown)
    stopped = None if status == "ok" else cell
    answers = {}
    for name in names:
        in_stopped_cell = stopped is not None and name in checks_in.get(stopped, set()) and name not in checked_here
        if in_stopped_cell:
            answers[name] = Answer("not reached", "the run stopped in this exercise's cell")
        elif name in last:
            answers[name] = last[name]
        elif status == "ok":
            answers[name] = Answer("unanswered", f"no ex.{name}.check(...) ran")
        else:
            answers[name] = Answer("not reached")
    return answers, stopped


def _where(stopped: int | None, sources: dict[int, str], names: list[str]) -> str:
    if stopped is None:
        return " before the first cell"
    exercises = [n for n in _CHECK_CALL.findall(sources.get(stopped, "")) if n in names]
    return f" in cell {stopped}" + (f" (exercise {', '.join(dict.fromkeys(exercises))})" if exercises else "")


@dataclass
class _Prepared:
    path: Path
    row: Submission
    nb: object = None
    names: list[str] = field(default_factory=list)


def _prepare(path: Path, label: str) -> _Prepared:
    """Read and recognise a submission; an ``invalid`` row says why one cannot be run."""
    row = Submission(submission=label)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        row.status, row.detail = "invalid", "no such file"
        return _Prepared(path, row)
    except OSError as err:
        row.status, row.detail = "invalid", f"cannot read it ({err.strerror or err})"
        return _Prepared(path, row)
    try:
        nb = read_notebook(data)
        row.lesson = identify_lesson(nb)
        names = lesson_exercises(row.lesson)
    except ValueError as err:
        row.status, row.detail = "invalid", str(err)
        return _Prepared(path, row)
    except Exception as err:  # the course's own exercises fail to import: not the learner's fault
        row.status, row.detail = "error", f"cannot load course_lib.exercises.{row.lesson}: {type(err).__name__}: {err}"
        return _Prepared(path, row)
    return _Prepared(path, row, nb, names)


def _run(prepared: _Prepared, timeout: float, env: dict) -> Submission:
    row, nb = prepared.row, prepared.nb
    sources = {i: _source(c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and _source(c).strip()}
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        copy = work / (prepared.path.name if prepared.path.name.endswith(".ipynb") else "submission.ipynb")
        shutil.copyfile(prepared.path, copy)  # the kernel's folder holds the copy; the submission is only read
        try:
            row.status, row.detail, events = _execute(copy, sorted(sources.items()), timeout, env)
        except OSError as err:
            row.status, row.detail, events = "error", f"the runner could not start ({err})", []
    row.answers, stopped = _answers(events, prepared.names, row.lesson, sources, row.status)
    if row.status in ("timeout", "error") and any(e.get("event") == "kernel" for e in events):
        row.detail += _where(stopped, sources, prepared.names)
    row.seconds = time.monotonic() - start
    return row


# ---- the whole class -----------------------------------------------------------------------------------
def default_jobs(num_cpus: int | None = None) -> int:
    """Submissions run at once when ``jobs`` is not given: one per core, at most 4.

    Measured on a 2-core machine grading 30 copies of lesson 01 (about 8 s each alone), one torch
    thread per kernel: 250 s with ``jobs=1``, 165 s with 2, 199 s with 3. Kernels spend part of
    their time starting and importing, so two of them keep two cores busier than one does.

    Examples::

        >>> default_jobs(1), default_jobs(2), default_jobs(16)
        (1, 2, 4)

    Introduced in INSTRUCTORS.md.
    """
    if num_cpus is None:
        try:
            num_cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS, Windows
            num_cpus = os.cpu_count() or 1
    return max(1, min(4, int(num_cpus)))


def _expand(paths) -> list[tuple[Path, str]]:
    """Paths as given, a folder standing for the notebooks in it; duplicates once."""
    seen, out = set(), []
    for given in paths:
        path = Path(given)
        found = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith(".")) if path.is_dir() else [path]
        for p in found:
            key = os.path.normcase(os.path.abspath(p))
            if key not in seen:
                seen.add(key)
                out.append((p, str(p)))
    return out


def _runner_env(jobs: int) -> dict:
    env = dict(os.environ)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # quiet debugpy in the kernel
    if jobs > 1:  # kernels side by side: one thread each (two OpenMP threads stall on a shared core)
        env.setdefault("COURSE_THREADS", "1")
        env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _progress_line(done: int, total: int, row: Submission, elapsed: float, runs: tuple[int, int]) -> str:
    score = "" if row.score is None else f"{row.score}/{row.max_score}"
    runs_done, runs_left = runs
    eta = f", about {elapsed / runs_done * runs_left / 60:.1f} min left" if runs_done and runs_left else ""
    return (f"[{done:>{len(str(total))}}/{total}] {row.status:<7} {score:>5} {row.seconds:6.1f} s  {row.submission}"
            f"  (elapsed {elapsed / 60:.1f} min{eta})")


def grade(paths, *, timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None, out=None,
          progress: bool = True) -> list[Submission]:
    """Run each submitted notebook top to bottom and grade every exercise from the learner's own checks.

    Args:
        paths (iterable of str or Path): submitted notebooks; a folder stands for the ``*.ipynb``
            in it. A missing or unreadable file gives an ``invalid`` row.
        timeout (float, optional): seconds each submission may run, kernel start included.
            Default: :data:`DEFAULT_TIMEOUT`.
        jobs (int, optional): submissions run at once. Default: :func:`default_jobs`.
        out (str or Path, optional): write ``grades.csv`` there (:func:`write_csv`) and an HTML
            report beside it with the suffix ``.html`` (:func:`write_html`). Default: write nothing.
        progress (bool, optional): print a line per graded submission to stderr. Default: ``True``.

    Returns:
        list of :class:`Submission`, in the order of ``paths``.

    Examples::

        rows = grade(["submissions/alice.ipynb", "submissions/bob.ipynb"], timeout=120, out="grades.csv")
        print(summarize(rows))

    Introduced in INSTRUCTORS.md.
    """
    if not is_number(timeout) or not math.isfinite(timeout) \
            or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    jobs = default_jobs() if jobs is None else jobs
    if not is_int(jobs) or jobs < 1:
        raise ValueError(f"jobs must be a positive int; got {jobs!r}")
    prepared = [_prepare(path, label) for path, label in _expand(paths)]
    rows: list[Submission | None] = [p.row if p.nb is None else None for p in prepared]
    todo = [i for i, row in enumerate(rows) if row is None]
    total, done, runs_done, start = len(prepared), 0, 0, time.monotonic()

    def report(row: Submission, ran: bool) -> None:
        nonlocal done, runs_done
        done, runs_done = done + 1, runs_done + ran
        if progress:
            line = _progress_line(done, total, row, time.monotonic() - start, (runs_done, len(todo) - runs_done))
            print(line, file=sys.stderr, flush=True)

    for row in rows:
        if row is not None:
            report(row, ran=False)
    env = _runner_env(min(jobs, max(1, len(todo))))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run, prepared[i], float(timeout), env): i for i in todo}
        try:
            for future in as_completed(futures):
                rows[futures[future]] = future.result()
                report(rows[futures[future]], ran=True)
        except BaseException:  # Ctrl+C: runners still queued never start; running ones stop their kernels
            for future in futures:
                future.cancel()
            raise
    if out is not None:
        out = Path(out)
        write_csv(rows, out)
        write_html(rows, out.with_suffix(".html"))
    return rows


# ---- reports -------------------------------------------------------------------------------------------
def _all_exercises(rows) -> list[str]:
    return sorted({name for row in rows for name in row.answers}, key=_exercise_order)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder: never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(rows, path) -> Path:
    """Write ``grades.csv``: one row per submission.

    Columns: ``submission``, ``lesson``, ``status`` (:data:`STATUSES`), ``score``, ``max_score``,
    one per exercise (``q1``, ``q2`` ...: ``str(Answer)``, empty where the lesson has no such
    exercise or the submission was ``invalid``) and ``detail`` (why a run was not ``ok``).

    Returns:
        Path: ``path``.

    Introduced in INSTRUCTORS.md.
    """
    exercises = _all_exercises(rows)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, ["submission", "lesson", "status", "score", "max_score", *exercises, "detail"])
    writer.writeheader()
    for row in rows:
        writer.writerow(row.row(exercises))
    _write_atomic(Path(path), buffer.getvalue())
    return Path(path)


def _by_lesson(rows) -> dict[str, list[Submission]]:
    lessons: dict[str, list[Submission]] = {}
    for row in rows:
        if row.status != "invalid" and row.answers:
            lessons.setdefault(row.lesson, []).append(row)
    return dict(sorted(lessons.items()))


def _counts(rows, name: str) -> Counter:
    return Counter(row.answers[name].status for row in rows if name in row.answers)


def summarize(rows) -> str:
    """The text summary: per lesson and exercise, how many got it right (and how the others did).

    Examples::

        >>> rows = [Submission("a.ipynb", "lesson00", answers={"q1": Answer("correct")}),
        ...         Submission("b.ipynb", "lesson00", "timeout", {"q1": Answer("not reached")}),
        ...         Submission("c.ipynb", status="invalid", detail="no such file")]
        >>> print(summarize(rows))
        lesson00: 2 graded (1 ok, 1 timeout); mean score 0.5 of 1
          exercise right              incorrect  unanswered  not reached  solution first
          q1       1/2     #####              0           0            1               0
        not graded: c.ipynb: no such file

    Introduced in INSTRUCTORS.md.
    """
    lines = []
    for lesson, graded in _by_lesson(rows).items():
        states = Counter(row.status for row in graded)
        mean = sum(row.score for row in graded) / len(graded)
        tally = ", ".join(f"{states[s]} {s}" for s in STATUSES if states[s])
        lines.append(f"{lesson}: {len(graded)} graded ({tally}); mean score {mean:.1f} of {graded[0].max_score}")
        lines.append(f"  {'exercise':<9}{'right':<19}{'incorrect':>9}{'unanswered':>12}{'not reached':>13}"
                     f"{'solution first':>16}")
        for name in _all_exercises(graded):
            counts, n = _counts(graded, name), sum(name in row.answers for row in graded)
            first = sum(row.answers[name].solution_shown_before for row in graded if name in row.answers)
            right = f"{counts['correct']}/{n}"
            bar = "#" * round(10 * counts["correct"] / n)
            lines.append(f"  {name:<9}{right:<8}{bar:<11}{counts['incorrect']:>9}{counts['unanswered']:>12}"
                         f"{counts['not reached']:>13}{first:>16}")
    for row in rows:
        if row.status == "invalid" or not row.answers:
            lines.append(f"not graded: {row.submission}: {row.detail}")
    return "\n".join(lines)


_COLOURS = {"correct": "#1b7f3b", "incorrect": "#b3261e", "unanswered": "#9aa0a6", "not reached": "#dadce0"}
_SYMBOLS = {"correct": "✓", "incorrect": "✗", "unanswered": "…", "not reached": "–"}


def _chart(graded: list[Submission]) -> str:
    """An inline SVG: one stacked bar per exercise (correct, incorrect, unanswered, not reached)."""
    names = _all_exercises(graded)
    left, width, bar, gap, top = 56, 440, 22, 10, 8
    height = top + len(names) * (bar + gap) + 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" role="img" '
             f'aria-label="Answers per exercise">']
    for i, name in enumerate(names):
        y = top + i * (bar + gap)
        counts, n = _counts(graded, name), sum(name in row.answers for row in graded)
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{html.escape(name)}</text>')
        x = float(left)
        for status in EXERCISE_STATUSES:
            w = width * counts[status] / n if n else 0
            if w:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{_COLOURS[status]}">'
                             f'<title>{html.escape(name)} {status}: {counts[status]} of {n}</title></rect>')
            x += w
        parts.append(f'<text x="{left + width + 8}" y="{y + 15}">{counts["correct"]}/{n} right</text>')
    y = top + len(names) * (bar + gap) + 8
    x = left
    for status in EXERCISE_STATUSES:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_COLOURS[status]}"/>'
                     f'<text x="{x + 16}" y="{y + 11}">{status}</text>')
        x += 30 + 8 * len(status)
    parts.append("</svg>")
    return "".join(parts)


_CSS = """body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px}
body{color:#202124}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #dadce0}svg text{font:13px system-ui,sans-serif}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #dadce0;padding:3px 8px;text-align:left}
td.a{text-align:center;color:#fff}td.correct{background:#1b7f3b}td.incorrect{background:#b3261e}
td.unanswered{background:#9aa0a6}td.not-reached{background:#f1f3f4;color:#5f6368}.muted{color:#5f6368}
ul.msgs{margin:.2em 0 .8em}"""


def write_html(rows, path) -> Path:
    """Write the HTML report: per lesson a bar chart of the answers to each exercise, the most common
    wrong answers, and a table of submissions; then the submissions that were not graded.

    One self-contained file (inline CSS and SVG, no script): it opens offline. Hover a cell for the
    check's message.

    Returns:
        Path: ``path``.

    Introduced in INSTRUCTORS.md.
    """
    esc = html.escape
    parts = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Grades</title>',
             f"<style>{_CSS}</style></head><body><h1>Grades</h1>",
             f'<p class="muted">{len(rows)} submission(s), graded {esc(time.strftime("%Y-%m-%d %H:%M"))}. '
             "✓ correct, ✗ incorrect, … unanswered, – not reached; * the solution was shown first. "
             "Hover a cell for the check's message.</p>"]
    for lesson, graded in _by_lesson(rows).items():
        names = _all_exercises(graded)
        states = Counter(row.status for row in graded)
        parts.append(f"<h2>{esc(lesson)}</h2><p>{len(graded)} graded: "
                     f"{esc(', '.join(f'{states[s]} {s}' for s in STATUSES if states[s]))}.</p>")
        parts.append(_chart(graded))
        wrong = []
        for name in names:
            messages = Counter(row.answers[name].message for row in graded
                               if name in row.answers and row.answers[name].status == "incorrect")
            if messages:
                items = "".join(f"<li>{count} × {esc(message)}</li>" for message, count in messages.most_common(3))
                wrong.append(f"<p><b>{esc(name)}</b></p><ul class=\"msgs\">{items}</ul>")
        if wrong:
            parts.append("<h3>Most common wrong answers</h3>" + "".join(wrong))
        head = "".join(f"<th>{esc(n)}</th>" for n in names)
        parts.append(f"<h3>Submissions</h3><table><tr><th>submission</th><th>status</th><th>score</th>{head}"
                     "<th>detail</th></tr>")
        for row in graded:
            cells = []
            for name in names:
                answer = row.answers.get(name)
                if answer is None:
                    cells.append("<td></td>")
                    continue
                mark = _SYMBOLS[answer.status] + ("*" if answer.solution_shown_before else "")
                cells.append(f'<td class="a {answer.status.replace(" ", "-")}" title="{esc(str(answer))}">'
                             f"{esc(mark)}</td>")
            parts.append(f"<tr><td>{esc(row.submission)}</td><td>{esc(row.status)}</td>"
                         f"<td>{row.score}/{row.max_score}</td>{''.join(cells)}<td>{esc(row.detail)}</td></tr>")
        parts.append("</table>")
    failed = [row for row in rows if row.status == "invalid" or not row.answers]
    if failed:
        parts.append("<h2>Not graded</h2><table><tr><th>submission</th><th>status</th><th>why</th></tr>")
        parts += [f"<tr><td>{esc(r.submission)}</td><td>{esc(r.status)}</td><td>{esc(r.detail)}</td></tr>"
                  for r in failed]
        parts.append("</table>")
    parts.append("</body></html>\n")
    _write_atomic(Path(path), "".join(parts))
    return Path(path)


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
    found = _expand(args.submissions)
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
