"""Plausible wrong answers to lesson 02's exercises, and right answers written other ways (``RIGHT``)."""
import numpy as np
import torch

ALL_OPTIMIZERS = {"SGD", "SGD(momentum=0.9)", "SGD(weight_decay=0.01)", "Adagrad", "Adam", "AdamW", "SparseAdam"}

WRONG = {
    # rows_shuffled: the right values (1/12, 3/12, 0) in the wrong rows: right range, wrong distribution
    "lesson02.q1": ["sum", "per_id", "once", "once_sum", "output_shape", "counts_int", "transposed", "row2",
                    "rows_shuffled"],
    "lesson02.q2": [{0, 1, 2, 5}, {1, 5}, {1, 2}, {1, 2, 5, 7}, set(range(8)), {5}, [1.5, 2],
                    torch.tensor([False, True, True, False, False, True, False, False]).roll(1)],
    "lesson02.q3": [{6}, {1, 2}, {1, 2, 6, 7}, set(range(8)), {1, 6}, set()],
    # rows_shifted: the two ones in the wrong rows
    "lesson02.q4": ["no_scale", "per_sentence", "padding_counted", "first_column_only", "rows_shifted",
                    torch.ones(6, 2)],
    # fixed_D: D = 3 written in (the check also tries D = 4); rows_from_max_id: V read from ids.max() + 1
    "lesson02.q5": ["assign", "transposed", "dense_autograd_of_sum", "ignores_grad_output", "result_not_function",
                    "fixed_D", "rows_from_max_id"],
    "lesson02.q6": [{"SGD", "SGD(momentum=0.9)", "Adagrad", "SparseAdam", "Adam"}, {"SparseAdam"},
                    {"SGD", "SparseAdam"},
                    {"SGD", "SGD(momentum=0.9)", "Adagrad", "SparseAdam", "SGD(weight_decay=0.01)"},
                    {"SGD", "SGD(momentum=0.9)", "SparseAdam"}, {"sgd"}, ALL_OPTIMIZERS, "SparseAdam"],
}

# Right answers written another plausible way: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson02.q1": ["float64", "by_autograd", "by_index_add"],
    "lesson02.q2": [[1, 2, 5], (5, 2, 1), torch.tensor([1, 2, 5]), np.array([1, 2, 5]), frozenset({1, 2, 5}),
                    "moved_mask", "moved_nonzero"],
    "lesson02.q3": [[6, 1, 2], torch.tensor([1, 2, 6]), "moved_mask"],
    "lesson02.q4": ["int_values", "by_autograd", "float64"],
    "lesson02.q5": ["index_put_accumulate", "one_hot_matmul", "loop"],
    "lesson02.q6": [["SGD", "SGD(momentum=0.9)", "Adagrad", "SparseAdam"],
                    ("SparseAdam", "Adagrad", "SGD(momentum=0.9)", "SGD"),
                    frozenset({" SGD", "SGD(momentum=0.9)", "Adagrad", "SparseAdam "})],
}


