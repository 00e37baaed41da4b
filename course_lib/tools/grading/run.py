"""Running one submission, and a class of them: recognise the lesson, run a copy in a fresh kernel,
read back what the learner's checks said.

Part of :mod:`course_lib.tools.grading`.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

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
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path


from ..._util import is_int, is_number
from .report import write_csv, write_html
from .results import DEFAULT_TIMEOUT, EXERCISE_STATUSES, GRADING_LOG_ENV, Answer, Submission, exercise_order

__all__ = ["default_jobs", "expand_paths", "grade", "identify_lesson", "lesson_exercises", "read_notebook"]

_LESSON_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+course_lib\.exercises[ \t]+import[ \t]+\(?[ \t]*(lesson\d+)\b"
                            r"|from[ \t]+course_lib\.exercises\.(lesson\d+)[ \t]+import\b"
                            r"|import[ \t]+course_lib\.exercises\.(lesson\d+)\b)", re.M)
_CHECK_CALL = re.compile(r"\.(q\d+)\.check\(")
_STOP_GRACE = 5.0     # seconds a runner gets to stop its kernel after SIGTERM
_CRASH_TEXT = 200     # characters of a learner's exception kept in a message


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
    from ...exercises import Exercise

    names = {value.name for value in vars(module).values() if isinstance(value, Exercise)}
    if not names:
        raise ValueError(f"no lesson recognised: course_lib.exercises.{lesson} defines no exercises")
    return sorted(names, key=exercise_order)


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


def expand_paths(paths) -> list[tuple[Path, str]]:
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
    prepared = [_prepare(path, label) for path, label in expand_paths(paths)]
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


