"""What grading records: a submission's :class:`Submission` row and each exercise's :class:`Answer`.

Part of :mod:`course_lib.tools.grading`.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


__all__ = ["DEFAULT_TIMEOUT", "EXERCISE_STATUSES", "GRADING_LOG_ENV", "STATUSES", "Answer", "Submission",
           "exercise_order"]

#: Seconds a submission may run (kernel start included) before it is stopped as a ``timeout``.
#: Every lesson runs in under 45 s on a 2-core CPU; the margin covers a busy machine.
DEFAULT_TIMEOUT = 180.0
#: A submission's ``status``: run to the end, stopped at the time limit, kernel died, not gradable.
STATUSES = ("ok", "timeout", "error", "invalid")
#: An exercise's status in a submission.
EXERCISE_STATUSES = ("correct", "incorrect", "unanswered", "not reached")
#: The environment variable :class:`course_lib.exercises.Exercise` logs to (``Exercise.GRADING_LOG_ENV``).
GRADING_LOG_ENV = "COURSE_GRADING_LOG"



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


def exercise_order(name: str):
    """Sort key: ``q1, q2, ..., q10`` in numeric order, other names after them."""
    match = re.fullmatch(r"q(\d+)", name)
    return (0, int(match.group(1)), name) if match else (1, 0, name)
