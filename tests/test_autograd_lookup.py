import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_lib.autograd_lookup import gradient_memory
from course_lib.lookup import manual_embedding

SHAPES = [(), (5,), (2, 4), (2, 3, 4)]


def _ids(shape, num_embeddings=6, seed=0):
    """Random ids with at least one repeat whenever there are two or more positions."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(num_embeddings, shape, generator=gen)
    if ids.numel() > 1:
        ids.view(-1)[-1] = ids.view(-1)[0]
    return ids


@pytest.mark.parametrize("shape", SHAPES)
def test_gradcheck_in_float64(shape):
    weight = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    ids = _ids(shape)
    assert torch.autograd.gradcheck(lambda w: manual_embedding(ids, w), (weight,))
    assert torch.autograd.gradgradcheck(lambda w: manual_embedding(ids, w), (weight,))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_equals_f_embedding_forward_and_backward(shape, padding_idx, scale_grad_by_freq):
    gen = torch.Generator().manual_seed(1)
    ids = _ids(shape)
    if ids.numel() > 2 and padding_idx is not None:
        ids.view(-1)[1] = padding_idx % 6  # make sure the padding row is looked up
    base = torch.randn(6, 3, generator=gen)
    upstream = torch.randn(*shape, 3, generator=gen)                # (*, D)
    ours_w, ref_w = base.clone().requires_grad_(), base.clone().requires_grad_()
    ours = manual_embedding(ids, ours_w, padding_idx, scale_grad_by_freq)
    ref = F.embedding(ids, ref_w, padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    assert ours.shape == (*shape, 3)
    assert torch.equal(ours, ref)
    ours.backward(upstream)
    ref.backward(upstream)
    torch.testing.assert_close(ours_w.grad, ref_w.grad)
    if padding_idx is not None:
        assert not ours_w.grad[padding_idx].any()


def test_the_widely_shared_example():
    emb = nn.Embedding(10, 3)
    ids = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    weight = emb.weight.detach().clone().requires_grad_()
    manual_embedding(ids, weight).mean().backward()
    counts = torch.bincount(ids.flatten(), minlength=10).float()
    torch.testing.assert_close(weight.grad, (counts / 24).unsqueeze(1).expand(10, 3))
    assert weight.grad[[2, 4]].allclose(torch.full((2, 3), 2 / 24))
    assert not weight.grad[[0, 6, 7, 8]].any()


def test_repeats_accumulate_and_scale_grad_by_freq_divides_them():
    weight = torch.zeros(5, 2, requires_grad=True)
    ids = torch.tensor([3, 3, 3, 1])
    manual_embedding(ids, weight).sum().backward()
    assert weight.grad[:, 0].tolist() == [0.0, 1.0, 0.0, 3.0, 0.0]
    weight.grad = None
    manual_embedding(ids, weight, scale_grad_by_freq=True).sum().backward()
    assert weight.grad[:, 0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]


def test_int32_ids_and_empty_ids():
    weight = torch.randn(4, 2, requires_grad=True)
    ids = torch.tensor([[0, 3]], dtype=torch.int32)
    assert torch.equal(manual_embedding(ids, weight), F.embedding(ids, weight))
    empty = torch.zeros(0, dtype=torch.long)
    out = manual_embedding(empty, weight)
    assert out.shape == (0, 2)
    out.sum().backward()
    assert not weight.grad.any()


def test_padding_idx_keeps_the_forward_and_drops_the_gradient():
    weight = torch.arange(8.0).reshape(4, 2).requires_grad_()
    out = manual_embedding(torch.tensor([0, 2, 0]), weight, padding_idx=0)
    assert out[0].tolist() == [0.0, 1.0]  # F.embedding does not zero the row either
    out.sum().backward()
    assert weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize("ids, error, match", [
    (torch.tensor([1, 6]), IndexError, r"ids\[1\] is 6, but the table has num_embeddings=6 rows"),
    (torch.tensor([-1]), IndexError, "do not count from the end"),
    (torch.tensor([1.0, 2.0]), TypeError, "must hold integer ids"),
    ([1, 2], TypeError, "Wrap it: torch.tensor"),
])
def test_bad_ids_raise_clearly(ids, error, match):
    with pytest.raises(error, match=match):
        manual_embedding(ids, torch.randn(6, 3))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"weight": torch.randn(6)}, TypeError,
     r"weight must be a floating \(V, D\) tensor; got dtype torch.float32, shape \(6,\)"),
    ({"weight": torch.ones(6, 3, dtype=torch.long)}, TypeError, "got dtype torch.int64"),
    ({"weight": [[0.0]]}, TypeError, "got list"),
    ({"padding_idx": 6}, ValueError, r"padding_idx must be None or an int in -6..5 .* got 6"),
    ({"padding_idx": True}, ValueError, "got True"),
    ({"scale_grad_by_freq": 1}, TypeError, "scale_grad_by_freq must be True or False"),
])
def test_bad_arguments_name_the_argument(kwargs, error, match):
    args = {"ids": torch.tensor([0, 1]), "weight": torch.randn(6, 3), **kwargs}
    with pytest.raises(error, match=match):
        manual_embedding(**args)


def test_gradient_memory_reads_the_real_gradients():
    rows = gradient_memory([50, 5000], num_ids=16, embedding_dim=8, seed=3)
    for r in rows:
        assert r["dense_bytes"] == r["vocab_size"] * 8 * 4
        assert r["sparse_nnz"] == 16  # one stored row per lookup: repeats are not merged
        assert r["sparse_bytes"] == 16 * 8 + 16 * 8 * 4
        assert 1 <= r["unique_ids"] <= 16
    assert rows[0]["unique_ids"] < 16  # 16 draws from 50 ids repeat (for this seed)
