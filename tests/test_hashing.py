"""The hashing trick: a stable hash, the collision formula against simulation, and HashEmbedding."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from course_lib.hashing import HashEmbedding, count_collisions, expected_collisions, hash_ids, stable_hash


def test_stable_hash_is_the_same_in_another_process_with_another_salt():
    code = "from course_lib.hashing import stable_hash; print(stable_hash('user-42'), stable_hash('user-42', seed=3))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout.split()
    assert [int(x) for x in out] == [stable_hash("user-42"), stable_hash("user-42", seed=3)]
    assert 0 <= stable_hash("") < 2**63


def test_expected_collisions_matches_a_simulation():
    gen = torch.Generator().manual_seed(0)
    for n, m in [(200, 100), (1000, 4096), (50, 10_000)]:
        measured = [count_collisions(torch.randint(m, (n,), generator=gen)) for _ in range(400)]
        mean = sum(measured) / len(measured)
        assert abs(mean - expected_collisions(n, m)) < 0.05 * expected_collisions(n, m) + 0.05


def test_expected_collisions_edge_cases():
    assert expected_collisions(0, 10) == 0
    assert expected_collisions(5, 1) == 4          # one row: every key after the first collides
    assert expected_collisions(1, 10) == pytest.approx(0)
    with pytest.raises(ValueError, match="num_buckets"):
        expected_collisions(10, 0)


def test_hash_ids_and_collisions_of_real_keys_follow_the_formula():
    keys = [f"item-{i}" for i in range(5000)]
    for m in (1024, 8192):
        ids = hash_ids(keys, m)
        assert ids.dtype == torch.long and int(ids.min()) >= 0 and int(ids.max()) < m
        expected = expected_collisions(len(keys), m)
        assert abs(count_collisions(ids) - expected) < 4 * expected**0.5 + 1


def test_bad_inputs_are_refused():
    with pytest.raises(TypeError, match="one string"):
        hash_ids("king", 10)
    with pytest.raises(ValueError, match="num_buckets must be a positive int; got 0"):
        hash_ids(["king"], 0)
    with pytest.raises(TypeError, match="token must be a str"):
        stable_hash(42)
    with pytest.raises(ValueError, match="num_hashes must be a positive int"):
        HashEmbedding(10, 2, num_hashes=0)


def test_hash_embedding_sums_one_row_per_hash():
    emb = HashEmbedding(64, 3, num_hashes=2)
    tokens = ["a", "b", "a"]
    out = emb(tokens)
    ids = emb.ids(tokens)                                   # (T, 2)
    torch.testing.assert_close(out, emb.embedding.weight[ids].sum(dim=1))
    torch.testing.assert_close(out[0], out[2])              # the same token, the same vector
    assert emb([["a", "b"], ["c", "d"]]).shape == (2, 2, 3)
    out.sum().backward()
    assert set(emb.embedding.weight.grad.abs().sum(dim=1).nonzero().flatten().tolist()) == set(ids.flatten().tolist())


def test_two_hashes_make_full_collisions_rare():
    keys = [f"k{i}" for i in range(3000)]
    m = 1024
    one = hash_ids(keys, m)
    both = one * m + hash_ids(keys, m, seed=1)
    assert count_collisions(one) > 1000 and count_collisions(both) < 20


def test_hash_embedding_takes_bucket_ids_and_checks_them():
    emb = HashEmbedding(64, 3, num_hashes=2)
    ids = emb.ids(["a", "b", "a"])                                     # (T, 2)
    assert torch.equal(emb(ids), emb(["a", "b", "a"]))
    assert emb(torch.stack([ids, ids])).shape == (2, 3, 3)
    with pytest.raises(IndexError, match=r"ids\[0, 1\] is -1, .*num_embeddings=64 .*Negative ids"):
        emb(torch.tensor([[3, -1]]))                                    # -1 would silently read the last row
    with pytest.raises(IndexError, match=r"ids\[1, 0\] is 64, .*ids must be in 0..63"):
        emb(torch.tensor([[3, 1], [64, 2]]))
    with pytest.raises(TypeError, match="got dtype torch.float32"):
        emb(ids.float())
    with pytest.raises(ValueError, match=r"shape \(\*, num_hashes=2\), as emb.ids\(tokens\) gives; got shape \(3,\)"):
        emb(ids[:, 0])
    with pytest.raises(ValueError, match=r"ids.unsqueeze\(-1\)"):
        HashEmbedding(64, 3)(torch.tensor([1, 2]))


def test_hash_embedding_refuses_what_is_not_tokens():
    emb = HashEmbedding(64, 3)
    with pytest.raises(TypeError, match=r"got str; use \['king'\]"):
        emb("king")
    with pytest.raises(TypeError, match=r"tokens must be strings; got 3 \(int\)"):
        emb(["a", 3])
    with pytest.raises(ValueError, match=r"of one length \(pad them\); got lengths \[1, 2\]"):
        emb([["a"], ["b", "c"]])
    with pytest.raises(TypeError, match="mixes lists and single tokens"):
        emb([["a"], 5])
    for name, args in (("num_buckets", (0, 3)), ("embedding_dim", (8, -1)), ("num_buckets", (2.5, 3))):
        with pytest.raises(ValueError, match=f"{name} must be a positive int"):
            HashEmbedding(*args)
    assert emb([]).shape == (0, 3)
