"""Nothing a learner writes or loads is silently wrong or half-written (issue 14).

Property tests (hypothesis) of the vector-file round trip over random words and tables, and of
the write-then-fail path of every writer; plus the id checks of modules whose own test file
belongs to another lesson (BagOfEmbeddings).
"""
from __future__ import annotations

import pytest
import torch

from course_lib.models import BagOfEmbeddings


# ---------------------------------------------------------------- BagOfEmbeddings: ids at the door
def test_bag_of_embeddings_refuses_1d_ids_instead_of_a_wrong_answer():
    model = BagOfEmbeddings(10, 4, num_classes=2)
    with pytest.raises(ValueError, match=r"ids must be a \(B, T\) batch of sentences; got shape \(4,\)\. "
                                         r"For one sentence use ids.unsqueeze\(0\)"):
        model(torch.tensor([3, 5, 7, 9]))                             # T == D: would silently "work"
    with pytest.raises(ValueError, match=r"got shape \(1, 2, 2\)"):
        model(torch.tensor([[[1, 2], [3, 4]]]))
    one = torch.tensor([3, 5, 7, 9])
    torch.testing.assert_close(model(one.unsqueeze(0)), model(ids=one.unsqueeze(0)))


@pytest.mark.parametrize("ids, error, match", [
    (torch.tensor([[3, -1]]), IndexError, r"ids\[0, 1\] is -1, .*Negative ids"),   # -1: the last row, silently
    (torch.tensor([[3, 10]]), IndexError, r"ids\[0, 1\] is 10, .*ids must be in 0..9"),
    (torch.tensor([[3.0, 1.0]]), TypeError, "got dtype torch.float32"),
    ([[3, 1]], TypeError, "must be a torch.Tensor"),
])
def test_bag_of_embeddings_checks_ids_positionally_and_by_keyword(ids, error, match):
    model = BagOfEmbeddings.from_pretrained(torch.randn(10, 4), num_classes=2)
    with pytest.raises(error, match=match):
        model(ids)
    with pytest.raises(error, match=match):
        model(ids=ids)
