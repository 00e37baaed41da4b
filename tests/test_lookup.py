import pytest
import torch
import torch.nn.functional as F

from course_lib.lookup import check_ids, one_hot_lookup, time_lookups


@pytest.mark.parametrize("shape", [(), (5,), (2, 4), (2, 3, 4)])
def test_three_views_of_a_lookup_agree(shape):
    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(10, 3, generator=gen)
    ids = torch.randint(10, shape, generator=gen)
    gathered = F.embedding(ids, weight)
    assert gathered.shape == (*shape, 3)
    torch.testing.assert_close(one_hot_lookup(ids, weight), gathered)
    torch.testing.assert_close(weight[ids], gathered)


def test_one_hot_lookup_accepts_int32_ids_and_validates_weight():
    weight = torch.arange(6.0).reshape(3, 2)
    assert one_hot_lookup(torch.tensor([2], dtype=torch.int32), weight).tolist() == [[4.0, 5.0]]
    with pytest.raises(ValueError, match=r"weight must be a 2-D \(V, D\) tensor"):
        one_hot_lookup(torch.tensor([0]), torch.zeros(3))


def test_check_ids_returns_its_input_when_valid():
    ids = torch.tensor([[0, 9], [3, 3]])
    assert check_ids(ids, 10) is ids
    empty = torch.zeros(0, dtype=torch.long)
    assert check_ids(empty, 1) is empty


def test_out_of_range_names_value_position_and_size():
    with pytest.raises(IndexError) as err:
        check_ids(torch.tensor([[1, 2, 4, 5], [4, 3, 12, 10]]), 10)
    msg = str(err.value)
    assert "ids[1, 2] is 12" in msg
    assert "num_embeddings=10" in msg and "0..9" in msg
    assert "1 more id(s)" in msg
    assert "num_embeddings >= 13" in msg


def test_negative_ids_are_explained():
    with pytest.raises(IndexError, match=r"tokens\[2\] is -1.*do not count from the end"):
        check_ids(torch.tensor([0, 1, -1]), 5, name="tokens")


def test_zero_dim_ids():
    with pytest.raises(IndexError, match=r"^ids is 7, "):
        check_ids(torch.tensor(7), 5)


@pytest.mark.parametrize("ids, fix", [
    (torch.tensor([1.0, 2.0]), "ids.long() (after checking the values are whole numbers)"),
    (torch.tensor([True]), "ids.long()"),
    (torch.tensor([1], dtype=torch.uint8), "ids.long()"),
])
def test_non_integer_dtypes_are_rejected_with_the_fix(ids, fix):
    with pytest.raises(TypeError, match="must hold integer ids") as err:
        check_ids(ids, 10)
    assert str(ids.dtype) in str(err.value) and fix in str(err.value)


def test_lists_and_bad_sizes_are_rejected():
    with pytest.raises(TypeError, match=r"got list. Wrap it: torch.tensor"):
        check_ids([1, 2], 10)
    with pytest.raises(ValueError, match="num_embeddings must be a positive int; got 0"):
        check_ids(torch.tensor([0]), 0)


def test_time_lookups_reports_each_size():
    rows = time_lookups([16, 256], num_ids=8, embedding_dim=4, repeats=2)
    assert [r["vocab_size"] for r in rows] == [16, 256]
    assert all(r["gather_ms"] > 0 and r["one_hot_ms"] > 0 for r in rows)
    assert rows[1]["one_hot_mib"] == pytest.approx(8 * 256 * (8 + 4) / 2**20)
    assert rows[0]["output_mib"] == rows[1]["output_mib"] == pytest.approx(8 * 4 * 4 / 2**20)
