"""Plausible wrong answers to lesson 00's exercise, and right answers written other ways (``RIGHT``)."""
import numpy as np
import torch

WRONG = {
    # 10 + 3, one dimension only, and 31 (off by one); a tensor that holds the wrong count
    "lesson00.q1": [13, 3, 10, 31, torch.tensor(13), 30.5],
}

# Right answers written another plausible way: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson00.q1": [30, 30.0, torch.tensor(30), np.int64(30), np.prod((10, 3)),
                    torch.nn.Embedding(10, 3).weight.numel()],
}
