"""Plausible wrong answers to lesson 00's exercises."""
WRONG = {
    "lesson00.q1": [13, 3, 10, 31],
}