def _rows_moved(optimizer_kwargs, batches, padding_idx=None):
    """Run the question's steps; the rows the last step moved, as a True/False mask over the 8 rows."""
    torch.manual_seed(0)
    emb = torch.nn.Embedding(8, 3, padding_idx=padding_idx)
    opt = torch.optim.SGD(emb.parameters(), lr=0.1, **optimizer_kwargs)
    for ids in batches:
        before = emb.weight.detach().clone()
        opt.zero_grad()
        emb(torch.tensor(ids)).pow(2).sum().backward()
        opt.step()
    return (emb.weight.detach() != before).any(dim=1)


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson02.q6":  # the answers are strings themselves
        return spec
    if key in ("lesson02.q2", "lesson02.q3"):
        moved = (_rows_moved({}, [[[1, 5, 5], [2, 0, 0]]], padding_idx=0) if key == "lesson02.q2"
                 else _rows_moved({"momentum": 0.9}, [[1, 2], [6]]))
        return {"moved_mask": moved, "moved_nonzero": moved.nonzero()}[spec]
    if key == "lesson02.q1" and spec in ("float64", "by_autograd", "by_index_add"):
        ids = inputs.ids
        if spec == "by_autograd":
            emb = torch.nn.Embedding(5, 2)
            emb(ids).mean().backward()
            return emb.weight.grad
        if spec == "by_index_add":
            return torch.zeros(5, 2).index_add_(0, ids.flatten(), torch.full((6, 2), 1 / 12))
        return torch.bincount(ids.flatten(), minlength=5).double().div(12).unsqueeze(1).expand(5, 2)
    if key == "lesson02.q4" and spec in ("int_values", "by_autograd", "float64"):
        if spec == "by_autograd":
            emb = torch.nn.Embedding(6, 2, padding_idx=0, scale_grad_by_freq=True)
            emb(inputs.ids).sum().backward()
            return emb.weight.grad
        rows = torch.tensor([[0, 0], [0, 0], [0, 0], [1, 1], [0, 0], [1, 1]])
        return rows if spec == "int_values" else rows.double()
    if key == "lesson02.q1":
        counts = torch.bincount(inputs.ids.flatten(), minlength=5)
        once = (counts > 0).float()
        column = {"sum": counts.float(), "per_id": counts / 6, "once": once / 12, "once_sum": once,
                  "counts_int": counts, "transposed": None, "output_shape": None,
                  "row2": counts / 12 + torch.tensor([0, 0, 1 / 12, 0, 0]),
                  "rows_shuffled": counts.flip(0) / 12}[spec]
        if spec == "output_shape":
            return torch.full((2, 3, 2), 1 / 12)
        if spec == "transposed":
            return (counts / 12).unsqueeze(0).expand(2, 5)
        return column.unsqueeze(1).expand(5, 2)
    if key == "lesson02.q4":
        rows = {"no_scale": [0, 0, 0, 4, 0, 1], "per_sentence": [0, 0, 0, 2, 0, 1],
                "padding_counted": [1, 0, 0, 1, 0, 1], "rows_shifted": [0, 0, 1, 0, 1, 0],
                "first_column_only": None}[spec]
        if spec == "first_column_only":
            return torch.tensor([[0.0, 0], [0, 0], [0, 0], [1, 0], [0, 0], [1, 0]])
        return torch.tensor(rows, dtype=torch.float32).unsqueeze(1).expand(6, 2)
    if key == "lesson02.q5":
        def assign(ids, grad_output, num_embeddings):
            grad = torch.zeros(num_embeddings, grad_output.shape[-1])
            grad[ids.flatten()] = grad_output.reshape(-1, grad_output.shape[-1])
            return grad

        def transposed(ids, grad_output, num_embeddings):
            D = grad_output.shape[-1]
            return torch.zeros(num_embeddings, D).index_add_(0, ids.flatten(), grad_output.reshape(-1, D)).T

        def dense_autograd_of_sum(ids, grad_output, num_embeddings):  # the gradient of .sum(), not of grad_output
            weight = torch.zeros(num_embeddings, grad_output.shape[-1], requires_grad=True)
            torch.nn.functional.embedding(ids, weight).sum().backward()
            return weight.grad

        def ignores_grad_output(ids, grad_output, num_embeddings):
            counts = torch.bincount(ids.flatten(), minlength=num_embeddings).float()
            return counts.unsqueeze(1).expand(num_embeddings, grad_output.shape[-1]).clone()

        def fixed_D(ids, grad_output, num_embeddings):
            return torch.zeros(num_embeddings, 3).index_add_(0, ids.flatten(), grad_output.reshape(-1, 3))

        def rows_from_max_id(ids, grad_output, num_embeddings):
            D = grad_output.shape[-1]
            return torch.zeros(int(ids.max()) + 1, D).index_add_(0, ids.flatten(), grad_output.reshape(-1, D))

        def index_put_accumulate(ids, grad_output, num_embeddings):
            D = grad_output.shape[-1]
            return torch.zeros(num_embeddings, D).index_put_((ids.flatten(),), grad_output.reshape(-1, D),
                                                             accumulate=True)

        def one_hot_matmul(ids, grad_output, num_embeddings):
            one_hot = torch.nn.functional.one_hot(ids.flatten(), num_embeddings).to(grad_output.dtype)  # (N, V)
            return one_hot.T @ grad_output.reshape(-1, grad_output.shape[-1])                           # (V, D)

        def loop(ids, grad_output, num_embeddings):
            grad = torch.zeros(num_embeddings, grad_output.shape[-1])
            for i, g in zip(ids.flatten().tolist(), grad_output.reshape(-1, grad_output.shape[-1])):
                grad[i] += g
            return grad

        return {"assign": assign, "transposed": transposed, "dense_autograd_of_sum": dense_autograd_of_sum,
                "ignores_grad_output": ignores_grad_output, "result_not_function": torch.zeros(5, 3),
                "fixed_D": fixed_D, "rows_from_max_id": rows_from_max_id,
                "index_put_accumulate": index_put_accumulate, "one_hot_matmul": one_hot_matmul, "loop": loop}[spec]
    raise KeyError(spec)
