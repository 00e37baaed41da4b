"""Plausible wrong answers to lesson 05's exercises."""
import torch

WRONG = {
    "lesson05.q1": [{4, 5}, {1, 4, 5}, {0, 4, 5}, {0, 1, 2, 3, 4, 5}, {0, 1, 5}, {0, 1, 4, 5, 6}, [0, 1],
                    torch.tensor([False, False, True, True, False, False]),   # the copied rows' mask: found, not ~found
                    torch.tensor([True, True, False, False, True]),           # a mask one row short
                    torch.tensor([[True, True, False, False, True, True]] * 2)],  # a mask per column, not per row
    "lesson05.q2": [(442 * 64 + 130, 442 * 64 + 130), (128, 442 * 64 + 128), (130, 442 * 64), (0, 442 * 64 + 130),
                    (130, 130), 130, (130.5, 28418.0), (28418, 130),
                    (130, 441 * 64 + 130)],                  # the <pad> row left out of the fine-tuned count
    # last_column: outputs[:, -1], right shape, wrong values (the state after the pads);
    # first_word: right shape, wrong values; one_past: outputs[b, lengths] (lengths, not lengths - 1) raises
    # IndexError on a full-length sentence, and the check names the off-by-one;
    # all_pairs: outputs[:, lengths - 1], shape (B, B, H);
    # mean_over_words: a mean of the real words' states, right shape, no single state;
    # first_pad_argmin: the first pad found with argmin, wrong for sentences without pads;
    # a_list / numpy: the right states as the wrong object; called: the result, not the function
    "lesson05.q3": ["last_column", "first_word", "one_past", "all_pairs", "mean_over_words", "first_pad_argmin",
                    "a_list", "numpy", "called"],
}

# Right answers written other ways: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson05.q1": [{0, 1, 4, 5}, [0, 1, 4, 5], (5, 4, 1, 0), torch.tensor([0, 1, 4, 5]),
                    torch.tensor([[0], [1], [4], [5]]),                      # (weight == 0).all(1).nonzero()
                    torch.tensor([True, True, False, False, True, True])],   # the mask (weight == 0).all(dim=1)
    "lesson05.q2": [(130, 28418), [130, 28418], (130.0, 28418.0)],
    "lesson05.q3": ["gather", "loop_stack", "padded_initial_state", "ne_and_lambda"],
}


def _lengths(ids):
    return (ids != 0).sum(dim=1)


def make(key, spec, inputs):
    """A named mistake (or a right answer written another way), made from the exercise's own inputs."""
    if key != "lesson05.q3":
        return spec

    def last_column(outputs, ids):
        return outputs[:, -1]

    def first_word(outputs, ids):
        return outputs[:, 0]

    def one_past(outputs, ids):
        return outputs[torch.arange(len(ids)), _lengths(ids)]

    def all_pairs(outputs, ids):
        return outputs[:, _lengths(ids) - 1]

    def mean_over_words(outputs, ids):
        keep = (ids != 0).unsqueeze(-1)
        return (outputs * keep).sum(dim=1) / keep.sum(dim=1)

    def first_pad_argmin(outputs, ids):
        return outputs[torch.arange(len(ids)), ids.argmin(dim=1) - 1]

    def right(outputs, ids):
        return outputs[torch.arange(len(ids)), _lengths(ids) - 1]

    def a_list(outputs, ids):
        return list(right(outputs, ids))

    def numpy(outputs, ids):
        return right(outputs, ids).numpy()

    def gather(outputs, ids):
        index = (_lengths(ids) - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[-1])   # (B, 1, H)
        return outputs.gather(1, index).squeeze(1)

    def loop_stack(outputs, ids):
        return torch.stack([outputs[b, int((ids[b] != 0).sum()) - 1] for b in range(len(ids))])

    def padded_initial_state(outputs, ids):  # RecurrentClassifier's way: the zero state in front
        states = torch.nn.functional.pad(outputs, (0, 0, 1, 0))
        return states[torch.arange(len(ids)), _lengths(ids)]

    functions = {f.__name__: f for f in (last_column, first_word, one_past, all_pairs, mean_over_words,
                                         first_pad_argmin, a_list, numpy, gather, loop_stack, padded_initial_state)}
    if spec == "called":
        return right(inputs.outputs, inputs.ids)
    if spec == "ne_and_lambda":
        return lambda outputs, ids: outputs[range(ids.shape[0]), ids.ne(0).sum(-1) - 1]
    return functions[spec]
