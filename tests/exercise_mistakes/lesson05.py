"""Plausible wrong answers to lesson 05's exercises."""
import torch

WRONG = {
    "lesson05.q1": [{4, 5}, {1, 4, 5}, {0, 4, 5}, {0, 1, 2, 3, 4, 5}, {0, 1, 5}, {0, 1, 4, 5, 6}, [0, 1],
                    torch.tensor([False, False, True, True, False, False]),   # the copied rows' mask: found, not ~found
                    torch.tensor([True, True, False, False, True]),           # a mask one row short
                    torch.tensor([[True, True, False, False, True, True]] * 2)],  # a mask per column, not per row
    "lesson05.q2": [(442 * 64 + 130, 442 * 64 + 130), (128, 442 * 64 + 128), (130, 442 * 64), (0, 442 * 64 + 130),
                    (130, 130), 130, (130.5, 28418.0), (28418, 130)],
}

# Right answers written other ways: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson05.q1": [{0, 1, 4, 5}, [0, 1, 4, 5], (5, 4, 1, 0), torch.tensor([0, 1, 4, 5]),
                    torch.tensor([[0], [1], [4], [5]]),                      # (weight == 0).all(1).nonzero()
                    torch.tensor([True, True, False, False, True, True])],   # the mask (weight == 0).all(dim=1)
    "lesson05.q2": [(130, 28418), [130, 28418], (130.0, 28418.0)],
}
