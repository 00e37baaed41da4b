"""Exercises of notebooks/08_embeddings_at_scale.ipynb."""
from __future__ import annotations

import math

import torch

from ..hashing import expected_collisions
from . import Exercise, Incorrect, as_number, expect_int, expect_tensor, expect_type
from .._util import is_int, is_number

__all__ = ["q1", "q2", "q3", "q4", "q5"]

_V, _D = 20_000_000, 64


def _check_bytes(answer, expected: int, mistakes: dict[int, str]) -> None:
    answer = as_number(answer)
    if isinstance(answer, float) and answer < 1e6:
        raise Incorrect("answer in bytes, as a whole number; this looks like GiB or GB.")
    if is_number(answer):
        for wrong, message in mistakes.items():
            if abs(answer - wrong) <= 8:
                raise Incorrect(message)
    expect_int(answer, expected, what="your number of bytes")


_BUDGET = 16 * 2**30  # 16 GiB


def _check_q1(answer) -> None:
    answer = as_number(answer)
    if isinstance(answer, float) and not answer.is_integer():
        raise Incorrect("a table has a whole number of rows: round down.")
    per_row = {"table only": _BUDGET // (128 * 4), "table and gradient": _BUDGET // (128 * 4 * 2),
               "one moment": _BUDGET // (128 * 4 * 3), "decimal": 16 * 10**9 // (128 * 16),
               "bits": _BUDGET // (128 * 16 * 8), "bf16": _BUDGET // (128 * 2 * 4)}
    messages = {"table only": "that many rows fill the 16 GiB with the table alone; training also keeps its "
                              "gradient and Adam's state.",
                "table and gradient": "you left room for the table and its gradient; Adam keeps more.",
                "one moment": "Adam keeps two running averages per number (exp_avg and exp_avg_sq), not one.",
                "decimal": "16 GiB is 16 x 2**30 bytes, not 16 x 10**9.",
                "bits": "you divided by bits; the sizes here are in bytes.",
                "bf16": "a float32 number takes 4 bytes; 2 is bfloat16's size."}
    expect_int(answer, _BUDGET // (128 * 4 * 4), what="your number of rows",
               mistakes={wrong: messages[key] for key, wrong in per_row.items()})


q1 = Exercise(
    "q1",
    "A GPU has 16 GiB free for one table of `embedding_dim=128`, in float32, trained with Adam and a dense "
    "gradient. What is the largest number of rows V that fits? (Ignore Adam's 4-byte step counter and everything "
    "else on the GPU; answer with a whole number.)",
    check=_check_q1,
    hints=[
        "Count the bytes per row first: which `(V, D)` tensors exist after `optimizer.step()`, and how many bytes "
        "does each take per row?",
        "Per row: 128 numbers x 4 bytes x (table + gradient + two Adam moments). 16 GiB is 16 x 2**30 bytes.",
    ],
    solution="answer = 16 * 2**30 // (128 * 4 * (1 + 1 + 2))   # table + gradient + exp_avg and exp_avg_sq",
    explanation="Each row costs 128 x 4 = 512 bytes four times over (table, gradient, two moments): 2 KiB. "
                "16 GiB / 2 KiB = 8,388,608 rows (2**23): a 16 GiB budget trains a table whose weights alone "
                "take only 4 GiB. `course_lib.memory.embedding_memory(2**23, 128)` confirms it.",
)

_Q2_MISTAKES = {
    2 * 4096 * _D * 4: "SparseAdam's moments are not sparse: only the gradient is. Look at the shape of "
                       "`optimizer.state[table.weight]['exp_avg']` in section 2.",
    4096 * _D * 4: "SparseAdam's moments are not sparse: only the gradient is.",
    _V * _D * 4: "SparseAdam keeps two running averages, like Adam.",
    0: "SparseAdam is an Adam: it keeps running averages.",
}

q2 = Exercise(
    "q2",
    f"A recommender's table of {_V:,} item ids x {_D} numbers, in float32, is trained with `sparse=True` and "
    "`SparseAdam` on batches of 4,096 lookups. How many bytes does **SparseAdam's state** take after a step?",
    check=lambda answer: _check_bytes(answer, 2 * _V * _D * 4, _Q2_MISTAKES),
    hints=[
        "Section 2 measured the optimizer's memory for both kinds of gradient.",
        "What shape do `exp_avg` and `exp_avg_sq` have? Do they depend on the batch?",
    ],
    solution="answer = 2 * 20_000_000 * 64 * 4   # exp_avg and exp_avg_sq are dense (V, D) tensors",
    explanation="SparseAdam updates only the rows in the batch, but its two moments are full `(V, D)` tensors: "
                "10.24 GB, as for Adam. A sparse gradient saves the gradient's memory and the time to touch "
                "every row, not the optimizer's state.",
)


_Q3_KEYS, _Q3_BUCKETS = 50_000, 2**16
_Q3_EXPECTED = expected_collisions(_Q3_KEYS, _Q3_BUCKETS)          # keys that land in a row already taken


def _q3_inputs() -> dict:
    return {"num_keys": _Q3_KEYS, "num_buckets": _Q3_BUCKETS}


def _check_q3(answer) -> None:
    n, m = _Q3_KEYS, _Q3_BUCKETS
    answer = as_number(answer)
    expect_type(answer, (int, float), "a number, e.g. 1234.5")
    expected = n - m * (1 - (1 - 1 / m) ** n)
    if math.isclose(answer, n * (1 - (1 - 1 / m) ** (n - 1)), rel_tol=0.01):
        raise Incorrect("that counts the keys that are not alone in their row (both keys of a shared row); the "
                        "question counts the keys that land where another key already is (every key of a row but "
                        "the first).")
    if abs(answer - n * n / (2 * m)) < 1:
        raise Incorrect("n^2 / 2m counts colliding *pairs* (and only approximately); the question counts keys "
                        "that land where another key already is.")
    if abs(answer - m * (1 - (1 - 1 / m) ** n)) < 1:
        raise Incorrect("that is the expected number of occupied rows; the question asks how many keys land in a "
                        "row that is already taken (keys minus occupied rows).")
    if 0 < answer < 1:
        raise Incorrect("that is a fraction of the keys; the question asks for a number of users.")
    if answer == 0:
        raise Incorrect("more rows than keys does not prevent collisions: two keys can hash to one row whatever m is.")
    if not math.isclose(answer, expected, rel_tol=0.01):
        raise Incorrect(f"{answer:,.0f} is not within 1% of the expected count; use the occupied-rows formula of "
                        "the hashing section.")


q3 = Exercise(
    "q3",
    "You hash `q3.num_keys` = 50,000 distinct user ids into `q3.num_buckets` = 2**16 rows with a good hash. How "
    "many users are expected to land in a row that another user already took? Answer with a number (within 1%).",
    check=_check_q3,
    inputs=_q3_inputs,
    hints=[
        "A given row stays empty with probability (1 - 1/m)^n.",
        "Keys minus occupied rows is the number of keys that share a row with an earlier key.",
    ],
    solution="answer = q3.num_keys - q3.num_buckets * (1 - (1 - 1 / q3.num_buckets) ** q3.num_keys)",
    explanation=f"About {_Q3_EXPECTED:,.0f} of the {_Q3_KEYS:,} users ({_Q3_EXPECTED / _Q3_KEYS:.0%}) land in a row "
                "that another user already took, although there are more rows than users: the birthday paradox at "
                "scale. Counted the other way, the users who are not alone in their row (the first of each shared "
                f"row too) are about {_Q3_KEYS * (1 - (1 - 1 / _Q3_BUCKETS) ** (_Q3_KEYS - 1)):,.0f}. "
                "`course_lib.hashing.expected_collisions` computes the first count.",
)


def _check_q4(answer) -> None:
    answer = as_number(answer)
    expect_type(answer, (int, float), "a number such as 2.0 ** -5")
    if answer <= 0:
        raise Incorrect("give a positive step to add to 1.0.")
    if answer == 7:
        raise Incorrect("7 is k; answer with the number itself, 2.0 ** -7.")
    if answer >= 1 and math.log2(answer).is_integer():
        raise Incorrect(f"{answer:g} is 2 ** {int(math.log2(answer))}; the question asks for a step 2.0 ** -k "
                        "smaller than 1 (its inverse).")
    if math.isclose(answer, 0.01):
        raise Incorrect("0.01 is what torch.finfo prints as `resolution` (a decimal approximation); the question "
                        "asks for a power of two.")
    k = -math.log2(answer)
    if not k.is_integer():
        raise Incorrect(f"{answer} is not a power of two.")
    hint = {8: "2**-8 is half of bfloat16's spacing at 1.0: 1 + 2**-8 is a tie, and ties round to even, back to "
               "1.0. Try it.",
            10: "2**-10 is float16's spacing at 1.0; bfloat16 keeps fewer mantissa bits.",
            23: "2**-23 is float32's spacing at 1.0; bfloat16 keeps 16 fewer mantissa bits."}
    if int(k) in hint:
        raise Incorrect(hint[int(k)])
    if k > 7:
        raise Incorrect(f"1.0 + 2**-{int(k)} rounds back to 1.0 in bfloat16; try larger steps.")
    if k < 7:
        raise Incorrect(f"2**-{int(k)} does change 1.0, but a smaller power of two does too.")


q4 = Exercise(
    "q4",
    "What is the smallest power of two `2.0 ** -k` that changes `torch.tensor(1.0, dtype=torch.bfloat16)` when "
    "added to it? Answer with the number.",
    check=_check_q4,
    hints=[
        "Try it: `torch.tensor(1.0, dtype=torch.bfloat16) + 2.0 ** -k` for k = 5, 6, 7, ...",
        "bfloat16 stores 7 mantissa bits; `torch.finfo(torch.bfloat16).eps` is the spacing of numbers at 1.0.",
    ],
    solution="answer = torch.finfo(torch.bfloat16).eps   # 2 ** -7 = 0.0078125",
    explanation="With 7 stored mantissa bits, the numbers next to 1.0 are 1 - 2**-8 and 1 + 2**-7. Adding "
                "2**-8 is a tie that rounds to even (1.0), so 2**-7 is the smallest power of two that survives. "
                "An SGD update of 0.001 to a weight near 1 vanishes.",
)


def _q5_inputs() -> dict:
    return {"ids": torch.tensor([[7, 2, 9], [3, 5, 0]])}


def _check_q5(answer) -> None:
    if isinstance(answer, (list, tuple)) and all(is_int(as_number(a)) for a in answer):
        answer = torch.tensor([as_number(a) for a in answer], dtype=torch.long)   # a list of ids is fine too
    answer = expect_tensor(answer, what="your ids", integer=True)
    got = answer.flatten().tolist()
    if answer.dim() != 1:
        raise Incorrect(f"give a flat, 1-D tensor of ids; yours has shape {tuple(answer.shape)}.")
    batch = _q5_inputs()["ids"].flatten().tolist()
    if set(got) & {5, 7, 9}:
        raise Incorrect("your tensor has ids of rank 1's own rows (5..9): those never leave the process.")
    stranger = [i for i in got if i not in batch]
    if stranger:
        raise Incorrect(f"id {stranger[0]} is not in rank 1's batch (q5.ids): rank 1 asks only for the ids it looks up.")
    if len(got) > len(set(got)):
        raise Incorrect("your tensor holds an id twice, but the batch holds each of these ids once.")
    if sorted(got) == [0, 2, 3] and got != [2, 3, 0]:
        raise Incorrect("the right ids, in the wrong order: keep the order of the batch.")
    if got != [2, 3, 0]:
        raise Incorrect("some ids of rank 0's rows (0..4) are missing.")


q5 = Exercise(
    "q5",
    "A 10-row table is sharded over 2 processes: rank 0 owns rows 0-4, rank 1 rows 5-9. Rank 1's batch is "
    "`q5.ids`. Which ids does rank 1 send to rank 0? Answer with a 1-D tensor, in the order of the batch "
    "(`q5 = ex.q5.inputs()`).",
    check=_check_q5,
    inputs=_q5_inputs,
    hints=[
        "A process asks the owner of each row for it; its own rows it looks up itself.",
        "Flatten the batch and keep the ids below 5.",
    ],
    solution="flat = q5.ids.flatten()\nanswer = flat[flat < 5]",
    explanation="Rank 1 asks rank 0 for rows 2, 3 and 0 and looks up 7, 9 and 5 itself. In backward, the "
                "gradients of those three rows travel the same way back to rank 0.",
)
