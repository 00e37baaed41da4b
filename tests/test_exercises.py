"""Every exercise: its reference solution passes its check, wrong answers fail it with a
message, and the notebook's solution cell holds exactly the reference solution."""
from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import course_lib.exercises as exercises_pkg
from course_lib.exercises import Exercise

LESSON_MODULES = sorted(m.name for m in pkgutil.iter_modules(exercises_pkg.__path__) if m.name.startswith("lesson"))

# Plausible mistakes, per exercise, one file per lesson in tests/exercise_mistakes/.
def _load_mistakes():
    wrong, makers = {}, {}
    for path in sorted((Path(__file__).parent / "exercise_mistakes").glob("lesson*.py")):
        spec = importlib.util.spec_from_file_location(f"exercise_mistakes_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for key in module.WRONG:
            wrong[key] = module.WRONG[key]
            makers[key] = getattr(module, "make", None)
    return wrong, makers


WRONG, _MAKERS = _load_mistakes()


def _all_exercises():
    for module_name in LESSON_MODULES:
        module = importlib.import_module(f"course_lib.exercises.{module_name}")
        for name in module.__all__:
            yield f"{module_name}.{name}", getattr(module, name)


ALL = dict(_all_exercises())


def _solve(q: Exercise):
    namespace = {"torch": torch, "nn": nn, "F": F, q.name: q.inputs()}  # as the notebook binds them
    exec(q.solution_code, namespace)
    return namespace["answer"]


def _wrong_answer(key: str, spec):
    """Turn a named mistake into a concrete answer, using the exercise's own inputs."""
    if isinstance(spec, str) and _MAKERS[key] is not None:
        return _MAKERS[key](key, spec, ALL[key].inputs())
    return spec


def test_every_exercise_has_listed_mistakes():
    assert set(ALL) == set(WRONG), "list plausible wrong answers for every exercise in tests/exercise_mistakes/lessonNN.py"
    assert len(ALL) >= 5


@pytest.mark.parametrize("key", sorted(ALL))
def test_reference_solution_passes(key):
    q = ALL[key]
    result = q.evaluate(_solve(q))
    assert result.status == "correct", result.message


@pytest.mark.parametrize("key", sorted(ALL))
def test_wrong_answers_fail_with_a_message(key):
    q = ALL[key]
    answers = [_wrong_answer(key, spec) for spec in WRONG[key]] + [None, "some text", ...]
    for spec, answer in zip([*WRONG[key], None, "some text", ...], answers):
        result = q.evaluate(answer)
        assert result.status in {"incorrect", "unanswered"}, f"{spec!r} was accepted"
        assert result.message, f"{spec!r} got no explanation"


@pytest.mark.parametrize("key", sorted(ALL))
def test_each_exercise_has_hints_and_an_explanation(key):
    q = ALL[key]
    assert q.hints and q.question and q.explanation
    assert "answer" in q.solution_code


def _solution_cells(notebook_path):
    nb = json.loads(notebook_path.read_text())
    pattern = re.compile(r"# BEGIN SOLUTION\n(.*?)\n# END SOLUTION\n(?:.*\n)?ex\.(q\d+)\.check\(answer\)", re.S)
    found = {}
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        for body, name in pattern.findall(source):
            found[name] = (body.strip(), cell)
    return found


@pytest.mark.parametrize("module_name", LESSON_MODULES)
def test_notebook_solution_cells_match_the_reference(module_name, root):
    notebook = next((root / "notebooks").glob(f"{module_name[-2:]}_*.ipynb"))
    module = importlib.import_module(f"course_lib.exercises.{module_name}")
    cells = _solution_cells(notebook)
    assert set(cells) == set(module.__all__), f"{notebook.name} must have a solution cell per exercise"
    for name, (body, cell) in cells.items():
        assert body == getattr(module, name).solution_code, f"{notebook.name} {name}: solution cell differs"
        assert "solution" in cell["metadata"].get("tags", []), f"{notebook.name} {name}: tag it 'solution'"
        assert "NBVAL_CHECK_OUTPUT" in "".join(cell["source"]), f"{notebook.name} {name}: check its output"
        text = json.dumps(cell["outputs"])
        assert "Correct" in text, f"{notebook.name} {name}: stored output is not a correct check"


def test_messages_name_the_mistake_not_the_answer():
    from course_lib.exercises import lesson01 as ex

    def in_place(ids):
        ids[ids < 0] = 0
        return ids

    assert "in place" in ex.q6.evaluate(in_place).message
    assert "bag lengths" in ex.q4.evaluate(torch.tensor([2, 3, 1])).message
    assert "right sizes in the wrong order" in ex.q1.evaluate((8, 2, 5)).message
    assert "never touched" in ex.q3.evaluate({2, 3, 5}).message
    assert "not greater than max_norm" in ex.q3.evaluate({1, 2, 3}).message
    assert "one-hot matrix itself" in ex.q2.evaluate(F.one_hot(ex.q2.inputs().ids, 8)).message


# ---- right answers written other ways (RIGHT in tests/exercise_mistakes/lessonNN.py) ----------------
_TABLES = Path(__file__).parent / "exercise_mistakes"


def _table(lesson: str):
    spec = importlib.util.spec_from_file_location(f"exercise_right_{lesson}", _TABLES / f"{lesson}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build_right(table, key, written, inputs):
    """A ``RIGHT`` entry as an answer: the file's ``make_right`` when it has one, else its ``make`` for a
    string spec; anything else is the answer itself."""
    if hasattr(table, "make_right"):
        return table.make_right(key, written, inputs)
    if isinstance(written, str) and hasattr(table, "make"):
        return table.make(key, written, inputs)
    return written


@pytest.mark.parametrize("lesson", sorted(p.stem for p in _TABLES.glob("lesson*.py")))
def test_right_answers_written_other_ways_are_accepted(lesson):
    """Answers a learner may well write (a list or a keys view for a set, a NumPy integer, an int tensor of
    whole values, a percent rounded as the lesson prints it, a function written another way) pass."""
    table = _table(lesson)
    assert getattr(table, "RIGHT", None), f"{lesson}.py lists no RIGHT answers"
    assert set(table.RIGHT) <= {k for k in ALL if k.startswith(f"{lesson}.")}
    for key, answers in table.RIGHT.items():
        for written in answers:
            result = ALL[key].evaluate(_build_right(table, key, written, ALL[key].inputs()))
            assert result.status == "correct", f"{key}: {written!r} is right but got: {result.message}"
