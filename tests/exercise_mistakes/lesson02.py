"""Plausible wrong answers to lesson 02's exercises."""
import torch

ALL_OPTIMIZERS = {"SGD", "SGD(momentum=0.9)", "SGD(weight_decay=0.01)", "Adagrad", "Adam", "AdamW", "SparseAdam"}

WRONG = {
    "lesson02.q1": ["sum", "per_id", "once", "once_sum", "output_shape", "counts_int", "transposed", "row2"],
    "lesson02.q2": [{0, 1, 2, 5}, {1, 5}, {1, 2}, {1, 2, 5, 7}, set(range(8)), {5}, [1.5, 2]],
    "lesson02.q3": [{6}, {1, 2}, {1, 2, 6, 7}, set(range(8)), {1, 6}, set()],
    "lesson02.q4": ["no_scale", "per_sentence", "padding_counted", "counts_int", "first_column_only",
                    torch.ones(6, 2)],
    "lesson02.q5": ["assign", "transposed", "dense_autograd_of_sum", "ignores_grad_output", "result_not_function"],
    "lesson02.q6": [{"SGD", "SGD(momentum=0.9)", "Adagrad", "SparseAdam", "Adam"}, {"SparseAdam"},
                    {"SGD", "SparseAdam"},
                    {"SGD", "SGD(momentum=0.9)", "Adagrad", "SparseAdam", "SGD(weight_decay=0.01)"},
                    {"SGD", "SGD(momentum=0.9)", "SparseAdam"}, {"sgd"}, ALL_OPTIMIZERS, "SparseAdam"],
}


def make(key, spec, inputs):
    """A named mistake, made from the exercise's own inputs."""
    if key == "lesson02.q6":  # the answers are strings themselves
        return spec
    if key == "lesson02.q1":
        counts = torch.bincount(inputs.ids.flatten(), minlength=5)
        once = (counts > 0).float()
        column = {"sum": counts.float(), "per_id": counts / 6, "once": once / 12, "once_sum": once,
                  "counts_int": counts, "transposed": None, "output_shape": None,
                  "row2": counts / 12 + torch.tensor([0, 0, 1 / 12, 0, 0])}[spec]
        if spec == "output_shape":
            return torch.full((2, 3, 2), 1 / 12)
        if spec == "transposed":
            return (counts / 12).unsqueeze(0).expand(2, 5)
        return column.unsqueeze(1).expand(5, 2)
    if key == "lesson02.q4":
        rows = {"no_scale": [0, 0, 0, 4, 0, 1], "per_sentence": [0, 0, 0, 2, 0, 1],
                "padding_counted": [1, 0, 0, 1, 0, 1], "counts_int": None, "first_column_only": None}[spec]
        if spec == "counts_int":
            return torch.tensor([[0, 0], [0, 0], [0, 0], [1, 1], [0, 0], [1, 1]])
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

        return {"assign": assign, "transposed": transposed, "dense_autograd_of_sum": dense_autograd_of_sum,
                "ignores_grad_output": ignores_grad_output,
                "result_not_function": torch.zeros(5, 3)}[spec]
    raise KeyError(spec)
