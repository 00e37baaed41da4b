"""Grading a class (python -m course_lib grade): the exercises' grading log, recognising submissions,
running them with a time limit, and the reports.

The class test grades lesson 01 as submitted by several learners: the reference notebook, a blank
student copy, a copy with an endless loop in one exercise, a mix of wrong, crashing and peeked
answers, a kernel that dies, a truncated file and two files that cannot be graded. About a minute
on a 2-core machine."""
from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
import sys
import time
import warnings
from pathlib import Path

import nbformat
import psutil
import pytest

from course_lib.exercises import Exercise, lesson00
from course_lib.tools.grading import (DEFAULT_TIMEOUT, Answer, Submission, default_jobs, grade, identify_lesson,
                                      lesson_exercises, main, read_notebook, summarize, write_csv, write_html)

try:
    from course_lib.tools.classroom import student_notebook
except ImportError:  # before the tools/ move
    from course_lib.classroom import student_notebook

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_lookup_tables.ipynb"
EXERCISES = ["q1", "q2", "q3", "q4", "q5", "q6"]
SETUP = "import course_lib; DEVICE = course_lib.setup(seed=0)"
_ANSWER = re.compile(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION\n", re.S)


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _write(nb, path: Path) -> Path:
    nbformat.write(nb, path)
    return path


def _answer_cell(nb, name: str) -> int:
    """Index of the cell that answers and checks exercise ``name``."""
    return next(i for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and f"ex.{name}.check(answer)" in c.source and "# BEGIN SOLUTION" in c.source)


def _set_answer(nb, name: str, code: str) -> None:
    cell = nb.cells[_answer_cell(nb, name)]
    cell.source = _ANSWER.sub(lambda m: "# BEGIN SOLUTION\n" + code.rstrip("\n") + "\n# END SOLUTION\n", cell.source)


def _exercises_only(nb):
    """A learner who kept only the set-up cell and the exercises (a fast, realistic submission)."""
    first = next(c for c in nb.cells if c.cell_type == "code")
    keep = [first] + [c for c in nb.cells if c.cell_type == "code" and re.search(r"\bex\.q\d", c.source)]
    return nbformat.v4.new_notebook(cells=copy.deepcopy(keep), metadata=copy.deepcopy(nb.metadata))


def _tiny(*sources: str):
    """A notebook with the set-up line, lesson 00's exercises and ``sources``."""
    cells = [nbformat.v4.new_code_cell(f"{SETUP}\nfrom course_lib.exercises import lesson00 as ex")]
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                          "display_name": "Python 3"}})


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _grading_kernels() -> list[psutil.Process]:
    """Kernels the grader started that are still running (their connection file is in a course-grade- folder)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "ipykernel_launcher" in cmdline and "course-grade-" in cmdline:
            found.append(proc)
    return found


# ---- the grading log of the exercises ------------------------------------------------------------------
@pytest.fixture
def q1(monkeypatch):
    """Lesson 00's q1 with its per-process state reset (the module's object is shared by all tests)."""
    monkeypatch.setattr(lesson00.q1, "_solution_shown", False)
    monkeypatch.setattr(Exercise, "_solutions_hidden", False)
    return lesson00.q1


def _log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_checks_and_solutions_are_logged_in_order_with_the_lesson(q1, monkeypatch, tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("COURSE_GRADING_LOG", str(log))
    q1.check(13)
    q1.check(...)
    q1.solution()
    q1.check(30)
    lines = _log_lines(log)
    assert [(x["event"], x.get("status")) for x in lines] == [
        ("check", "incorrect"), ("check", "unanswered"), ("solution", None), ("check", "correct")]
    assert all(x["lesson"] == "lesson00" and x["exercise"] == "q1" for x in lines)
    assert lines[0]["message"] == "your count is 13, which is too small." and not lines[0]["solution_shown_before"]
    assert lines[2]["shown"] is True
    assert lines[3]["solution_shown_before"] is True          # displayed before this answer
    assert "answer = 10 * 3" in capsys.readouterr().out        # what the learner sees did not change


def test_without_the_variable_nothing_is_written_and_the_output_is_the_same(q1, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_GRADING_LOG", str(tmp_path / "log.jsonl"))
    q1.check(13)
    logged = capsys.readouterr().out
    monkeypatch.delenv("COURSE_GRADING_LOG")
    monkeypatch.chdir(tmp_path)
    q1.check(13)
    assert capsys.readouterr().out == logged
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]
    assert len(_log_lines(tmp_path / "log.jsonl")) == 1


def test_an_unwritable_log_warns_and_never_breaks_the_check(q1, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COURSE_GRADING_LOG", str(tmp_path))  # a folder: open() fails
    with pytest.warns(RuntimeWarning, match="COURSE_GRADING_LOG"):
        q1.check(30)
    assert "Correct" in capsys.readouterr().out


def test_an_exercise_outside_a_lesson_module_logs_no_lesson(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_GRADING_LOG", str(tmp_path / "log.jsonl"))
    Exercise("q1", "?", check=lambda a: None, solution="answer = 1").check(1)  # a learner's own "q1"
    assert _log_lines(tmp_path / "log.jsonl")[0]["lesson"] is None


def test_hidden_solutions_show_a_note_and_are_still_logged(q1, monkeypatch, tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("COURSE_GRADING_LOG", str(log))
    Exercise.hide_solutions()
    q1.solution()
    shown = capsys.readouterr().out
    assert "hidden in this graded copy" in shown and "10 * 3" not in shown
    q1.check(30)
    Exercise.hide_solutions(False)
    q1.solution()
    assert "answer = 10 * 3" in capsys.readouterr().out
    lines = _log_lines(log)
    assert lines[0] == {**lines[0], "event": "solution", "shown": False}
    assert lines[1]["solution_shown_before"] is False         # a hidden solution does not count as seen
    assert lines[2]["shown"] is True
    with pytest.raises(TypeError, match="hidden must be True or False"):
        Exercise.hide_solutions("yes")


# ---- recognising a submission --------------------------------------------------------------------------
@pytest.mark.parametrize("line", ["from course_lib.exercises import lesson01 as ex",
                                  "from course_lib.exercises import lesson01",
                                  "import course_lib.exercises.lesson01 as ex",
                                  "from course_lib.exercises.lesson01 import q1, q2"])
def test_the_lesson_is_read_from_the_exercise_import(line):
    assert identify_lesson(_tiny_cells(f"import torch\n{line}")) == "lesson01"


def _tiny_cells(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_a_notebook_without_exercises_or_with_two_lessons_is_not_recognised():
    with pytest.raises(ValueError, match="no lesson recognised"):
        identify_lesson(_tiny_cells("# from course_lib.exercises import lesson01", "x = 1"))
    with pytest.raises(ValueError, match="several lessons imported \\(lesson01, lesson02\\)"):
        identify_lesson(_tiny_cells("from course_lib.exercises import lesson01 as ex",
                                    "from course_lib.exercises import lesson02 as ex2"))


def test_lesson_exercises_in_order_and_unknown_lessons():
    assert lesson_exercises("lesson01") == EXERCISES
    assert lesson_exercises("lesson03") == [f"q{i}" for i in range(1, 8)]
    with pytest.raises(ValueError, match="no lesson99"):
        lesson_exercises("lesson99")
    with pytest.raises(ValueError, match="must look like 'lesson01'"):
        lesson_exercises("os")


def test_read_notebook_says_what_is_wrong():
    data = LESSON.read_bytes()
    assert len(read_notebook(data).cells) == len(_read(LESSON).cells)
    with pytest.raises(ValueError, match=r"invalid JSON .*truncated"):
        read_notebook(data[: len(data) // 2])
    with pytest.raises(ValueError, match="the JSON has no cells"):
        read_notebook(b"[1, 2]")
    with pytest.raises(ValueError, match="not a valid notebook"):
        read_notebook(json.dumps({"cells": "no", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode())
    with pytest.raises(ValueError, match="not UTF-8"):
        read_notebook(b"\xff\xfe{}")


# ---- grading a class of lesson 01 ----------------------------------------------------------------------
CLASS_TIMEOUT = 40  # the whole lesson runs in about 9 s alone, 15 s on a busy machine


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    reference = _read(LESSON)
    loop = _read(LESSON)
    _set_answer(loop, "q4", "while True:  # an endless loop\n    pass\nanswer = torch.tensor([0, 2, 5])")
    subs = {"loop": _write(loop, folder / "loop.ipynb")}           # first: the others must not wait for it
    subs["reference"] = folder / "reference.ipynb"
    subs["reference"].write_bytes(LESSON.read_bytes())
    subs["blank"] = _write(student_notebook(reference), folder / "blank.ipynb")

    mixed = _exercises_only(reference)
    _set_answer(mixed, "q1", "answer = (2, 5)")                         # wrong
    _set_answer(mixed, "q2", "answer = one_hot_product(q2.ids)")        # crashes: NameError
    q3 = _answer_cell(mixed, "q3")
    mixed.cells.insert(q3, nbformat.v4.new_code_cell("ex.q3.solution()"))  # peeks, then answers
    del mixed.cells[_answer_cell(mixed, "q5")]                           # never checks q5
    subs["mixed"] = _write(mixed, folder / "mixed.ipynb")

    dies = _exercises_only(reference)
    dies.cells.insert(_answer_cell(dies, "q2"), nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    subs["dies"] = _write(dies, folder / "dies.ipynb")

    subs["truncated"] = folder / "truncated.ipynb"
    subs["truncated"].write_bytes(LESSON.read_bytes()[:20_000])
    subs["no_lesson"] = _write(_tiny_cells("print('hello')"), folder / "no_lesson.ipynb")
    subs["missing"] = folder / "missing.ipynb"                           # listed, never handed in

    before = _digests(folder)
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    start = time.perf_counter()
    rows = grade(list(subs.values()), timeout=CLASS_TIMEOUT, jobs=2, out=out, progress=False)
    seconds = time.perf_counter() - start
    return {"rows": dict(zip(subs, rows)), "order": rows, "folder": folder, "before": before, "out": out,
            "seconds": seconds, "paths": subs}


def _statuses(row: Submission) -> dict[str, str]:
    return {name: answer.status for name, answer in row.answers.items()}


def test_every_submission_gets_a_row_in_the_order_given(graded):
    assert [row.submission for row in graded["order"]] == [str(p) for p in graded["paths"].values()]
    assert {k: r.status for k, r in graded["rows"].items()} == {
        "loop": "timeout", "reference": "ok", "blank": "ok", "mixed": "ok", "dies": "error",
        "truncated": "invalid", "no_lesson": "invalid", "missing": "invalid"}


def test_the_reference_notebook_gets_full_marks(graded):
    row = graded["rows"]["reference"]
    assert (row.lesson, row.score, row.max_score) == ("lesson01", 6, 6)
    assert all(a == Answer("correct") for a in row.answers.values())


def test_a_blank_student_copy_scores_zero_with_every_exercise_unanswered(graded):
    row = graded["rows"]["blank"]
    assert (row.score, row.max_score) == (0, 6)
    assert _statuses(row) == dict.fromkeys(EXERCISES, "unanswered")


def test_an_endless_loop_is_stopped_at_the_time_limit_and_earlier_answers_stay(graded):
    row = graded["rows"]["loop"]
    assert row.status == "timeout" and row.score == 3
    assert f"time limit of {CLASS_TIMEOUT} s in cell {_answer_cell(_read(graded['paths']['loop']), 'q4')} " \
           "(exercise q4)" in row.detail
    assert _statuses(row) == {"q1": "correct", "q2": "correct", "q3": "correct",
                              "q4": "not reached", "q5": "not reached", "q6": "not reached"}
    assert row.answers["q4"].message == "the run stopped in this exercise's cell"
    assert CLASS_TIMEOUT <= row.seconds < CLASS_TIMEOUT + 15          # stopped, not waited out
    # the grader moved on: the class took about as long as its slowest submission, not the loop plus the rest
    assert graded["seconds"] < CLASS_TIMEOUT + 30
    assert _grading_kernels() == []                                 # no kernel left behind


def test_wrong_crashing_peeked_and_missing_answers(graded):
    row = graded["rows"]["mixed"]
    assert _statuses(row) == {"q1": "incorrect", "q2": "incorrect", "q3": "correct", "q4": "correct",
                              "q5": "unanswered", "q6": "correct"}
    assert row.answers["q1"].message and "(2, 5, 8)" not in row.answers["q1"].message
    assert row.answers["q2"].message == "the answer cell raised NameError: name 'one_hot_product' is not defined"
    assert row.answers["q3"] == Answer("correct", solution_shown_before=True)
    assert not any(row.answers[q].solution_shown_before for q in ("q1", "q2", "q4", "q6"))
    assert row.answers["q5"].message == "no ex.q5.check(...) ran"
    assert row.score == 3


def test_a_kernel_that_dies_is_an_error_and_keeps_what_was_answered(graded):
    row = graded["rows"]["dies"]
    assert "the kernel died in cell" in row.detail
    assert _statuses(row) == {"q1": "correct", **dict.fromkeys(EXERCISES[1:], "not reached")}


def test_files_that_cannot_be_graded_say_why(graded):
    rows = graded["rows"]
    assert "invalid JSON" in rows["truncated"].detail and "truncated" in rows["truncated"].detail
    assert rows["no_lesson"].detail.startswith("no lesson recognised")
    assert rows["missing"].detail == "no such file"
    assert all(rows[k].answers == {} and rows[k].score is None for k in ("truncated", "no_lesson", "missing"))


def test_submissions_are_never_modified(graded):
    assert _digests(graded["folder"]) == graded["before"]              # same files, same bytes, nothing added


def test_grades_csv_has_a_row_per_submission_and_a_column_per_exercise(graded):
    with open(graded["out"], newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        table = list(reader)
    assert reader.fieldnames == ["submission", "lesson", "status", "score", "max_score", *EXERCISES, "detail"]
    assert [r["submission"] for r in table] == [str(p) for p in graded["paths"].values()]
    by_name = {Path(r["submission"]).stem: r for r in table}
    assert by_name["reference"]["score"] == "6" and by_name["reference"]["max_score"] == "6"
    assert by_name["blank"]["q3"] == "unanswered" and by_name["blank"]["score"] == "0"
    assert by_name["loop"]["status"] == "timeout" and by_name["loop"]["q5"] == "not reached"
    assert by_name["mixed"]["q3"] == "correct (solution shown first)"
    assert by_name["mixed"]["q1"].startswith("incorrect: ")
    assert by_name["truncated"]["status"] == "invalid"
    assert [by_name["truncated"][k] for k in ("lesson", "score", "max_score", *EXERCISES)] == [""] * 9


def test_the_html_report_is_one_offline_file_with_a_bar_per_exercise(graded):
    page = graded["out"].with_suffix(".html").read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page and "<link" not in page and " src=" not in page
    urls = set(re.findall(r"https?://[^\s\"']+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}                   # a namespace name, never fetched
    for name in EXERCISES:
        assert f"<title>{name} correct:" in page
    assert "NameError" in page and "missing.ipynb" in page
    assert sorted(p.name for p in graded["out"].parent.iterdir()) == ["grades.csv", "grades.html"]


def test_the_summary_counts_right_answers_per_exercise(graded):
    text = summarize(graded["order"])
    assert text.startswith("lesson01: 5 graded (3 ok, 1 timeout, 1 error)")
    q1 = next(line for line in text.splitlines() if line.strip().startswith("q1 "))
    assert q1.split()[:2] == ["q1", "3/5"]                          # reference, loop, dies; not blank or mixed
    assert "not graded: " + str(graded["paths"]["truncated"]) in text


# ---- the command line, a stubborn loop, the kernel that runs a submission ------------------------------
def test_main_grades_moves_past_a_stubborn_loop_and_uses_this_python(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    probe = tmp_path / "probe.json"
    stubborn = ("import time\nwhile True:  # ignores Ctrl+C\n    try:\n        time.sleep(0.1)\n"
                "    except KeyboardInterrupt:\n        pass")
    _write(_tiny("ex.q1.check(30)", stubborn, "ex.q1.check(31)"), folder / "a_loop.ipynb")
    _write(_tiny("from course_lib.exercises import Exercise\nExercise.hide_solutions()  # as a graded copy does",
                 "ex.q1.solution()",                                    # hidden: not counted as seen
                 "answer = 10 * 3\nex.q1.check(answer)",
                 "import json, os, pathlib, sys\n"
                 f"pathlib.Path({str(probe)!r}).write_text(json.dumps({{'executable': sys.executable, "
                 "'cwd': os.getcwd(), 'files': os.listdir('.')}))"), folder / "b_probe.ipynb")
    before = _digests(folder)
    out = tmp_path / "report" / "grades.csv"
    code = main([str(folder), "--out", str(out), "--timeout", "12", "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 0
    table = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert [(r["status"], r["q1"]) for r in table] == [("timeout", "correct"), ("ok", "correct")]
    assert table[0]["detail"] == "stopped at the time limit of 12 s in cell 2"
    assert "graded 2 submission(s)" in captured.out and "lesson00: 2 graded" in captured.out
    assert "[1/2] timeout" in captured.err and "[2/2] ok" in captured.err   # progress, one line each
    assert _grading_kernels() == []
    seen = json.loads(probe.read_text())
    assert seen["executable"] == sys.executable                       # this environment's Python
    assert Path(seen["cwd"]) != folder and seen["files"] == ["b_probe.ipynb"]  # ran in a temporary copy
    assert _digests(folder) == before


@pytest.mark.parametrize("argv, message", [
    (["x.ipynb", "--timeout", "0"], "--timeout must be a positive number of seconds; got 0"),
    (["x.ipynb", "--timeout", "nan"], "--timeout must be a positive number of seconds; got nan"),
    (["x.ipynb", "--jobs", "0"], "--jobs must be at least 1; got 0"),
    (["x.ipynb", "--out", "grades.txt"], "--out should end in .csv; got grades.txt"),
    (["x.ipynb"], "no such submission: x.ipynb"),
    (["x.ipynb", "y.ipynb"], "none of the 2 submissions exists (the first: x.ipynb)"),
])
def test_main_refuses_arguments_it_cannot_use_in_one_line(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"python -m course_lib grade: error: {message}"
    assert not (tmp_path / "grades.csv").exists()


def test_main_refuses_a_folder_as_out_and_an_empty_folder_of_submissions(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        main(["empty"])
    assert "no notebook found in empty" in capsys.readouterr().err
    (tmp_path / "a.ipynb").write_text("{}")
    with pytest.raises(SystemExit):
        main(["a.ipynb", "--out", "empty"])
    assert "--out names a folder (empty)" in capsys.readouterr().err


def test_grade_validates_its_arguments():
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds; got -1"):
        grade([], timeout=-1)
    with pytest.raises(ValueError, match="jobs must be a positive int; got 0"):
        grade([], jobs=0)
    assert grade([], progress=False) == []
    assert DEFAULT_TIMEOUT > 45 and default_jobs(2) == 2 and default_jobs(1) == 1


# ---- the reports on their own --------------------------------------------------------------------------
def _rows():
    return [Submission("a, b.ipynb", "lesson00", answers={"q1": Answer("incorrect", 'said "13" <b>')}),
            Submission("c.ipynb", "lesson01", "timeout", {f"q{i}": Answer("not reached") for i in range(1, 11)},
                       detail="stopped"),
            Submission("d.ipynb", status="invalid", detail="no such file")]


def test_write_csv_quotes_and_orders_exercise_columns_naturally(tmp_path):
    path = write_csv(_rows(), tmp_path / "g.csv")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header, *table = list(reader)
    assert header == ["submission", "lesson", "status", "score", "max_score", *[f"q{i}" for i in range(1, 11)],
                      "detail"]
    assert table[0][:6] == ["a, b.ipynb", "lesson00", "ok", "0", "1", 'incorrect: said "13" <b>']
    assert table[0][6:15] == [""] * 9                                # lesson 00 has no q2 ... q10
    assert table[2][:5] == ["d.ipynb", "", "invalid", "", ""]


def test_reports_replace_old_ones_whole_and_escape_learners_text(tmp_path):
    (tmp_path / "g.csv").write_text("old")
    write_csv(_rows(), tmp_path / "g.csv")
    page = write_html(_rows(), tmp_path / "g.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.csv", "g.html"]   # no temporary file left
    assert (tmp_path / "g.csv").read_text().startswith("submission,")
    assert "<b>" not in page.replace("<b>q1</b>", "") and "&lt;b&gt;" in page
    assert page.count("<svg") == 2                                   # one chart per lesson


def test_warnings_of_the_hook_do_not_leak_when_grading_is_off(q1, monkeypatch):
    monkeypatch.delenv("COURSE_GRADING_LOG", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q1.check(30)


def test_python_m_course_lib_grade_is_wired_to_the_grader(tmp_path, capsys):
    from course_lib.tools.cli import main as cli

    missing = tmp_path / "nobody.ipynb"
    with pytest.raises(SystemExit) as stop:
        cli(["grade", str(missing)])
    assert stop.value.code == 2
    assert "no such submission" in capsys.readouterr().err
