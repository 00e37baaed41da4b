"""Plausible wrong answers to lesson 06's exercises."""
import torch
from torch import nn

_LEAKY = ("zero_grad", "grad_hook")
_DRIFTING = ("SGD(momentum=0.9, weight_decay=0.01)", "AdamW (weight_decay=0.01)", "Adam, warm-started")
_RIGHT = {(s, o) for s in _LEAKY for o in _DRIFTING}

WRONG = {
    "lesson06.q1": [
        {7, 8, 11},            # missed the missing super().__init__()
        {2, 8, 11},            # missed > vs >=
        {2, 7, 11},            # missed tensor.copy()
        {2, 7, 8},             # missed the in-place edit of the caller's batch
        {2, 7, 8, 11, 9},      # line 9 writes into forward's own copy: fine
        {2, 7, 8, 11, 13},     # line 13 writes into forward's own output: fine
        {3, 7, 8, 12, 4},      # the new table is trainable on purpose
        {2, 7, 8, 11, 15},     # no line 15
        [2, 7],                # two of four
        "2, 7, 8, 11",          # a string, not a set
        (2.5, 7),
    ],
    "lesson06.q2": [
        {(s, o) for s in _LEAKY for o in _DRIFTING[:2]},                 # forgot warm-started state
        {(s, o) for s in _LEAKY for o in _DRIFTING[1:]},                 # forgot SGD's weight decay
        {(s, o) for s in _LEAKY for o in (_DRIFTING[0], _DRIFTING[2])},  # forgot AdamW
        _RIGHT | {("zero_grad", "Adam"), ("grad_hook", "Adam")},        # a fresh Adam does not move them
        _RIGHT | {("zero_grad", "SGD"), ("grad_hook", "SGD")},
        _RIGHT | {("restore_rows", o) for o in _DRIFTING},              # restore undoes every step
        _RIGHT | {("partially_frozen", "AdamW (weight_decay=0.01)")},
        {("zero_grad", o) for o in _DRIFTING},                           # grad_hook leaks the same way
        {("zero_grad", "AdamW")},                                        # not a name of the audit
        {("zero_grad",)},
        set(),
        [list(c) for c in _RIGHT if c[0] == "zero_grad"],                # lists as pairs, grad_hook left out
        {(o, s) for s, o in _RIGHT},                                     # (optimizer, strategy): the wrong order
    ],
    "lesson06.q3": [
        (2 * 400_000 * 300 * 4, 2 * 1_000 * 300 * 4),   # swapped
        (2 * 400_000 * 300 * 4, 2 * 400_000 * 300 * 4),  # partially frozen counted as the full table
        (2 * 1_000 * 300 * 4, 2 * 1_000 * 300 * 4),      # zero_grad counted as the trainable rows only
        (1_000 * 300 * 4, 400_000 * 300 * 4),            # one running average
        (2 * 1_000 * 300, 2 * 400_000 * 300),            # numbers, not bytes
        (3 * 1_000 * 300 * 4, 3 * 400_000 * 300 * 4),    # gradient counted as state
        (2 * 1_000 * 300 * 4 + 4, 2 * 400_000 * 300 * 4 + 4),  # the step counter
        (2 * 1_000 * 300 * 8, 2 * 400_000 * 300 * 8),    # float64
        2_400_000,
        (2_400_000,),
        (2_400_001, 960_000_000),
    ],
    "lesson06.q4": ["zero_grad", "grad_hook", "freeze_everything", "train_everything", "not_grown",
                    "edits_emb", "returns_module", "module_not_function", "restore_only_old",
                    "returns_fresh_table",      # right shape, old rows right, new rows never trained (a fresh copy)
                    "new_rows_random"],         # right shape, trains, but the returned new rows are new random ones
    "lesson06.q5": [
        [0, 1, 7, 8],          # the padding row
        [7, 8],                # <unk> forgotten
        [1, 7],                # 'meh' forgotten
        [1, 2, 7, 8],          # 'the' has a vector
        [1, 7, 8, 9],          # no row 9
        [1, 7, 7, 8],          # a row twice
        torch.tensor([False, True, False, False, False, False, False, True, True]),  # a mask
        {"<unk>", "bingeworthy", "meh"},  # words, not ids
        torch.tensor([[0], [1], [7], [8]]),  # (~found).nonzero(): the padding row still in
        [2, 3, 4],                           # right count, wrong rows: the ones with a vector
    ],
}

# Right answers written other ways: each must be accepted (tests/test_exercises.py).
RIGHT = {
    "lesson06.q1": [{2, 7, 8, 11}, [2, 7, 8, 11], (11, 8, 7, 2), {2, 7, 8, 12}, {2, 7, 8, 11, 12}, {3, 7, 8, 11},
                    torch.tensor([2, 7, 8, 11])],
    "lesson06.q2": [_RIGHT, sorted(_RIGHT), [list(c) for c in _RIGHT], frozenset(_RIGHT),
                    dict.fromkeys(_RIGHT, 0.1).keys(), "product"],
    "lesson06.q3": [(2_400_000, 960_000_000), [2_400_000, 960_000_000], (2.4e6, 9.6e8)],
    "lesson06.q4": ["split_tables", "restore_rows_every_step"],
    "lesson06.q5": [[1, 7, 8], {1, 7, 8}, (8, 7, 1), torch.tensor([1, 7, 8])],
}


