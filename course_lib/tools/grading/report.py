"""Reports of a graded class: ``grades.csv``, the printed summary and the offline ``grades.html``.

Part of :mod:`course_lib.tools.grading`.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

import csv
import html
import io
import time
from collections import Counter
from pathlib import Path


from ..._util import write_atomic
from .results import EXERCISE_STATUSES, STATUSES, Submission, exercise_order

__all__ = ["summarize", "write_csv", "write_html"]


# ---- reports -------------------------------------------------------------------------------------------
def _all_exercises(rows) -> list[str]:
    return sorted({name for row in rows for name in row.answers}, key=exercise_order)


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
    write_atomic(Path(path), buffer.getvalue().encode("utf-8"))
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

        >>> from course_lib.tools.grading import Answer, Submission
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
    write_atomic(Path(path), "".join(parts).encode("utf-8"))
    return Path(path)


