import pytest
import torch

from course_lib.exercises import (Exercise, Incorrect, expect_close, expect_int, expect_int_set,
                                  expect_shape, expect_tensor)


def _q():
    return Exercise("q9", "Shape of the lookup?", check=lambda a: expect_shape(a, (2, 4, 3)),
                    hints=["first", "second"], solution="answer = (2, 4, 3)", explanation="Because.")


def test_right_wrong_and_unanswered():
    q = _q()
    assert bool(q.evaluate((2, 4, 3))) and q.evaluate(torch.Size([2, 4, 3])).status == "correct"
    wrong = q.evaluate((2, 3, 5))
    assert not wrong and wrong.status == "incorrect" and "dimension(s) [1, 2] differ" in wrong.message
    assert "wrong order" in q.evaluate((2, 3, 4)).message
    assert q.evaluate(...).status == "unanswered"


def test_wrong_answers_do_not_reveal_the_answer():
    q = _q()
    for answer in [(2, 3), (1, 4, 3), "2,4,3", 243, (2.0, 4, 3)]:
        result = q.evaluate(answer)
        assert result.status == "incorrect"
        assert "(2, 4, 3)" not in result.message


def test_a_crashing_check_becomes_a_message():
    q = Exercise("q1", "?", check=lambda a: a.shape, solution="answer = 1")
    assert "AttributeError" in q.evaluate(object()).message
    q = Exercise("q1", "?", check=lambda a: 1 / 0, solution="answer = 1")
    result = q.evaluate(3)
    assert result.status == "incorrect" and "ZeroDivisionError" in result.message


def test_hints_and_solution_are_shown(capsys):
    q = _q()
    q.hint()
    q.hint(2)
    q.hint(3)
    q.solution()
    out = capsys.readouterr().out
    assert "Hint 1 of 2:** first" in out and "hint(2)" in out
    assert "Hint 2 of 2:** second" in out
    assert "has 2 hint(s)" in out and "got 3" in out
    assert "answer = (2, 4, 3)" in out and "Because." in out


def test_check_prints_outside_a_notebook(capsys):
    _q().check((2, 4, 3))
    assert "✓ Correct (q9)" in capsys.readouterr().out


def test_result_html_escapes_messages():
    result = Exercise("q1", "?", check=lambda a: (_ for _ in ()).throw(Incorrect("<b>")), solution="").evaluate(1)
    assert "&lt;b&gt;" in result._repr_html_()


def test_expect_int_directions_and_tensors():
    expect_int(torch.tensor(30), 30)
    expect_int(30.0, 30)
    with pytest.raises(Incorrect, match="too large"):
        expect_int(31, 30)
    with pytest.raises(Incorrect, match="got a bool"):
        expect_int(True, 1)


def test_expect_int_set_counts_missing_and_extra():
    expect_int_set(torch.tensor([2, 4, 4]), {2, 4})
    with pytest.raises(Incorrect, match="1 of your values should not be there and 1 value\\(s\\) are missing"):
        expect_int_set([2, 5], {2, 4})


def test_expect_tensor_and_close():
    expected = torch.arange(6.0).reshape(2, 3)
    expect_close(expected.clone(), expected)
    with pytest.raises(Incorrect, match=r"shape \(3, 2\); it should have shape \(2, 3\)"):
        expect_close(expected.T, expected)
    wrong = expected.clone()
    wrong[1, 2] += 1
    with pytest.raises(Incorrect, match=r"1 of its 6 values differ \(the first at index \(1, 2\)\)"):
        expect_close(wrong, expected)
    with pytest.raises(Incorrect, match="should hold integer ids"):
        expect_tensor(torch.ones(2), integer=True)


def test_kind_uses_the_right_article():
    with pytest.raises(Incorrect, match="got an int"):
        expect_shape(3, (2,))
    with pytest.raises(Incorrect, match="got a str"):
        expect_shape("x", (2,))


def test_inputs_are_attributes_and_fresh():
    q = Exercise("q1", "?", check=lambda a: None, inputs=lambda: {"ids": torch.tensor([1])})
    first = q.inputs()
    first.ids[0] = 9
    assert q.inputs().ids.tolist() == [1]


def test_expect_int_names_a_known_mistake_and_otherwise_the_direction():
    from course_lib.exercises import Incorrect, expect_int

    mistakes = {60: "you counted the bias twice."}
    with pytest.raises(Incorrect, match="bias twice"):
        expect_int(60.0, 30, mistakes=mistakes)
    with pytest.raises(Incorrect, match="too large"):
        expect_int(61, 30, mistakes=mistakes)
    expect_int(30, 30, mistakes={30: "never said for the right answer"})


# ---------------------------------------------------------------- a learner's function that crashes
def _crashing_answer(*args, **kwargs):
    raise ValueError("the learner's own bug")


def _exercise(key):
    import importlib

    lesson, name = key.split(".")
    return getattr(importlib.import_module(f"course_lib.exercises.{lesson}"), name)


@pytest.mark.parametrize("key", ["lesson03.q5", "lesson07.q1", "lesson07.q3"])
def test_a_crash_inside_the_learners_function_is_reported_as_their_exception_and_where(key):
    result = _exercise(key).evaluate(_crashing_answer)
    assert result.status == "incorrect"
    assert "your code raised ValueError: the learner's own bug" in result.message
    assert "in _crashing_answer, line" in result.message
    assert "Re-read the question" not in result.message


@pytest.mark.parametrize("key", ["lesson03.q5", "lesson03.q7", "lesson07.q1", "lesson07.q3"])
def test_no_crash_of_a_learners_function_is_called_a_type_problem(key):
    result = _exercise(key).evaluate(_crashing_answer)
    assert result.status == "incorrect"
    assert "raised ValueError: the learner's own bug" in result.message
    assert "could not check an answer of type" not in result.message


def test_an_answer_of_the_wrong_form_is_not_blamed_on_the_learners_code():
    result = _exercise("lesson03.q5").evaluate("not a function")
    assert result.status == "incorrect" and "your code raised" not in result.message