def make(key, spec, inputs):
    """A named mistake (or a right answer written another way), made from the exercise's own inputs."""
    if key == "lesson06.q2" and spec == "product":
        import itertools
        return itertools.product(_LEAKY, _DRIFTING)
    if key != "lesson06.q4":
        return spec
    from course_lib.freezing import PartiallyFrozenEmbedding, grow_embedding

    def train(layer, params, batches, make_optimizer, after_backward=None, after_step=None):
        opt = make_optimizer(params)
        for ids, targets in batches:
            opt.zero_grad()
            ((layer(ids) - targets) ** 2).sum().backward()
            if after_backward:
                after_backward()
            opt.step()
            if after_step:
                after_step()

    def zero_grad(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)

        def zero():
            grown.weight.grad[:emb.num_embeddings] = 0
        train(grown, grown.parameters(), batches, make_optimizer, after_backward=zero)
        return grown.weight.detach()

    def grad_hook(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)
        mask = torch.zeros(grown.num_embeddings, 1)
        mask[emb.num_embeddings:] = 1
        grown.weight.register_hook(lambda grad: grad * mask)
        train(grown, grown.parameters(), batches, make_optimizer)
        return grown.weight.detach()

    def freeze_everything(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)
        grown.weight.requires_grad_(False)
        extra = nn.Parameter(torch.zeros(1))        # something for the optimizer to hold
        opt = make_optimizer([extra])
        for _ in batches:
            opt.step()
        return grown.weight.detach()

    def train_everything(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)
        train(grown, grown.parameters(), batches, make_optimizer)
        return grown.weight.detach()

    def not_grown(emb, num_new, batches, make_optimizer):
        layer = PartiallyFrozenEmbedding.from_embedding(emb, [emb.num_embeddings - 1])
        return layer.merged_weight().detach()

    def edits_emb(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)
        layer = PartiallyFrozenEmbedding.from_embedding(grown, list(range(emb.num_embeddings, grown.num_embeddings)))
        train(layer, layer.parameters(), batches, make_optimizer)
        emb.weight = nn.Parameter(layer.merged_weight().detach().clone())   # "saves" into the caller's layer
        return layer.merged_weight().detach()

    def returns_module(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)
        layer = PartiallyFrozenEmbedding.from_embedding(grown, list(range(emb.num_embeddings, grown.num_embeddings)))
        train(layer, layer.parameters(), batches, make_optimizer)
        return layer

    def restore_only_old(emb, num_new, batches, make_optimizer):
        # restores the old rows, but only once, at the end of the first half: the second half drifts again
        grown = grow_embedding(emb, num_new)
        saved = grown.weight.detach()[:emb.num_embeddings].clone()
        half = len(batches) // 2
        train(grown, grown.parameters(), batches[:half], make_optimizer)
        with torch.no_grad():
            grown.weight[:emb.num_embeddings] = saved
        train(grown, grown.parameters(), batches[half:], make_optimizer)
        return grown.weight.detach()

    def returns_fresh_table(emb, num_new, batches, make_optimizer):
        layer = PartiallyFrozenEmbedding.from_embedding(grow_embedding(emb, num_new),
                                                        list(range(emb.num_embeddings, emb.num_embeddings + num_new)))
        train(layer, layer.parameters(), batches, make_optimizer)
        return grow_embedding(emb, num_new).weight.detach()          # another, untrained copy

    def new_rows_random(emb, num_new, batches, make_optimizer):
        table = returns_fresh_table(emb, num_new, batches, make_optimizer)
        table[emb.num_embeddings:] = torch.randn(num_new, emb.embedding_dim)
        return table

    def split_tables(emb, num_new, batches, make_optimizer):
        from course_lib.freezing import SplitEmbedding
        split = SplitEmbedding(emb.weight.detach(), num_new=num_new)
        with torch.no_grad():
            split.new.weight.copy_(grow_embedding(emb, num_new).weight[emb.num_embeddings:])
        train(split, split.new.parameters(), batches, make_optimizer)
        return split.weight().detach()

    def restore_rows_every_step(emb, num_new, batches, make_optimizer):
        grown = grow_embedding(emb, num_new)
        saved = grown.weight.detach()[:emb.num_embeddings].clone()

        def restore():
            with torch.no_grad():
                grown.weight[:emb.num_embeddings] = saved
        train(grown, grown.parameters(), batches, make_optimizer, after_step=restore)
        return grown.weight                                          # not detached: the check detaches

    return {"zero_grad": zero_grad, "grad_hook": grad_hook, "freeze_everything": freeze_everything,
            "returns_fresh_table": returns_fresh_table, "new_rows_random": new_rows_random,
            "split_tables": split_tables, "restore_rows_every_step": restore_rows_every_step,
            "train_everything": train_everything, "not_grown": not_grown, "edits_emb": edits_emb,
            "returns_module": returns_module, "module_not_function": nn.Embedding(3, 2),
            "restore_only_old": restore_only_old}[spec]
