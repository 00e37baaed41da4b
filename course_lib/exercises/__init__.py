"""Exercises with instant feedback: ``ex.q1.check(answer)``, ``ex.q1.hint()``, ``ex.q1.solution()``.

Each lesson has a module here (``lesson01.py`` ...) that defines its questions as
:class:`Exercise` objects. In a notebook::

    from course_lib.exercises import lesson01 as ex
    ex.q1.check(answer)    # ✓, or what is wrong (never the answer itself)
    ex.q1.hint()           # the first hint; ex.q1.hint(2) the second
    ex.q1.solution()       # the reference solution and why it is right

A check function receives the learner's answer and either returns (correct) or
raises :class:`Incorrect` with a message that says what is wrong. The helpers below
(:func:`expect_tensor`, :func:`expect_int` ...) produce those messages.

Introduced in notebooks/00_start_here.ipynb.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import torch

from .._util import Markdown, is_int, show

__all__ = [
    "Exercise",
    "Incorrect",
    "Result",
    "as_int_set",
    "as_number",
    "expect_close",
    "expect_int",
    "expect_int_set",
    "expect_shape",
    "expect_tensor",
    "expect_type",
]


class Incorrect(Exception):
    """Raised by a check function: the answer is wrong, and the message says how."""


@dataclass(frozen=True)
class Result:
    """The outcome of a check: ``bool(result)`` is whether it was correct.

    ``status`` is ``"correct"``, ``"incorrect"`` or ``"unanswered"``.
    """

    name: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    # label, the JupyterLab theme variable of its colour, and the colours outside JupyterLab
    _STYLE = {
        "correct": ("✓ Correct", "--jp-success-color1", "#1b7f3b", "#e8f5ec"),
        "incorrect": ("✗ Not yet", "--jp-error-color1", "#b3261e", "#fdecea"),
        "unanswered": ("… Not answered", "--jp-content-font-color2", "#5f6368", "#f1f3f4"),
    }

    def __repr__(self) -> str:
        label = self._STYLE[self.status][0]
        return f"{label} ({self.name}): {self.message}" if self.message else f"{label} ({self.name})"

    def _repr_html_(self) -> str:
        """A box in JupyterLab's theme colours, so it reads in the light and the dark theme alike:
        text in the theme's text colour, a background tinted by the status colour over the theme's
        background. Outside JupyterLab (GitHub, the static site) the fallbacks give the light look."""
        label, var, fg, bg = self._STYLE[self.status]
        accent, text = f"var({var}, {fg})", "var(--jp-content-font-color1, #202124)"
        box = (f"border-left:4px solid {accent};padding:6px 10px;color:{text};background:{bg};"
               f"background:color-mix(in srgb, {accent} 14%, var(--jp-layout-color1, #fff))")
        body = f": {html.escape(self.message)}" if self.message else ""
        return (
            f'<div class="course-result course-result-{self.status}" style="{box}">'
            f'<b style="color:{fg};color:color-mix(in srgb, {accent} 70%, {text})">{label}</b> '
            f"({html.escape(self.name)}){body}</div>"
        )


class Exercise:
    """One question with a check, hints and a reference solution.

    Args:
        name (str): how the lesson refers to it, e.g. ``"q1"``.
        question (str): the task in one or two sentences (Markdown).
        check (callable): ``check(answer)`` returns if the answer is right and raises
            :class:`Incorrect` with an explanation otherwise.
        hints (sequence of str): from gentle to specific (Markdown).
        solution (str): Python code that leaves the right value in ``answer``. The
            notebook's solution cell holds exactly this code (a test keeps them equal).
        explanation (str, optional): why the solution is right. Default: ``""``.
        inputs (callable, optional): returns a dict of the tensors the question is about.
            The notebook binds them as ``qN = ex.qN.inputs()`` and the solution reads
            ``qN.ids``, so a lesson's own variables are never overwritten. Default: none.

    Grading: while the environment variable ``COURSE_GRADING_LOG`` names a file (the grader,
    ``python -m course_lib grade``, sets it for the kernel that runs a submission), every
    :meth:`check` appends one JSON line ``{"event": "check", "lesson": "lesson01", "exercise":
    "q1", "status": ..., "message": ..., "solution_shown_before": ...}`` to it and every
    :meth:`solution` one ``{"event": "solution", ..., "shown": ...}`` line. Without the variable
    nothing is written and nothing changes. :meth:`hide_solutions` makes :meth:`solution` show a
    note instead of the answer (graded student copies call it); it is a courtesy a determined
    learner can undo, which is why the grader records every solution request anyway.

    Examples::

        >>> from course_lib.exercises import Exercise, expect_int
        >>> q = Exercise("q0", "How many numbers in a 10 x 3 table?",
        ...              check=lambda a: expect_int(a, 30, what="the count"),
        ...              hints=["rows times columns"], solution="answer = 10 * 3")
        >>> q.evaluate(30)
        ✓ Correct (q0): 30 is right.
        >>> q.evaluate(13)
        ✗ Not yet (q0): the count is 13, which is too small.
        >>> q.evaluate(...)
        … Not answered (q0): replace ... with your answer, then run the cell again.

    Introduced in notebooks/00_start_here.ipynb.
    """

    def __init__(self, name: str, question: str, check: Callable[[Any], None], hints: Sequence[str] = (),
                 solution: str = "", explanation: str = "", inputs: Callable[[], dict] | None = None):
        self.name, self.question = name, question
        self.check_fn, self.hints = check, tuple(hints)
        self.solution_code, self.explanation = solution.strip(), explanation
        self.inputs_fn = inputs
        self._solution_shown = False  # for the grading log: was the solution displayed before a check?

    # -- for the learner -------------------------------------------------------
    def inputs(self) -> SimpleNamespace:
        """A fresh copy of the inputs the question is about, as attributes (``q2.ids``)."""
        return SimpleNamespace(**({} if self.inputs_fn is None else self.inputs_fn()))

    def evaluate(self, answer: Any) -> Result:
        """Check ``answer`` and return the :class:`Result` (without displaying it)."""
        if answer is Ellipsis:
            return Result(self.name, "unanswered", "replace ... with your answer, then run the cell again.")
        try:
            self.check_fn(answer)
        except Incorrect as wrong:
            return Result(self.name, "incorrect", str(wrong))
        except Exception as err:  # a learner's odd answer, or their function crashing, must not crash the check
            where = _learner_frame(err.__traceback__)
            if where is not None:  # the learner's own code raised: say so, and where
                return Result(self.name, "incorrect",
                              f"your code raised {type(err).__name__}: {_excerpt(err)} ({where}). "
                              "Fix that, then run the cell again.")
            return Result(
                self.name,
                "incorrect",
                f"could not check an answer of type {type(answer).__name__} "
                f"({type(err).__name__}: {_excerpt(err)}). Re-read the question for the expected form.",
            )
        return Result(self.name, "correct", _praise(answer))

    def check(self, answer: Any) -> None:
        """Check ``answer`` and show the verdict under the cell (and log it while grading)."""
        result = self.evaluate(answer)
        self._record("check", status=result.status, message=result.message)
        show(result)

    def hint(self, n: int = 1) -> None:
        """Show hint number ``n`` (1 = the gentlest)."""
        if not self.hints:
            text = f"There is no hint for {self.name}; `ex.{self.name}.solution()` shows the answer."
        elif not is_int(n) or not 1 <= n <= len(self.hints):
            text = (f"{self.name} has {len(self.hints)} hint(s): use `ex.{self.name}.hint(k)` "
                    f"with k from 1 to {len(self.hints)}; got {n!r}.")
        else:
            more = (f" (`ex.{self.name}.hint({n + 1})` says more)" if n < len(self.hints) else "")
            text = f"**Hint {n} of {len(self.hints)}:** {self.hints[n - 1]}{more}"
        show(Markdown(text))

    def solution(self) -> None:
        """Show the reference solution and its explanation (a note instead after :meth:`hide_solutions`)."""
        hidden = Exercise._solutions_hidden
        self._record("solution", shown=not hidden)
        if hidden:
            show(Markdown(f"The solution to {self.name} is hidden in this graded copy; "
                          f"`ex.{self.name}.hint()` still helps."))
            return
        self._solution_shown = True
        text = f"**Solution to {self.name}:**\n\n```python\n{self.solution_code}\n```"
        if self.explanation:
            text += f"\n\n{self.explanation}"
        show(Markdown(text))

    # -- for the grader (course_lib.tools.grading) -----------------------------------
    #: The environment variable that names the grading log (see "Grading" above).
    GRADING_LOG_ENV = "COURSE_GRADING_LOG"
    _solutions_hidden = False

    @classmethod
    def hide_solutions(cls, hidden: bool = True) -> None:
        """Make every exercise's :meth:`solution` show a note instead of the answer (``hidden=False`` undoes it).

        A graded student copy calls it in its exercise import cell. Requests are still logged while
        grading, with ``"shown": false``.

        Examples::

            >>> from course_lib.exercises import Exercise
            >>> q = Exercise("q0", "10 x 3?", check=lambda a: None, solution="answer = 10 * 3")
            >>> Exercise.hide_solutions()
            >>> q.solution()
            The solution to q0 is hidden in this graded copy; `ex.q0.hint()` still helps.
            >>> Exercise.hide_solutions(False)
            >>> q.solution()
            **Solution to q0:**
            <BLANKLINE>
            ```python
            answer = 10 * 3
            ```
        """
        if not isinstance(hidden, bool):
            raise TypeError(f"hidden must be True or False; got {hidden!r}")
        cls._solutions_hidden = hidden

    def _lesson(self) -> str | None:
        """The lesson module (``"lesson01"``) that exposes this exercise, or ``None``."""
        import sys

        for module_name, module in list(sys.modules.items()):
            prefix, _, lesson = module_name.rpartition(".")
            if prefix == __name__ and lesson.startswith("lesson") and getattr(module, self.name, None) is self:
                return lesson
        return None

    def _record(self, event: str, **fields: Any) -> None:
        """Append one JSON line to the grading log, when ``COURSE_GRADING_LOG`` names one."""
        import os

        path = os.environ.get(self.GRADING_LOG_ENV)
        if not path:
            return
        import json

        line = {"event": event, "lesson": self._lesson(), "exercise": self.name, **fields,
                "solution_shown_before": self._solution_shown}
        try:
            with open(path, "a", encoding="utf-8") as log:  # one append per line, flushed on close
                log.write(json.dumps(line) + "\n")
        except OSError as err:  # grading must never break a learner's check
            import warnings

            warnings.warn(f"{self.GRADING_LOG_ENV}={path!r} cannot be written ({err}); this check is not logged",
                          RuntimeWarning, stacklevel=3)

    def __repr__(self) -> str:
        return f"{self.name}: {self.question}"

    def _repr_markdown_(self) -> str:
        return f"**{self.name}.** {self.question}"


def _praise(answer: Any) -> str:
    if isinstance(answer, torch.Tensor):
        return f"your tensor of shape {tuple(answer.shape)} matches."
    if isinstance(answer, (int, float, str, bool)):
        return f"{answer!r} is right."
    return "that is right."


# -- helpers that check answers and explain what is wrong ----------------------
def _kind(x: Any) -> str:
    if isinstance(x, torch.Tensor):
        return f"a tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    name = type(x).__name__
    return f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name}"


def expect_type(answer: Any, types: type | tuple[type, ...], example: str) -> None:
    """Raise :class:`Incorrect` unless ``answer`` is an instance of ``types``."""
    if isinstance(answer, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise Incorrect(f"expected {example}; got a bool.")
    if not isinstance(answer, types):
        raise Incorrect(f"expected {example}; got {_kind(answer)}.")


def expect_int(answer: Any, expected: int, *, what: str = "your answer",
               mistakes: Mapping[int, str] | None = None) -> None:
    """Check a whole number; say whether a wrong one is too small or too large.

    ``mistakes`` maps known wrong numbers to what each one gets wrong; such an answer gets that
    message instead of "too small" / "too large".
    """
    import numbers

    if isinstance(answer, torch.Tensor) and answer.numel() == 1 and not answer.is_floating_point():
        answer = int(answer.item())
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    if isinstance(answer, numbers.Integral) and not isinstance(answer, bool):
        answer = int(answer)                                   # a NumPy integer, e.g. np.prod((10, 3))
    expect_type(answer, int, "a whole number (int)")
    if mistakes and answer != expected and answer in mistakes:
        raise Incorrect(mistakes[answer])
    if answer != expected:
        direction = "too small" if answer < expected else "too large"
        raise Incorrect(f"{what} is {answer}, which is {direction}.")


def as_number(x: Any) -> Any:
    """A one-element tensor, a NumPy scalar or a Python number as an ``int`` or a ``float``; anything
    else unchanged, for the check to judge (``bool`` stays ``bool``).

    Examples::

        >>> import numpy as np
        >>> as_number(torch.tensor([3])), as_number(np.float32(0.5)), as_number(True), as_number("7")
        (3, 0.5, True, '7')
    """
    import numbers

    if isinstance(x, torch.Tensor) and x.numel() == 1:
        x = x.item()
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    return x


def as_int_set(answer: Any, *, what: str = "your set", num_rows: int | None = None) -> set[int]:
    """A set, list, tuple, keys view, range, tensor or NumPy array of ids as a set of ints;
    :class:`Incorrect` for anything else. With ``num_rows``, a True/False tensor of shape
    ``(num_rows,)`` stands for the rows it marks (``(before != after).any(1)``).

    Examples::

        >>> as_int_set({3: "a", 1: "b"}.keys()), as_int_set(torch.tensor([False, True, True]), num_rows=3)
        ({1, 3}, {1, 2})
    """
    from collections.abc import Set

    if (num_rows is not None and isinstance(answer, torch.Tensor) and answer.dtype == torch.bool
            and answer.shape == (num_rows,)):
        answer = answer.nonzero().flatten()                    # a mask of rows, as their ids
    if isinstance(answer, torch.Tensor) or type(answer).__module__ == "numpy":
        answer = answer.flatten().tolist() if isinstance(answer, torch.Tensor) else answer.tolist()
    if isinstance(answer, (Set, range)) and not isinstance(answer, (set, frozenset)):
        answer = list(answer)
    expect_type(answer, (set, frozenset, list, tuple), "a set of ids, e.g. {1, 2}")
    try:
        return {int(a) for a in answer}
    except (TypeError, ValueError):
        raise Incorrect(f"{what} should contain whole-number ids only.") from None


def expect_int_set(answer: Any, expected: set[int], *, what: str = "your set") -> None:
    """Check a collection of ids (order and repeats ignored); name what is missing or extra by count."""
    got = as_int_set(answer, what=what)
    missing, extra = expected - got, got - expected
    if missing or extra:
        parts = []
        if extra:
            parts.append(f"{len(extra)} of your values should not be there")
        if missing:
            parts.append(f"{len(missing)} value(s) are missing")
        raise Incorrect(f"{what}: " + " and ".join(parts) + ".")


def expect_shape(answer: Any, expected: tuple[int, ...], *, what: str = "your shape") -> None:
    """Check a shape given as a tuple, a list or a ``torch.Size``."""
    expect_type(answer, (tuple, list, torch.Size), "a shape such as (2, 3)")
    got = tuple(answer)
    if not all(is_int(d) for d in got):
        raise Incorrect(f"{what} should contain whole numbers only; got {got}.")
    if len(got) != len(expected):
        raise Incorrect(f"{what} has {len(got)} dimension(s); the right shape has {len(expected)}.")
    if got != tuple(expected) and sorted(got) == sorted(expected):
        raise Incorrect(f"{what} {got} has the right sizes in the wrong order.")
    if got != tuple(expected):
        wrong = [i for i, (g, e) in enumerate(zip(got, expected)) if g != e]
        raise Incorrect(f"{what} {got} has the right number of dimensions, but dimension(s) {wrong} differ.")


def expect_tensor(answer: Any, shape: tuple[int, ...] | None = None, *, what: str = "your tensor",
                  integer: bool | None = None) -> torch.Tensor:
    """Check that ``answer`` is a tensor (of ``shape``; integer or floating if asked); return it."""
    expect_type(answer, torch.Tensor, "a torch.Tensor")
    if shape is not None and tuple(answer.shape) != tuple(shape):
        raise Incorrect(f"{what} has shape {tuple(answer.shape)}; it should have shape {tuple(shape)}.")
    if integer is True and answer.is_floating_point():
        raise Incorrect(f"{what} holds floats ({answer.dtype}); it should hold integer ids (torch.long).")
    if integer is False and not answer.is_floating_point():
        raise Incorrect(f"{what} holds integers ({answer.dtype}); it should hold floats.")
    return answer


def expect_close(answer: Any, expected: torch.Tensor, *, what: str = "your tensor",
                 atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Check a tensor against the expected one: shape first, then values, saying where they differ."""
    answer = expect_tensor(answer, tuple(expected.shape), what=what)
    got = answer.detach().to("cpu", torch.float64)
    exp = expected.detach().to("cpu", torch.float64)
    bad = ~torch.isclose(got, exp, atol=atol, rtol=rtol)
    if bad.any():
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise Incorrect(
            f"{what} has the right shape, but {int(bad.sum())} of its {bad.numel()} values differ "
            f"(the first at index {first})."
        )


def _excerpt(err: BaseException, limit: int = 200) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else "(no message)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _learner_frame(tb) -> str | None:
    """Where in the learner's code a traceback passed last, as ``"in NAME, line N"``; None when it
    never left ``course_lib``, the standard library or installed packages (the answer was odd, not broken)."""
    import sys
    from pathlib import Path

    ours = Path(__file__).resolve().parents[1]
    installed = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    where = None
    while tb is not None:
        code = tb.tb_frame.f_code
        path = Path(code.co_filename)
        builtin = code.co_filename.startswith("<frozen") or code.co_filename.startswith("<string>")
        try:
            resolved = path.resolve()
        except OSError:
            resolved = path
        outside = not builtin and ours not in resolved.parents and not any(p in resolved.parents for p in installed)
        if outside:
            name = "your cell" if code.co_name == "<module>" else f"in {code.co_name}"
            where = f"{name}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return where
