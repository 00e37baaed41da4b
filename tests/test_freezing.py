"""Tests of lesson 06's freezing strategies (course_lib.freezing and its audit).

Toy tables (``V`` = 10 rows of ``D`` = 4) unless a test needs another size; every invariant is
checked bit for bit where the lesson claims "bit-for-bit".
"""
from __future__ import annotations

import io

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from course_lib.freezing.audit import AUDIT_OPTIMIZERS
from course_lib.freezing import (STRATEGY_NAMES, LeakAudit, PartiallyFrozenEmbedding, RowRestorer, SplitEmbedding,
                                 TrainableTokensEmbedding, audit_leakage, grow_embedding, mask_frozen_grads,
                                 zero_frozen_grads_)
from course_lib.freezing.strategies import STRATEGIES

V, D = 10, 4
TRAINABLE = [7, 2, 5]                      # not a tail, not sorted
FROZEN = [i for i in range(V) if i not in TRAINABLE]
ROW_CLASSES = [PartiallyFrozenEmbedding, TrainableTokensEmbedding]
HOOK_STRATEGIES = {"none", "zero_grad", "grad_hook", "restore_rows"}
MODULE_STRATEGIES = {"split_tables", "trainable_tokens", "partially_frozen"}
LEAKY = {"zero_grad", "grad_hook"}
LEAKY_OPTIMIZERS = {"SGD(momentum=0.9, weight_decay=0.01)", "AdamW (weight_decay=0.01)", "Adam, warm-started"}


