"""course_lib.train: the loop trains, records, validates its arguments, and shows a bar only when asked."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_lib import train as train_mod
from course_lib.train import History, fit


def _problem(seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(96, 4, generator=gen)
    y = (x[:, 0] - x[:, 1] > 0).long()
    return x, y


def _loss(model, batch):
    inputs, targets = batch
    return F.cross_entropy(model(inputs), targets)


def _accuracy(model, x, y):
    return (model(x).argmax(-1) == y).float().mean().item()


def _run(seed=0, num_epochs=8, **kwargs):
    x, y = _problem()
    torch.manual_seed(seed)
    model = nn.Linear(4, 2)
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)]
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    history = fit(model, batches, _loss, opt, num_epochs,
                  eval_fn=lambda m: {"train_acc": _accuracy(m, x, y)}, progress=False, **kwargs)
    return model, history


def test_fit_trains_and_records_one_dict_per_epoch():
    _, history = _run()
    assert len(history) == 8
    assert history["epoch"] == list(range(1, 9))
    assert history.keys() == ["epoch", "train_loss", "train_acc"]
    assert history["train_loss"][-1] < 0.6 * history["train_loss"][0]
    assert history.last["train_acc"] > 0.9
    assert all(isinstance(v, float) for v in history["train_acc"])
    assert history[-1] == history.last and history[0]["epoch"] == 1


def test_train_loss_is_the_mean_batch_loss_before_each_step():
    x, y = _problem()
    model = nn.Linear(4, 2)
    batches = [(x[:48], y[:48]), (x[48:], y[48:])]
    expected = []

    def loss_fn(m, batch):
        loss = _loss(m, batch)
        expected.append(loss.item())
        return loss

    history = fit(model, batches, loss_fn, torch.optim.SGD(model.parameters(), lr=0.0), 1, progress=False)
    assert history["train_loss"] == [pytest.approx(sum(expected) / 2)]


def test_fit_is_deterministic_given_the_seed():
    model_a, history_a = _run(seed=3)
    model_b, history_b = _run(seed=3)
    assert history_a == history_b
    assert torch.equal(model_a.weight, model_b.weight)
    _, history_c = _run(seed=4)
    assert history_c != history_a


def test_batches_may_be_a_function_of_the_epoch():
    x, y = _problem()
    seen = []

    def batches(epoch):
        seen.append(epoch)
        order = torch.randperm(96, generator=torch.Generator().manual_seed(epoch))
        return [(x[order[i:i + 32]], y[order[i:i + 32]]) for i in range(0, 96, 32)]

    model = nn.Linear(4, 2)
    history = fit(model, batches, _loss, torch.optim.Adam(model.parameters(), lr=0.05), 3, progress=False)
    assert seen == [1, 2, 3] and len(history) == 3


def test_dataloader_batches_work():
    x, y = _problem()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    model = nn.Linear(4, 2)
    history = fit(model, loader, _loss, torch.optim.Adam(model.parameters(), lr=0.05), 2, progress=False)
    assert len(history) == 2


def test_eval_runs_under_no_grad_in_eval_mode_and_training_in_train_mode():
    x, y = _problem()
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    modes = {"train": [], "eval": []}

    def loss_fn(m, batch):
        modes["train"].append(m.training)
        return _loss(m, batch)

    def eval_fn(m):
        modes["eval"].append((m.training, torch.is_grad_enabled()))
        return {"acc": torch.tensor(_accuracy(m, x, y))}   # a one-element tensor is accepted

    history = fit(model, [(x, y)], loss_fn, torch.optim.SGD(model.parameters(), lr=0.1), 2,
                  eval_fn=eval_fn, progress=False)
    assert modes["train"] == [True, True]
    assert modes["eval"] == [(False, False), (False, False)]
    assert model.training
    assert isinstance(history["acc"][0], float)


def test_zero_grad_sets_grads_to_none_so_frozen_rows_stay():
    emb = nn.Embedding(5, 3)
    head = nn.Linear(3, 2)
    model = nn.Sequential(emb, head)
    emb.weight.grad = torch.ones(5, 3)     # a stale gradient left from earlier work
    before = emb.weight.detach().clone()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    emb.weight.requires_grad_(False)
    fit(model, [torch.tensor([0, 1])], lambda m, ids: m(ids).sum(), opt, 2, progress=False)
    assert emb.weight.grad is None
    assert torch.equal(emb.weight, before)


@pytest.mark.parametrize("num_epochs", [0, -1, 2.0, True, "3"])
def test_num_epochs_must_be_a_positive_int(num_epochs):
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=rf"num_epochs must be a positive int; got {num_epochs!r}"):
        fit(model, [0], lambda m, b: m.weight.sum(), torch.optim.SGD(model.parameters(), lr=0.1), num_epochs)


def test_optimizer_problems_are_named():
    model = nn.Linear(2, 2)
    loss_fn = lambda m, b: m.weight.sum()  # noqa: E731
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    opt.param_groups[0]["params"] = []
    with pytest.raises(ValueError, match="optimizer has no parameters"):
        fit(model, [0], loss_fn, opt, 1)
    stale = torch.optim.SGD(model.parameters(), lr=0.1)
    model.weight = nn.Parameter(torch.zeros(2, 2))
    model.bias = nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match="none of the model's parameters: was it built before"):
        fit(model, [0], loss_fn, stale, 1)
    frozen = nn.Linear(2, 2).requires_grad_(False)
    with pytest.raises(ValueError, match="none has requires_grad=True"):
        fit(frozen, [0], loss_fn, torch.optim.SGD(frozen.parameters(), lr=0.1), 1)
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        fit(model, [0], loss_fn, model.parameters(), 1)


def test_loss_problems_are_named():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.ones(3, 2)
    with pytest.raises(ValueError, match=r"got shape \(3, 2\) \(epoch 1, batch 1\).*loss.mean\(\)"):
        fit(model, [x], lambda m, b: m(b), opt, 1, progress=False)
    with pytest.raises(TypeError, match=r"got float .*not loss.item\(\)"):
        fit(model, [x], lambda m, b: m(b).sum().item(), opt, 1, progress=False)
    with pytest.raises(ValueError, match="does not require grad"):
        fit(model, [x], lambda m, b: m(b).sum().detach(), opt, 1, progress=False)
    with pytest.raises(ValueError, match="became nan in epoch 1"):
        fit(model, [x], lambda m, b: m(b).sum() * float("nan"), opt, 1, progress=False)


def test_batches_problems_are_named():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = lambda m, b: m(b).sum()  # noqa: E731
    with pytest.raises(TypeError, match="one-shot iterator"):
        fit(model, (torch.ones(1, 2) for _ in range(2)), loss_fn, opt, 2)
    with pytest.raises(ValueError, match="epoch 1 had no batches"):
        fit(model, [], loss_fn, opt, 1, progress=False)
    with pytest.raises(ValueError, match="the function returned an empty iterable"):
        fit(model, lambda epoch: [], loss_fn, opt, 1, progress=False)
    with pytest.raises(TypeError, match="batches must be"):
        fit(model, 3, loss_fn, opt, 1)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        fit(lambda x: x, [1], loss_fn, opt, 1)


def test_eval_fn_problems_are_named():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = lambda m, b: m(b).sum()  # noqa: E731
    batches = [torch.ones(1, 2)]
    with pytest.raises(ValueError, match="'train_loss', which fit records itself"):
        fit(model, batches, loss_fn, opt, 1, eval_fn=lambda m: {"train_loss": 1.0}, progress=False)
    with pytest.raises(TypeError, match="must return a dict"):
        fit(model, batches, loss_fn, opt, 1, eval_fn=lambda m: 0.5, progress=False)
    with pytest.raises(TypeError, match="metric 'acc' must be a number"):
        fit(model, batches, loss_fn, opt, 1, eval_fn=lambda m: {"acc": "high"}, progress=False)


def test_history_indexing_and_repr():
    history = History()
    assert repr(history) == "History(0 epochs)"
    with pytest.raises(IndexError, match="history is empty"):
        history.last
    history.append({"epoch": 1, "train_loss": 0.123456})
    assert repr(history) == "History(1 epoch; last: epoch=1, train_loss=0.1235)"
    with pytest.raises(KeyError, match="it records: epoch, train_loss"):
        history["val_acc"]
    with pytest.raises(TypeError, match="metric name"):
        history[1.0]
    last = history.last
    last["epoch"] = 99                       # a copy: the history is not changed through it
    assert history.last["epoch"] == 1
    assert [r["epoch"] for r in history] == [1]


def test_progress_bar_shows_only_when_asked(capsys, monkeypatch):
    _run(num_epochs=2)                       # progress=False
    assert capsys.readouterr().err == ""
    x, y = _problem()
    model = nn.Linear(4, 2)
    fit(model, [(x, y)], _loss, torch.optim.SGD(model.parameters(), lr=0.1), 2,
        eval_fn=lambda m: {"train_acc": _accuracy(m, x, y)}, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "train_acc=" in err and "train_loss=" in err
    monkeypatch.setenv(train_mod.PROGRESS_ENV, "0")
    fit(model, [(x, y)], _loss, torch.optim.SGD(model.parameters(), lr=0.1), 2)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv(train_mod.PROGRESS_ENV, "1")
    fit(model, [(x, y)], _loss, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    assert "1/1" in capsys.readouterr().err


def test_progress_default_is_off_outside_an_interactive_session(monkeypatch):
    import io

    monkeypatch.delenv(train_mod.PROGRESS_ENV, raising=False)
    stderr = io.StringIO()                                           # not a terminal
    monkeypatch.setattr(train_mod.sys, "stderr", stderr)
    assert train_mod._interactive() is False
    model = nn.Linear(2, 2)
    fit(model, [torch.ones(1, 2)], lambda m, b: m(b).sum(), torch.optim.SGD(model.parameters(), lr=0.1), 1)
    assert stderr.getvalue() == ""