def table(seed: int = 0, rows: int = V, dim: int = D, dtype=torch.float32) -> torch.Tensor:
    return torch.randn(rows, dim, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def param_of(module: nn.Module) -> nn.Parameter:
    (param,) = list(module.parameters())
    return param


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter and buffer (persistent or not), cloned."""
    return {name: t.detach().clone() for name, t in [*module.named_parameters(), *module.named_buffers()]}


def assert_same(before: dict[str, torch.Tensor], module: nn.Module) -> None:
    after = snapshot(module)
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert after[name].dtype == value.dtype and torch.equal(after[name], value), f"{name} changed"


# ================================================================ PartiallyFrozenEmbedding (and its PEFT twin)
@pytest.mark.parametrize("cls", ROW_CLASSES)
@pytest.mark.parametrize("padding_idx", [None, 0])
@pytest.mark.parametrize("shape", [(), (5,), (2, 4), (2, 3, 4)])
def test_forward_equals_lookup_in_merged_weight(cls, padding_idx, shape):
    emb = cls(table(), TRAINABLE, padding_idx=padding_idx)
    with torch.no_grad():                       # trained rows differ from the table they came from
        param_of(emb).add_(10.0)
    ids = torch.randint(V, shape, generator=torch.Generator().manual_seed(1))
    out = emb(ids)
    assert out.shape == (*shape, D)
    assert torch.equal(out, F.embedding(ids, emb.merged_weight(), padding_idx))
    every = torch.arange(V)
    assert torch.equal(emb(every)[TRAINABLE], param_of(emb).detach())
    assert torch.equal(emb(every)[FROZEN], table()[FROZEN])
    assert torch.equal(emb(every.int()), emb(every))         # int32 ids work too


@pytest.mark.parametrize("cls", ROW_CLASSES)
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_trainable_grad_is_the_full_table_grad_at_trainable_ids(cls, padding_idx):
    emb = cls(table(), TRAINABLE, padding_idx=padding_idx)
    ids = torch.tensor([[7, 0, 2, 7], [5, 7, 1, 0], [2, 9, 3, 4]])     # 7 three times, 2 twice
    upstream = torch.randn(*ids.shape, D, generator=torch.Generator().manual_seed(2))
    (emb(ids) * upstream).sum().backward()
    full = emb.merged_weight().detach().clone().requires_grad_()
    (F.embedding(ids, full, padding_idx) * upstream).sum().backward()
    grad = param_of(emb).grad
    assert grad.shape == (len(TRAINABLE), D)
    torch.testing.assert_close(grad, full.grad[TRAINABLE], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(grad[0], upstream[ids == 7].sum(0))    # repeats add up, in the given order
    assert (grad != 0).all()


@pytest.mark.parametrize("cls, name", [(PartiallyFrozenEmbedding, "trainable_weight"),
                                       (TrainableTokensEmbedding, "delta")])
def test_exactly_one_parameter_of_shape_k_by_d(cls, name):
    emb = cls(table(), TRAINABLE)
    assert [(n, tuple(p.shape)) for n, p in emb.named_parameters()] == [(name, (3, D))]
    assert param_of(emb).requires_grad
    buffers = dict(emb.named_buffers())
    assert not any(b.requires_grad for b in buffers.values())
    assert buffers["trainable_ids"].tolist() == TRAINABLE          # order kept
    assert torch.equal(param_of(emb).detach(), table()[TRAINABLE])


def test_pfe_attributes_repr_and_negative_padding_idx():
    emb = PartiallyFrozenEmbedding(table(), TRAINABLE, padding_idx=-1)
    assert (emb.num_embeddings, emb.embedding_dim, emb.padding_idx) == (V, D, V - 1)   # as nn.Embedding stores it
    assert repr(emb) == f"PartiallyFrozenEmbedding({V}, {D}, trainable=3, padding_idx={V - 1})"
    assert set(emb.state_dict()) == {"frozen_weight", "trainable_ids", "trainable_weight"}


@pytest.mark.parametrize("ids", [[9], [0], [3, 1, 8, 0], list(range(V)), torch.tensor([6, 4]), range(2, 5),
                                 (8, 1)])
def test_any_set_of_trainable_ids_in_any_order(ids):
    weight = table()
    emb = PartiallyFrozenEmbedding(weight, ids)
    ids = list(ids.tolist() if isinstance(ids, torch.Tensor) else ids)
    with torch.no_grad():
        emb.trainable_weight.copy_(-torch.arange(len(ids) * D, dtype=torch.float32).reshape(-1, D) - 1)
    expected = weight.clone()
    expected[ids] = emb.trainable_weight.detach()
    assert torch.equal(emb.merged_weight(), expected)
    assert torch.equal(emb(torch.arange(V)), expected)


@pytest.mark.parametrize("cls", ROW_CLASSES)
@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"trainable_ids": [3, 5, 3]}, ValueError, r"trainable_ids holds id 3 more than once"),
    ({"trainable_ids": torch.tensor([1, 1])}, ValueError, r"trainable_ids holds id 1 more than once"),
    ({"trainable_ids": [2, 10]}, IndexError, r"trainable_ids\[1\] is 10.*num_embeddings=10"),
    ({"trainable_ids": [-1]}, IndexError, r"trainable_ids\[0\] is -1"),
    ({"trainable_ids": []}, ValueError, r"trainable_ids is empty"),
    ({"trainable_ids": torch.tensor([], dtype=torch.long)}, ValueError, r"trainable_ids is empty"),
    ({"trainable_ids": [1.0, 2.0]}, TypeError, r"trainable_ids must be integer.*float"),
    ({"trainable_ids": torch.tensor([True, False])}, TypeError, r"trainable_ids must be integer.*bool"),
    ({"trainable_ids": [True]}, TypeError, r"trainable_ids must be integer.*bool"),
    ({"trainable_ids": [0, 4], "padding_idx": 0}, ValueError, r"trainable_ids holds padding_idx=0"),
    ({"trainable_ids": [9], "padding_idx": -1}, ValueError, r"trainable_ids holds padding_idx=9"),
    ({"trainable_ids": [1], "padding_idx": 10}, ValueError, r"padding_idx must be .*got 10"),
    ({"trainable_ids": [1], "padding_idx": True}, ValueError, r"padding_idx must be .*got True"),
    ({"weight": torch.zeros(V), "trainable_ids": [1]}, ValueError, r"weight must be a 2-D .*shape \(10,\)"),
    ({"weight": torch.zeros(2, 3, 4), "trainable_ids": [1]}, ValueError, r"weight must be a 2-D .*\(2, 3, 4\)"),
    ({"weight": torch.zeros(V, D, dtype=torch.long), "trainable_ids": [1]}, ValueError, r"weight .*torch.int64"),
    ({"weight": [[0.0, 1.0]], "trainable_ids": [0]}, TypeError, r"weight must be a 2-D .*got list"),
])
def test_bad_arguments_name_the_argument_and_the_value(cls, kwargs, error, pattern):
    kwargs = {"weight": table(), **kwargs}
    with pytest.raises(error, match=pattern):
        cls(**kwargs)


@pytest.mark.parametrize("cls", ROW_CLASSES)
def test_forward_checks_ids(cls):
    emb = cls(table(), TRAINABLE)
    with pytest.raises(IndexError, match=r"ids\[1\] is 10"):
        emb(torch.tensor([0, 10]))
    with pytest.raises(TypeError, match="integer ids"):
        emb(torch.tensor([0.0]))


@pytest.mark.parametrize("cls", ROW_CLASSES)
def test_from_embedding_copies_weight_and_padding_idx(cls):
    torch.manual_seed(0)
    emb = nn.Embedding(V, D, padding_idx=3)
    before = emb.weight.detach().clone()
    part = cls.from_embedding(emb, TRAINABLE)
    assert isinstance(part, cls) and part.padding_idx == 3
    assert torch.equal(part.merged_weight(), before)
    with torch.no_grad():                         # a copy: training it cannot touch emb
        param_of(part).add_(1.0)
        for buffer in part.buffers():
            if buffer.is_floating_point():
                buffer.add_(1.0)
    assert torch.equal(emb.weight, before) and isinstance(emb.weight, nn.Parameter) and emb.weight.requires_grad
    with pytest.raises(ValueError, match="trainable_ids holds padding_idx=3"):
        cls.from_embedding(emb, [3])
    with pytest.raises(ValueError, match=r"max_norm=1\.0"):
        cls.from_embedding(nn.Embedding(V, D, max_norm=1.0), TRAINABLE)
    with pytest.raises(TypeError, match="emb must be an nn.Embedding; got Linear"):
        cls.from_embedding(nn.Linear(V, D), TRAINABLE)


def test_to_embedding_is_a_plain_trainable_copy():
    part = PartiallyFrozenEmbedding(table(), TRAINABLE, padding_idx=1)
    with torch.no_grad():
        part.trainable_weight.mul_(3.0)
    emb = part.to_embedding()
    assert type(emb) is nn.Embedding and emb.padding_idx == 1 and emb.weight.requires_grad
    assert torch.equal(emb.weight, part.merged_weight())
    ids = torch.tensor([[0, 7], [5, 9]])
    assert torch.equal(emb(ids), part(ids))
    with torch.no_grad():
        emb.weight.zero_()
    assert part.merged_weight().abs().sum() > 0


def test_merged_weight_is_differentiable_in_the_trainable_rows_only():
    part = PartiallyFrozenEmbedding(table(), TRAINABLE)
    merged = part.merged_weight()
    assert merged.shape == (V, D) and merged.requires_grad
    (merged * torch.arange(1.0, V + 1).unsqueeze(1)).sum().backward()
    assert part.trainable_weight.grad[:, 0].tolist() == [8.0, 3.0, 6.0]        # rows 7, 2, 5 (+1)
    assert part.frozen_weight.grad is None


def test_state_dict_round_trip_into_a_module_built_with_other_values(tmp_path):
    source = PartiallyFrozenEmbedding(table(0), TRAINABLE, padding_idx=0)
    with torch.no_grad():
        source.trainable_weight.add_(5.0)
    path = tmp_path / "pfe.pt"
    torch.save(source.state_dict(), path)
    state = torch.load(path, weights_only=True)
    target = PartiallyFrozenEmbedding(table(1), [9, 4, 1], padding_idx=0)
    assert target.load_state_dict(state) is not None
    assert target.trainable_ids.tolist() == TRAINABLE
    every = torch.arange(V)
    assert torch.equal(target.merged_weight(), source.merged_weight())
    assert torch.equal(target(every), source(every))             # the id -> slot map followed the ids
    target(every).sum().backward()
    assert target.trainable_weight.grad.tolist() == [[1.0] * D] * 3


def _checkpoint(**changes) -> dict[str, torch.Tensor]:
    """A valid checkpoint with other values than the module under test, then ``changes``."""
    other = PartiallyFrozenEmbedding(table(5), [8, 3, 6], padding_idx=0).state_dict()
    other = {k: v.clone() for k, v in other.items()}
    for key, value in changes.items():
        if value is None:
            del other[key]
        else:
            other[key] = value
    buffer = io.BytesIO()
    torch.save(other, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


@pytest.mark.parametrize("changes, pattern", [
    ({"frozen_weight": table(6, rows=V + 1)}, r"frozen_weight .*shape \(11, 4\).*expects \(10, 4\)"),
    ({"frozen_weight": table(6).T.contiguous()}, r"frozen_weight .*shape \(4, 10\)"),
    ({"trainable_weight": table(6, rows=4)}, r"trainable_weight .*shape \(4, 4\).*expects \(3, 4\)"),
    ({"trainable_ids": torch.tensor([8, 3, 6, 1]), "trainable_weight": table(6, rows=4)},
     r"trainable_ids .*shape \(4,\).*expects \(3,\)"),
    ({"trainable_ids": torch.tensor([8, 3, 8])}, r"trainable_ids.*holds id 8 more than once"),
    ({"trainable_ids": torch.tensor([8, 3, 10])}, r"trainable_ids.* is 10"),
    ({"trainable_ids": torch.tensor([8, -3, 6])}, r"trainable_ids.* is -3"),
    ({"trainable_ids": torch.tensor([8, 0, 6])}, r"trainable_ids.*padding_idx=0"),
    ({"trainable_ids": torch.tensor([8.0, 3.0, 6.0])}, r"trainable_ids.*dtype torch.float32"),
])
def test_bad_checkpoint_raises_and_loads_nothing(changes, pattern):
    module = PartiallyFrozenEmbedding(table(0), TRAINABLE, padding_idx=0)
    before = snapshot(module)
    with pytest.raises(RuntimeError, match=pattern):
        module.load_state_dict(_checkpoint(**changes))
    assert_same(before, module)
    every = torch.arange(V)
    assert torch.equal(module(every), F.embedding(every, module.merged_weight()))


@pytest.mark.parametrize("missing", ["trainable_ids", "trainable_weight", "frozen_weight"])
def test_checkpoint_missing_a_key_loads_nothing(missing):
    # Without trainable_ids, the other module's trained rows (for ids 8, 3, 6) would land on ids 7, 2, 5.
    module = PartiallyFrozenEmbedding(table(0), TRAINABLE, padding_idx=0)
    before = snapshot(module)
    with pytest.raises(RuntimeError, match=missing):
        module.load_state_dict(_checkpoint(**{missing: None}))
    assert_same(before, module)


# ---------------------------------------------------------------- trainable_state_dict: the trained rows alone
def _trained(seed: int = 0) -> PartiallyFrozenEmbedding:
    emb = PartiallyFrozenEmbedding(table(0), TRAINABLE, padding_idx=0)
    with torch.no_grad():
        emb.trainable_weight.copy_(table(seed + 10, rows=len(TRAINABLE)))
    return emb


def test_trainable_state_dict_holds_only_the_trained_rows_and_their_ids(tmp_path):
    emb = _trained()
    state = emb.trainable_state_dict()
    assert list(state) == ["trainable_weight", "trainable_ids"]
    assert torch.equal(state["trainable_weight"], emb.trainable_weight) and not state["trainable_weight"].requires_grad
    assert state["trainable_ids"].tolist() == TRAINABLE and state["trainable_ids"].dtype == torch.long
    small, full = tmp_path / "rows.pt", tmp_path / "full.pt"
    torch.save(state, small)
    torch.save(emb.state_dict(), full)
    rows_bytes = len(TRAINABLE) * D * 4 + len(TRAINABLE) * 8
    # the file holds the rows and ids (plus the zip's own bytes), never the (V, D) table
    assert rows_bytes < small.stat().st_size < full.stat().st_size - V * D * 4 + rows_bytes


def test_trainable_state_dict_file_size_does_not_grow_with_the_table(tmp_path):
    sizes = []
    for rows in (10, 10_000):
        emb = PartiallyFrozenEmbedding(torch.zeros(rows, D), TRAINABLE)
        (tmp_path / str(rows)).mkdir()
        path = tmp_path / str(rows) / "rows.pt"                  # one name: torch.save puts the name in the zip
        torch.save(emb.trainable_state_dict(), path)
        sizes.append(path.stat().st_size)
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("cls", ROW_CLASSES)
def test_ids_given_as_a_slice_of_a_long_tensor_do_not_drag_it_into_checkpoints(cls, tmp_path):
    # randperm(V)[:K] is a view of V ids; torch.save writes a tensor's whole storage
    ids = torch.randperm(10_000, generator=torch.Generator().manual_seed(0))[:3]
    emb = cls(torch.zeros(10_000, D), ids)
    assert emb.trainable_ids.untyped_storage().nbytes() == 3 * 8
    torch.save(emb.state_dict(), tmp_path / "full.pt")
    assert (tmp_path / "full.pt").stat().st_size < 10_000 * D * 4 + 3 * D * 4 + 10_000 * 8    # not the V ids


def test_load_trainable_state_dict_round_trip_through_a_file_onto_the_pretrained_table(tmp_path):
    source = _trained()
    torch.save(source.trainable_state_dict(), tmp_path / "rows.pt")
    target = PartiallyFrozenEmbedding(table(0), TRAINABLE, padding_idx=0)
    param = target.trainable_weight
    optimizer = torch.optim.Adam(target.parameters(), lr=0.1)
    assert target.load_trainable_state_dict(torch.load(tmp_path / "rows.pt", weights_only=True)) is None
    assert target.trainable_weight is param                         # the same Parameter: the optimizer still holds it
    every = torch.arange(V)
    assert torch.equal(target.merged_weight(), source.merged_weight())
    assert torch.equal(target(every), source(every))
    target(every).sum().backward()
    optimizer.step()                                                # and it trains on
    assert not torch.equal(target.trainable_weight, source.trainable_weight)


def test_load_trainable_state_dict_takes_int32_ids():
    source = _trained()
    state = {**source.trainable_state_dict(), "trainable_ids": torch.tensor(TRAINABLE, dtype=torch.int32)}
    target = PartiallyFrozenEmbedding(table(0), TRAINABLE, padding_idx=0)
    target.load_trainable_state_dict(state)
    assert torch.equal(target.merged_weight(), source.merged_weight())


def _bad(**changes):
    state = {k: v.clone() for k, v in _trained(1).trainable_state_dict().items()}
    for key, value in changes.items():
        if value is None:
            del state[key]
        else:
            state[key] = value
    return state


@pytest.mark.parametrize("state, error, pattern", [
    (_bad(trainable_ids=torch.tensor([7, 2, 6])), ValueError,
     r"the ids differ: state\['trainable_ids'\]\[2\] = 6, but this layer's trainable_ids\[2\] = 5.*"
     r"PartiallyFrozenEmbedding\(weight, state\['trainable_ids'\]"),
    (_bad(trainable_ids=torch.tensor([2, 7, 5])), ValueError, r"the ids differ \(the same ids in another order\)"),
    (_bad(trainable_ids=torch.tensor([7, 2]), trainable_weight=table(3, rows=2)), ValueError,
     r"state\['trainable_ids'\] has shape \(2,\), but this layer trains 3 rows"),
    (_bad(trainable_ids=torch.tensor([7.0, 2.0, 5.0])), TypeError, r"must hold integer ids; got dtype torch.float32"),
    (_bad(trainable_weight=table(3, rows=3, dim=D + 1)), ValueError,
     r"state\['trainable_weight'\] has shape \(3, 5\), but this layer's trainable_weight is \(3, 4\)"),
    (_bad(trainable_weight=table(3, rows=3, dtype=torch.float64)), TypeError,
     r"dtype torch.float64, but this layer's trainable_weight is torch.float32; .*layer.to\(torch.float64\)"),
    (_bad(trainable_ids=None), ValueError, r"it lacks \['trainable_ids'\]"),
    (_bad(extra=torch.zeros(1)), ValueError, r"unexpected keys \['extra'\]"),
    ({"embedding.trainable_weight": table(3, rows=3), "embedding.trainable_ids": torch.tensor(TRAINABLE)}, ValueError,
     r"model's state_dict\(\): use model.load_state_dict"),
    (PartiallyFrozenEmbedding(table(0), TRAINABLE).state_dict(), ValueError,
     r"'frozen_weight': it is a whole state_dict\(\).*load_state_dict\(state\)"),
    ([table(3, rows=3), torch.tensor(TRAINABLE)], TypeError, r"state must be a dict .*got list"),
    (_bad(trainable_weight=[[0.0] * D] * 3), TypeError, r"state\['trainable_weight'\] must be a tensor; got list"),
])
def test_load_trainable_state_dict_refuses_a_mismatch_and_changes_nothing(state, error, pattern):
    module = _trained()
    before = snapshot(module)
    with pytest.raises(error, match=pattern):
        module.load_trainable_state_dict(state)
    assert_same(before, module)


# ---------------------------------------------------------------- no .weight: tie an output layer to merged_weight()
@pytest.mark.parametrize("cls", ROW_CLASSES)
def test_weight_attribute_explains_what_to_use_instead(cls):
    emb = cls(table(), TRAINABLE)
    with pytest.raises(AttributeError, match=r"has no .weight.*merged_weight\(\).*F.linear\(hidden, emb.merged_weight"):
        emb.weight
    assert not hasattr(emb, "weight")
    with pytest.raises(AttributeError, match="has no attribute 'wieght'"):   # other names: torch's own message
        emb.wieght
    head = nn.Linear(D, V, bias=False)
    with pytest.raises(AttributeError, match="has no .weight"):
        head.weight = emb.weight                                                   # the usual tying line


def test_output_tied_to_merged_weight_gets_the_same_gradient_as_a_tied_nn_embedding():
    # A tiny language model whose output layer reuses the input table: logits = h @ W.T
    ids = torch.tensor([[1, 7, 7, 3], [2, 5, 9, 0]])                            # (B, T)
    targets = torch.tensor([[7, 7, 3, 2], [5, 9, 0, 4]])

    def loss_of(lookup, table_now):
        hidden = torch.tanh(lookup(ids))                                          # (B, T, D)
        logits = F.linear(hidden, table_now)                                      # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))

    plain = nn.Embedding.from_pretrained(table(), freeze=False)
    loss_of(plain, plain.weight).backward()
    part = PartiallyFrozenEmbedding(table(), TRAINABLE)
    loss_of(part, part.merged_weight()).backward()
    # the trained rows get both the input and the output gradient, exactly as in the tied nn.Embedding
    torch.testing.assert_close(part.trainable_weight.grad, plain.weight.grad[TRAINABLE], rtol=0, atol=1e-7)
    assert plain.weight.grad[FROZEN].abs().sum() > 0                              # frozen rows would get some too,
    assert [name for name, _ in part.named_parameters()] == ["trainable_weight"]  # but here they are no parameter


def test_dtype_moves_take_every_buffer_along():
    part = PartiallyFrozenEmbedding(table(), TRAINABLE)
    ids = torch.tensor([[7, 0], [5, 2]])
    expected = part(ids).double()
    for moved in (part.double(), part.to(torch.float64)):
        assert moved.trainable_weight.dtype == moved.frozen_weight.dtype == torch.float64
        assert moved.trainable_ids.dtype == moved.slot.dtype == torch.long
        assert isinstance(moved.trainable_weight, nn.Parameter)
        assert torch.equal(moved(ids), expected)
        moved(ids).sum().backward()
        assert moved.trainable_weight.grad.dtype == torch.float64
    back = part.float()
    assert back.frozen_weight.dtype == torch.float32 and torch.equal(back(ids), expected.float())


class _RecordShapes(TorchDispatchMode):
    """Record the shape of every tensor each aten op returns."""

    def __init__(self):
        super().__init__()
        self.shapes: list[tuple[str, tuple[int, ...]]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for leaf in tree_flatten(out)[0]:
            if isinstance(leaf, torch.Tensor):
                self.shapes.append((str(func), tuple(leaf.shape)))
        return out


def _largest_output(module: nn.Module, ids: torch.Tensor, backward: bool) -> tuple[int, list]:
    with _RecordShapes() as rec:
        out = module(ids)
        if backward:
            out.sum().backward()
    return max(torch.Size(s).numel() for _, s in rec.shapes), rec.shapes


@pytest.mark.parametrize("backward", [False, True])
def test_partially_frozen_never_builds_a_full_table(backward):
    rows, dim = 50_000, 8
    weight = table(rows=rows, dim=dim)
    ids = torch.tensor([[3, 49_999, 17], [17, 8, 0]])
    part = PartiallyFrozenEmbedding(weight, [17, 49_999, 12])
    biggest, shapes = _largest_output(part, ids, backward)
    assert biggest < rows * dim, [s for s in shapes if torch.Size(s[1]).numel() >= rows * dim]
    # the recorder does see a full-table copy when there is one: PEFT's design makes it every forward
    peft = TrainableTokensEmbedding(weight, [17, 49_999, 12])
    assert _largest_output(peft, ids, backward)[0] >= rows * dim


@pytest.mark.parametrize("make_opt", [
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda p: torch.optim.Adam(p, lr=0.05),
    lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
    lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
], ids=["sgd-momentum-wd", "adam", "adam-wd", "adamw"])
@pytest.mark.parametrize("cls", ROW_CLASSES)
def test_frozen_rows_bit_for_bit_under_every_optimizer(cls, make_opt):
    start = table()
    part = cls(start, TRAINABLE, padding_idx=0)
    opt = make_opt(part.parameters())
    gen = torch.Generator().manual_seed(3)
    targets = table(4)
    for _ in range(20):
        ids = torch.cat([torch.randint(V, (12,), generator=gen), torch.tensor(TRAINABLE)])
        opt.zero_grad()
        ((part(ids) - targets[ids]) ** 2).sum().backward()
        opt.step()
    merged = part.merged_weight().detach()
    assert torch.equal(merged[FROZEN], start[FROZEN])
    assert torch.equal(dict(part.named_buffers())[cls._buffer], start)
    assert (merged[TRAINABLE] != start[TRAINABLE]).all(dim=1).all()
    for state in opt.state.values():                # state for the K trainable rows only
        for value in state.values():
            if value.dim() == 2:
                assert value.shape == (len(TRAINABLE), D)


# ================================================================ SplitEmbedding
@pytest.mark.parametrize("shape", [(), (7,), (2, 5), (2, 3, 4)])
def test_split_equals_the_full_table_lookup(shape):
    pretrained = table(rows=6)
    split = SplitEmbedding(pretrained, num_new=4)
    full = split.weight()
    assert full.shape == (10, D)
    assert torch.equal(full[:6], pretrained) and torch.equal(full[6:], split.new.weight)
    ids = torch.randint(10, shape, generator=torch.Generator().manual_seed(1))
    assert torch.equal(split(ids), F.embedding(ids, full))
    assert torch.equal(split(torch.arange(10)), full)


def test_split_never_edits_the_callers_ids():
    split = SplitEmbedding(table(rows=6), num_new=4)
    ids = torch.tensor([[0, 6, 9], [5, 7, 1]])
    original, version = ids.clone(), ids._version
    split(ids).sum().backward()
    split(ids[0])                                      # a view as well
    assert torch.equal(ids, original) and ids._version == version


def test_split_boundary_id_reads_the_new_table():
    pretrained = table(rows=6)
    split = SplitEmbedding(pretrained, num_new=3)
    assert torch.equal(split(torch.tensor(6)), split.new.weight[0])
    assert torch.equal(split(torch.tensor(5)), pretrained[5])
    split(torch.tensor([6, 6, 5])).sum().backward()
    assert split.new.weight.grad[:, 0].tolist() == [2.0, 0.0, 0.0]


def test_split_only_new_weight_trains_and_pretrained_is_a_copy():
    pretrained = table(rows=6)
    split = SplitEmbedding(pretrained, num_new=2, padding_idx=1)
    assert [n for n, p in split.named_parameters() if p.requires_grad] == ["new.weight"]
    assert split.pretrained.padding_idx == 1 and split.num_embeddings == 8
    split(torch.arange(8)).sum().backward()
    assert split.pretrained.weight.grad is None
    assert split.new.weight.grad.tolist() == [[1.0] * D] * 2
    pretrained.zero_()
    assert split.pretrained.weight.abs().sum() > 0


@pytest.mark.parametrize("args, error, pattern", [
    ((table(rows=6), -1), ValueError, r"num_new must be .*got -1"),
    ((table(rows=6), True), ValueError, r"num_new must be .*got True"),
    ((table(rows=6), 2.0), ValueError, r"num_new must be .*got 2\.0"),
    ((torch.zeros(6), 2), ValueError, r"pretrained must be a 2-D"),
])
def test_split_bad_arguments(args, error, pattern):
    with pytest.raises(error, match=pattern):
        SplitEmbedding(*args)
    with pytest.raises(IndexError, match=r"ids\[0\] is 8"):
        SplitEmbedding(table(rows=6), 2)(torch.tensor([8]))


def test_split_with_no_new_rows_is_refused_or_works():
    # num_new=0 passes the argument check, then every forward failed inside index_select
    try:
        split = SplitEmbedding(table(rows=6), 0)
    except ValueError as err:
        assert "num_new" in str(err)
    else:
        assert torch.equal(split(torch.arange(6)), table(rows=6))


# ================================================================ the hook helpers
def _full_grad(weight: torch.Tensor, ids: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    ref = weight.detach().clone().requires_grad_()
    (F.embedding(ids, ref) * upstream).sum().backward()
    return ref.grad


IDS = torch.tensor([[0, 1, 3, 3], [4, 1, 2, 0]])
UPSTREAM = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(9))


def test_mask_frozen_grads_zeroes_frozen_rows_until_removed():
    weight = nn.Parameter(table(rows=5, dim=3))
    expected = _full_grad(weight, IDS, UPSTREAM)
    handle = mask_frozen_grads(weight, torch.tensor([1, 3]))
    (F.embedding(IDS, weight) * UPSTREAM).sum().backward()
    assert (weight.grad[[1, 3]] == 0).all()
    assert torch.equal(weight.grad[[0, 2, 4]], expected[[0, 2, 4]])
    assert (expected[[1, 3]] != 0).all()
    handle.remove()
    weight.grad = None
    (F.embedding(IDS, weight) * UPSTREAM).sum().backward()
    assert torch.equal(weight.grad, expected)


def test_zero_frozen_grads_zeroes_rows_in_place():
    weight = nn.Parameter(table(rows=5, dim=3))
    zero_frozen_grads_(weight, torch.tensor([1]))                     # no grad yet: nothing to do
    assert weight.grad is None
    (F.embedding(IDS, weight) * UPSTREAM).sum().backward()
    grad = weight.grad
    expected = grad.clone()
    zero_frozen_grads_(weight, torch.tensor([], dtype=torch.long))
    assert torch.equal(weight.grad, expected)
    zero_frozen_grads_(weight, torch.tensor([1, 3]))
    assert weight.grad is grad                                        # in place
    assert (grad[[1, 3]] == 0).all() and torch.equal(grad[[0, 2, 4]], expected[[0, 2, 4]])


def test_zero_frozen_grads_refuses_sparse_grads():
    weight = nn.Parameter(table(rows=5, dim=3))
    F.embedding(IDS, weight, sparse=True).sum().backward()
    assert weight.grad.is_sparse
    with pytest.raises(TypeError, match="sparse"):
        zero_frozen_grads_(weight, torch.tensor([1]))


def test_row_restorer_puts_frozen_rows_back_after_a_leaky_step():
    weight = nn.Parameter(table(rows=5, dim=3))
    start = weight.detach().clone()
    restorer = RowRestorer(weight, torch.tensor([1, 3]))
    opt = torch.optim.SGD([weight], lr=0.1, momentum=0.9, weight_decay=0.1)
    for _ in range(3):
        opt.zero_grad()
        (F.embedding(IDS, weight) * UPSTREAM).sum().backward()
        opt.step()
        assert not torch.equal(weight[[1, 3]], start[[1, 3]])        # the step moved them ...
        restorer.restore()
        assert torch.equal(weight[[1, 3]], start[[1, 3]])            # ... and restore put them back
    assert (weight[[0, 2, 4]] != start[[0, 2, 4]]).any(dim=1).all()


# ================================================================ the strategy protocol
def test_strategy_names_and_menu_order():
    assert STRATEGY_NAMES == ("split_tables", "zero_grad", "grad_hook", "restore_rows", "trainable_tokens",
                              "partially_frozen")
    menu = [name for name in STRATEGIES if name in {"none", *STRATEGY_NAMES}]
    assert menu == ["none", "zero_grad", "split_tables", "grad_hook", "restore_rows", "trainable_tokens",
                    "partially_frozen"]
    for name in STRATEGY_NAMES:
        assert STRATEGIES[name].name == name and STRATEGIES[name].summary


P_TRAIN = torch.tensor([7, 1, 4, 10])
P_FROZEN = torch.tensor([i for i in range(12) if i not in P_TRAIN.tolist()])


def _run_protocol(name: str, steps: int = 8):
    """The documented loop under plain SGD; returns strategy, weight, start and the last batch."""
    start = table(rows=12)
    weight = nn.Parameter(start.clone())
    targets = table(3, rows=12)
    strategy = STRATEGIES[name]()
    strategy.attach(weight, P_FROZEN)
    params = strategy.parameters(weight)
    opt = torch.optim.SGD(params, lr=0.1)
    gen = torch.Generator().manual_seed(4)
    for _ in range(steps):
        ids = torch.cat([torch.randint(12, (10,), generator=gen), P_TRAIN, P_FROZEN])
        opt.zero_grad()
        ((strategy.embed(weight, ids) - targets[ids]) ** 2).sum().backward()
        strategy.after_backward(weight, P_FROZEN)
        opt.step()
        strategy.after_step(weight, P_FROZEN)
    return strategy, weight, start, ids, targets


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_protocol_loop_holds_frozen_rows_under_sgd(name):
    strategy, weight, start, ids, _ = _run_protocol(name)
    final = strategy.table(weight)
    assert final.shape == (12, D) and not final.requires_grad
    assert torch.equal(final[P_FROZEN], start[P_FROZEN])
    assert (final[P_TRAIN] != start[P_TRAIN]).any(dim=1).all()
    assert torch.equal(weight.detach(), final)                   # after_step keeps weight = the model's table
    assert torch.equal(strategy.embed(weight, ids), F.embedding(ids, final))


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_protocol_grad_per_row(name):
    strategy, weight, _, ids, targets = _run_protocol(name, steps=1)
    grad = strategy.grad(weight)
    # the last step's gradient, at the table the last forward saw
    start = table(rows=12)
    ref = start.clone().requires_grad_()
    ((F.embedding(ids, ref) - targets[ids]) ** 2).sum().backward()
    assert grad.shape == (12, D)
    torch.testing.assert_close(grad[P_TRAIN], ref.grad[P_TRAIN])
    if name == "restore_rows":                   # restores after the step; the gradient is the full one
        torch.testing.assert_close(grad[P_FROZEN], ref.grad[P_FROZEN])
    else:
        assert (grad[P_FROZEN] == 0).all() and (ref.grad[P_FROZEN] != 0).any()


@pytest.mark.parametrize("name", sorted(MODULE_STRATEGIES))
def test_module_strategy_has_no_grad_before_backward(name):
    strategy = STRATEGIES[name]()
    weight = nn.Parameter(table(rows=12))
    strategy.attach(weight, P_FROZEN)
    assert strategy.grad(weight) is None


@pytest.mark.parametrize("name", [*STRATEGY_NAMES, "none"])
def test_protocol_parameters(name):
    weight = nn.Parameter(table(rows=12))
    strategy = STRATEGIES[name]()
    strategy.attach(weight, P_FROZEN)
    params = strategy.parameters(weight)
    if name in HOOK_STRATEGIES:
        assert len(params) == 1 and params[0] is weight
    else:
        assert name in MODULE_STRATEGIES
        assert all(p is not weight and isinstance(p, nn.Parameter) and p.requires_grad for p in params)
        assert sum(p.numel() for p in params) == len(P_TRAIN) * D
    strategy.detach(weight)


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_detach_removes_hooks(name):
    strategy, weight, _, ids, targets = _run_protocol(name, steps=2)
    strategy.detach(weight)
    weight.grad = None
    expected = _full_grad(weight, ids, torch.ones(len(ids), D))
    F.embedding(ids, weight).sum().backward()
    assert torch.equal(weight.grad, expected)
    assert (weight.grad[P_FROZEN] != 0).any()


# ================================================================ the leak audit
@pytest.fixture(scope="module", params=[0, 1], ids=["seed0", "seed1"])
def seeded_audit(request) -> tuple[int, LeakAudit]:
    return request.param, audit_leakage(seed=request.param)


@pytest.fixture
def audit(seeded_audit) -> LeakAudit:
    return seeded_audit[1]


def test_audit_pattern(audit):
    assert audit.strategies == list(STRATEGY_NAMES)
    assert audit.optimizers == list(AUDIT_OPTIMIZERS)
    assert len(audit.rows) == len(STRATEGY_NAMES) * len(AUDIT_OPTIMIZERS)
    assert set(audit.leaks()) == {(s, o) for s in LEAKY for o in LEAKY_OPTIMIZERS}
    for row in audit.rows:
        assert isinstance(row["max_drift"], float) and row["learned"] is True, row
        if (row["strategy"], row["optimizer"]) in set(audit.leaks()):
            assert row["max_drift"] > 1e-4, row
        else:
            assert row["max_drift"] == 0.0, row
    for opt in LEAKY_OPTIMIZERS:               # the hook and the explicit zeroing are the same maths
        assert audit.drift("grad_hook", opt) == pytest.approx(audit.drift("zero_grad", opt), rel=1e-5)


def test_audit_table_renders_every_cell(audit):
    text = audit.table().text
    assert audit.table()._repr_markdown_() == text
    lines = text.splitlines()
    assert len(lines) == 2 + len(STRATEGY_NAMES)
    for opt in AUDIT_OPTIMIZERS:
        assert opt in lines[0]
    for name, line in zip(STRATEGY_NAMES, lines[2:]):
        assert line.startswith(f"| `{name}` |") and line.count("|") == len(AUDIT_OPTIMIZERS) + 2
    assert text.count("**0**") == len(audit.rows) - len(audit.leaks())
    assert text.count("✗") == len(audit.leaks()) and "did not learn" not in text


def test_audit_subset_is_deterministic_and_detects_plain_drift(seeded_audit):
    seed, audit = seeded_audit
    small = audit_leakage(["none", "zero_grad"], ["SGD", "AdamW (weight_decay=0.01)"], seed=seed)
    assert small.strategies == ["none", "zero_grad"]
    assert small.drift("zero_grad", "AdamW (weight_decay=0.01)") == audit.drift("zero_grad",
                                                                               "AdamW (weight_decay=0.01)")
    assert small.drift("none", "SGD") > 1e-3                     # no freezing at all: the audit sees it move
    assert small.drift("zero_grad", "SGD") == 0.0
    with pytest.raises(KeyError, match="strategy='grad_hook'"):
        small.drift("grad_hook", "SGD")


@pytest.mark.parametrize("kwargs, pattern", [
    ({"strategies": ["frozen"]}, r"strategies holds 'frozen'; choose from"),
    ({"optimizers": ["Adagrad"]}, r"optimizers holds 'Adagrad'; choose from"),
    ({"num_steps": 0}, r"num_steps must be an int >= 1; got 0"),
    ({"warm_steps": 0}, r"warm_steps must be an int >= 1; got 0"),
    ({"embedding_dim": 2.0}, r"embedding_dim must be an int >= 1; got 2\.0"),
    ({"num_embeddings": 1}, r"num_embeddings must be an int >= 2; got 1"),
    ({"num_trainable": 0}, r"num_trainable must be an int in 1\.\.11 .*got 0"),
    ({"num_trainable": 12}, r"num_trainable must be an int in 1\.\.11 .*got 12"),
    ({"num_trainable": True}, r"num_trainable must be .*got True"),
])
def test_audit_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        audit_leakage(**kwargs)


# ================================================================ grow_embedding
def test_grow_keeps_old_rows_options_and_input():
    emb = nn.Embedding(6, 4, padding_idx=2, max_norm=3.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True,
                       dtype=torch.float64)
    before = emb.weight.detach().clone()
    new = grow_embedding(emb, 3, generator=torch.Generator().manual_seed(0))
    assert type(new) is nn.Embedding and new.weight.shape == (9, 4)
    assert torch.equal(new.weight[:6], before)
    assert (new.padding_idx, new.max_norm, new.norm_type, new.scale_grad_by_freq, new.sparse) == \
        (2, 3.0, 1.0, True, True)
    assert new.weight.dtype == torch.float64 and new.weight.requires_grad
    assert emb.num_embeddings == 6 and torch.equal(emb.weight, before)
    with torch.no_grad():
        new.weight.zero_()
    assert torch.equal(emb.weight, before)                    # no storage shared
    frozen = nn.Embedding.from_pretrained(before, freeze=True)
    assert not grow_embedding(frozen, 1).weight.requires_grad


@pytest.mark.parametrize("init", ["mean", "normal", "zeros"])
def test_grow_inits(init):
    old = table(1, rows=40, dim=6) * 2.0 + 1.0
    emb = nn.Embedding.from_pretrained(old, freeze=False)
    new = grow_embedding(emb, 5, init, generator=torch.Generator().manual_seed(0)).weight.detach()
    assert torch.equal(new[:40], old)
    rows = new[40:]
    if init == "zeros":
        assert torch.equal(rows, torch.zeros(5, 6))
    elif init == "mean":
        assert (rows - old.mean(0)).abs().max() < 1e-3
        assert not torch.equal(rows[0], rows[1])             # drawn around the mean, not copies of it
    else:
        assert (rows - old.mean(0)).abs().max() > 1e-2


def test_grow_normal_matches_the_old_std():
    old = table(2, rows=50, dim=8) * 0.3
    new = grow_embedding(nn.Embedding.from_pretrained(old), 5000, "normal",
                         generator=torch.Generator().manual_seed(0)).weight[50:]
    assert new.std().item() == pytest.approx(old.std().item(), rel=0.05)
    assert abs(new.mean().item()) < 0.02


@pytest.mark.parametrize("init", ["mean", "normal"])
def test_grow_generator_makes_it_deterministic(init):
    emb = nn.Embedding.from_pretrained(table(rows=20, dim=3))
    first, again, other = (grow_embedding(emb, 4, init, generator=torch.Generator().manual_seed(s)).weight
                           for s in (7, 7, 8))
    assert torch.equal(first, again) and not torch.equal(first, other)


@pytest.mark.parametrize("old", [
    torch.tensor([[1.0, 2.0, 3.0]]).repeat(5, 1),             # all rows equal: covariance 0
    table(3, rows=3, dim=10),                                 # fewer rows than dims: singular covariance
    table(3, rows=1, dim=4),                                  # a single row
])
def test_grow_mean_falls_back_to_exactly_the_mean(old):
    emb = nn.Embedding.from_pretrained(old)
    new = grow_embedding(emb, 4, "mean", generator=torch.Generator().manual_seed(0)).weight
    assert torch.equal(new[len(old):], old.mean(0).expand(4, -1))


@pytest.mark.parametrize("args, kwargs, error, pattern", [
    ((0,), {}, ValueError, r"num_new must be an int >= 1 .*got 0"),
    ((-2,), {}, ValueError, r"num_new .*got -2"),
    ((2.0,), {}, ValueError, r"num_new .*got 2\.0"),
    ((True,), {}, ValueError, r"num_new .*got True"),
    ((2, "uniform"), {}, ValueError, r"init must be 'mean', 'normal' or 'zeros'; got 'uniform'"),
    ((2,), {"init": "Mean"}, ValueError, r"got 'Mean'"),
])
def test_grow_bad_arguments(args, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        grow_embedding(nn.Embedding(4, 3), *args, **kwargs)


@pytest.mark.parametrize("emb", [nn.Linear(4, 3), torch.zeros(4, 3)])
def test_grow_needs_an_embedding(emb):
    with pytest.raises(TypeError, match=r"emb must be an nn.Embedding; got (Linear|Tensor)"):
        grow_embedding(emb, 2)


@pytest.mark.parametrize("cls", [PartiallyFrozenEmbedding, TrainableTokensEmbedding])
def test_the_whole_module_pickles_and_loads_back(cls, tmp_path):
    module = cls(torch.randn(10, 4), [7, 2, 5])
    torch.save(module, tmp_path / "module.pt")
    loaded = torch.load(tmp_path / "module.pt", weights_only=False)
    ids = torch.tensor([[7, 1], [5, 2]])
    assert torch.equal(loaded(ids), module(ids))
    loaded.load_state_dict(cls(torch.zeros(10, 4), [1, 3, 4]).state_dict())  # the hook still re-indexes
    assert loaded.slot.tolist() == [-1, 0, -1, 1, 2, -1, -1, -1, -1, -1]


@pytest.mark.parametrize("freeze", [
    lambda weight, ids: mask_frozen_grads(weight, ids),
    lambda weight, ids: RowRestorer(weight, ids),
    lambda weight, ids: zero_frozen_grads_(weight, ids),
], ids=["mask_frozen_grads", "RowRestorer", "zero_frozen_grads_"])
def test_frozen_ids_are_checked_before_any_indexing(freeze):
    weight = nn.Parameter(table(rows=5, dim=3))
    F.embedding(IDS, weight).sum().backward()                          # a gradient, so zero_frozen_grads_ acts
    grad = weight.grad.clone()
    with pytest.raises(IndexError, match=r"frozen_ids\[1\] is -1, .* num_embeddings=5 .*Negative ids do not count"):
        freeze(weight, torch.tensor([1, -1]))                          # -1 would silently freeze row 4
    with pytest.raises(IndexError, match=r"frozen_ids\[0\] is 5, .* ids must be in 0..4"):
        freeze(weight, [5])
    with pytest.raises(TypeError, match="frozen_ids must hold integer ids .* got dtype torch.float32"):
        freeze(weight, torch.tensor([1.0]))
    with pytest.raises(TypeError, match=r"not a mask .* m.nonzero\(\).flatten\(\)"):
        freeze(weight, torch.zeros(5, dtype=torch.bool))
    assert torch.equal(weight.grad, grad) and not weight._backward_hooks   # nothing done half-way


def test_the_checked_functions_still_print_their_own_source():
    import inspect

    source = inspect.getsource(mask_frozen_grads)                      # lesson 06 prints it
    assert source.startswith("def mask_frozen_grads(") and "keep[frozen_ids] = 0" in source
    assert inspect.getsource(zero_frozen_grads_).startswith("def zero_frozen_grads_(")
    weight = nn.Parameter(table(rows=5, dim=3))
    handle = mask_frozen_grads(weight, [1, 3])                         # a list is fine
    F.embedding(IDS, weight).sum().backward()
    handle.remove()
    assert (weight.grad[[1, 3]] == 0).all() and (weight.grad[[0, 2, 4]] != 0).any(dim=1).all()
