"""Lesson 05, section 4: RecurrentClassifier, build_classifier and train_classifier(model=...),
gradient_by_position, the figure, and the lesson's claims over seeds 0-2."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_lib import data, plots
from course_lib.models import BagOfEmbeddings, RecurrentClassifier
from course_lib.pretrain import train_sgns
from course_lib.transfer import (INITS, MODELS, build_classifier, encode_labelled, gradient_by_position,
                                 train_classifier)
from course_lib.vectors import align

CELLS = ("gru", "lstm")
IDS = torch.tensor([[4, 7, 2, 9, 3],      # 5 words
                    [5, 1, 0, 0, 0],      # 2 words
                    [8, 0, 0, 0, 0],      # 1 word
                    [6, 6, 3, 2, 0]])     # 4 words
LABELS = torch.tensor([1, 0, 1, 0])


@pytest.fixture(autouse=True, scope="module")
def _course_threads():
    """Train on the course's thread count, as the lesson does after course_lib.setup()."""
    from course_lib.runtime import course_threads

    with course_threads():
        yield


def tiny(cell="gru", seed=0, **kwargs):
    torch.manual_seed(seed)
    return RecurrentClassifier(10, 4, num_classes=2, hidden_size=3, cell=cell, **kwargs)


# ---------------------------------------------------------------- RecurrentClassifier
@pytest.mark.parametrize("cell", CELLS)
def test_shapes_and_parts(cell):
    model = tiny(cell)
    assert model(IDS).shape == (4, 2)
    assert isinstance(model.rnn, {"gru": nn.GRU, "lstm": nn.LSTM}[cell]) and model.rnn.batch_first
    assert model.rnn.hidden_size == 3 and model.classifier.in_features == 3
    assert model.embedding.padding_idx == 0 and not model.embedding.weight[0].any()


@pytest.mark.parametrize("cell", CELLS)
def test_padding_changes_nothing(cell):
    model = tiny(cell)
    logits = model(IDS)
    torch.testing.assert_close(model(F.pad(IDS, (0, 7))), logits)                 # 7 more pad columns
    for b in range(len(IDS)):                                                     # each sentence alone, unpadded
        n = int((IDS[b] != 0).sum())
        torch.testing.assert_close(model(IDS[b:b + 1, :n]), logits[b:b + 1])


@pytest.mark.parametrize("cell", CELLS)
def test_the_state_read_is_the_packed_sequence_final_state(cell):
    model = tiny(cell)
    lengths = (IDS != 0).sum(dim=1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embedding(IDS), lengths, batch_first=True, enforce_sorted=False)
    _, h_n = model.rnn(packed)
    h_n = h_n[0] if cell == "lstm" else h_n                                       # LSTM: (h_n, c_n)
    torch.testing.assert_close(model(IDS), model.classifier(h_n[0]))


def test_the_last_column_would_read_the_pads():
    """The bug the lesson's exercise 3 is about: outputs[:, -1] differs for every padded sentence."""
    model = tiny()
    outputs, _ = model.rnn(model.embedding(IDS))
    padded = (IDS == 0).any(dim=1)
    differs = ~torch.isclose(model.classifier(outputs[:, -1]), model(IDS)).all(dim=1)
    assert torch.equal(differs, padded)


def test_an_empty_sentence_reads_the_zero_initial_state():
    model = tiny()
    torch.testing.assert_close(model(torch.zeros(1, 3, dtype=torch.long)), model.classifier(torch.zeros(1, 3)))


def test_pads_get_no_gradient_and_words_do():
    model = tiny()
    embedded = model.embedding(IDS).detach().requires_grad_()
    outputs, _ = model.rnn(embedded)
    lengths = (IDS != 0).sum(dim=1)
    model.classifier(outputs[torch.arange(4), lengths - 1]).sum().backward()
    norms = embedded.grad.norm(dim=-1)
    assert not norms[IDS == 0].any() and (norms[IDS != 0] > 0).all()


def test_from_pretrained_copies_and_freezes():
    weight = torch.randn(10, 4)
    keep = weight.clone()
    frozen = RecurrentClassifier.from_pretrained(weight, num_classes=2, hidden_size=5)
    tuned = RecurrentClassifier.from_pretrained(weight, num_classes=2, freeze=False, cell="lstm")
    assert not frozen.embedding.weight.requires_grad and tuned.embedding.weight.requires_grad
    assert frozen.rnn.hidden_size == 5 and isinstance(tuned.rnn, nn.LSTM)
    assert torch.equal(tuned.embedding.weight, weight) and tuned.embedding.weight.data_ptr() != weight.data_ptr()
    tuned(IDS).sum().backward()
    with torch.no_grad():
        tuned.embedding.weight -= tuned.embedding.weight.grad
    assert torch.equal(weight, keep)                                              # the caller's tensor never moves
    with pytest.raises(ValueError, match=r"weight must be a 2-D float tensor \(V, D\)"):
        RecurrentClassifier.from_pretrained(torch.ones(3, 1, dtype=torch.long), num_classes=2)


@pytest.mark.parametrize("kwargs, match", [
    ({"cell": "rnn"}, "cell must be 'gru' or 'lstm'; got 'rnn'"),
    ({"hidden_size": 0}, "hidden_size must be a positive int; got 0"),
    ({"hidden_size": 2.5}, "hidden_size must be a positive int; got 2.5"),
    ({"num_classes": True}, "num_classes must be a positive int; got True"),
])
def test_constructor_validates(kwargs, match):
    args = {"num_embeddings": 10, "embedding_dim": 4, "num_classes": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        RecurrentClassifier(**args)


def test_ids_are_checked_before_the_recurrence_runs():
    model = tiny()
    with pytest.raises(ValueError, match=r"ids must be padded on the right: sentence 1 has the pad id 0 at "
                                         r"position 1 and a word after it\. Put the padding after the last word"):
        model(torch.tensor([[3, 4, 5], [2, 0, 6]]))
    with pytest.raises(ValueError, match=r"got shape \(5,\)\. For one sentence use ids.unsqueeze\(0\)"):
        model(IDS[0])
    with pytest.raises(IndexError, match="num_embeddings=10"):
        model(torch.tensor([[3, 10]]))
    with pytest.raises(TypeError):
        model(IDS.float())
    with pytest.raises(ValueError, match="padding_idx must be the int id of <pad>.*got None. Pad with an id"):
        RecurrentClassifier(10, 4, num_classes=2, padding_idx=None)


# ---------------------------------------------------------------- build_classifier and train_classifier(model=...)
@pytest.fixture(scope="module")
def small_task():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(2, 12, (24, 6), generator=gen)
    ids[::3, 4:] = 0                                                             # some right padding
    labels = (ids == 5).any(dim=1).long()
    return (ids, labels), (ids, labels)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("init", INITS)
def test_build_classifier_is_the_model_train_classifier_starts_from(small_task, init, model):
    weight = torch.randn(12, 4)
    kwargs = {"num_classes": 2, "weight": weight, "model": model, "seed": 3}
    if model != "bag":
        kwargs["hidden_size"] = 5
    start = build_classifier(init, **kwargs)
    trained, _ = train_classifier(init, *small_task, num_epochs=1, lr=0.0, **kwargs)   # lr=0: nothing moves
    assert type(start) is type(trained)
    for (name, a), (_, b) in zip(start.state_dict().items(), trained.state_dict().items()):
        assert torch.equal(a, b), name
    table = start.embedding.weight
    assert table.requires_grad == (init != "frozen")
    assert torch.equal(table.detach(), weight) == (init != "random")
    if model != "bag":
        assert start.rnn.hidden_size == 5 and start.cell == model


def test_build_classifier_depends_on_seed_only():
    torch.manual_seed(1)
    expected = torch.rand(2)
    torch.manual_seed(1)
    a = build_classifier("random", num_classes=2, num_embeddings=12, embedding_dim=4, model="gru", seed=4)
    assert torch.equal(torch.rand(2), expected)                                   # the global random state is kept
    b = build_classifier("random", num_classes=2, num_embeddings=12, embedding_dim=4, model="gru", seed=4)
    c = build_classifier("random", num_classes=2, num_embeddings=12, embedding_dim=4, model="gru", seed=5)
    assert torch.equal(a.rnn.weight_ih_l0, b.rnn.weight_ih_l0)
    assert not torch.equal(a.rnn.weight_ih_l0, c.rnn.weight_ih_l0)
    assert a.rnn.hidden_size == 32                                                # the default


def test_build_classifier_bag_is_what_train_classifier_always_built():
    """The bag's numbers are the ones lesson 05 and 06 were written with: seed, then the constructor."""
    weight = torch.randn(12, 4)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)
        expected = BagOfEmbeddings(12, 4, 2)
    built = build_classifier("random", num_classes=2, weight=weight, seed=2)
    assert all(torch.equal(a, b) for a, b in zip(expected.state_dict().values(), built.state_dict().values()))


@pytest.mark.parametrize("kwargs, match", [
    ({"init": "random", "model": "transformer"}, r"model must be one of \['bag', 'gru', 'lstm'\]; got 'transformer'"),
    ({"init": "random", "hidden_size": 8}, "hidden_size=8 is for model='gru' or 'lstm'; model='bag' has no "
                                           "recurrent state: leave hidden_size out"),
    ({"init": "random", "model": "gru", "hidden_size": -1}, "hidden_size must be a positive int; got -1"),
    ({"init": "pretrained"}, "init must be one of"),
    ({"init": "fine-tuned", "weight": None}, "init='fine-tuned' starts from pretrained vectors: pass weight="),
])
def test_bad_arguments_name_the_argument_the_value_and_the_fix(small_task, kwargs, match):
    kwargs = {"weight": torch.randn(12, 4), **kwargs}
    init = kwargs.pop("init")
    with pytest.raises(ValueError, match=match):
        build_classifier(init, num_classes=2, **kwargs)
    with pytest.raises(ValueError, match=match):
        train_classifier(init, *small_task, num_classes=2, **kwargs)


@pytest.mark.parametrize("init", INITS)
def test_train_classifier_trains_a_gru_as_init_says(small_task, init):
    weight = torch.randn(12, 4)
    model, history = train_classifier(init, *small_task, num_classes=2, weight=weight, model="gru", hidden_size=6,
                                      num_epochs=3, seed=1)
    again, history_again = train_classifier(init, *small_task, num_classes=2, weight=weight, model="gru",
                                            hidden_size=6, num_epochs=3, seed=1)
    assert isinstance(model, RecurrentClassifier) and model.rnn.hidden_size == 6 and len(history) == 3
    assert history == history_again and torch.equal(model.rnn.weight_hh_l0, again.rnn.weight_hh_l0)
    assert set(history.keys()) == {"epoch", "train_loss", "train_acc", "val_acc", "val_loss"}
    table = model.embedding.weight.detach()
    if init == "frozen":
        assert torch.equal(table, weight)
    elif init == "fine-tuned":
        assert not torch.equal(table, weight)
    start = build_classifier("random", num_classes=2, weight=weight, model="gru", hidden_size=6, seed=1)
    assert not torch.equal(model.rnn.weight_hh_l0, start.rnn.weight_hh_l0)        # the GRU learned in every case


# ---------------------------------------------------------------- gradient_by_position
def by_hand(model, ids, labels):
    """The same measurement written out: the lookup's output as a leaf, the model's forward by hand,
    each sentence's loss, and a Python loop over the words."""
    embedded = model.embedding(ids).detach().requires_grad_()                     # (B, T, D)
    lengths = (ids != 0).sum(dim=1)
    if isinstance(model, RecurrentClassifier):
        outputs, _ = model.rnn(embedded)
        logits = model.classifier(outputs[torch.arange(len(ids)), lengths - 1])
    else:
        keep = (ids != 0).unsqueeze(-1)
        logits = model.classifier((embedded * keep).sum(1) / keep.sum(1))
    sum(F.cross_entropy(logits[b:b + 1], labels[b:b + 1]) for b in range(len(ids))).backward()
    norms = {}
    for b in range(len(ids)):
        n = int(lengths[b])
        for t in range(n):
            norms.setdefault(n - 1 - t, []).append(float(embedded.grad[b, t].norm()))
    return torch.tensor([sum(v) / len(v) for _, v in sorted(norms.items())])


@pytest.mark.parametrize("model", ["gru", "lstm", "bag"])
def test_gradient_by_position_equals_a_hand_computation(model):
    torch.manual_seed(0)
    net = tiny(model) if model != "bag" else BagOfEmbeddings(10, 4, num_classes=2)
    got = gradient_by_position(net, IDS, LABELS)
    assert got.shape == (5,) and got.device.type == "cpu"
    torch.testing.assert_close(got, by_hand(net, IDS, LABELS))


def test_a_bag_gives_every_word_of_a_sentence_the_same_share():
    """In a bag, each word of an n-word sentence gets W^T (softmax - onehot) / n."""
    torch.manual_seed(0)
    bag = BagOfEmbeddings(10, 4, num_classes=2)
    same_length = torch.tensor([[4, 7, 2, 9], [5, 1, 8, 3], [6, 6, 3, 2]])
    labels = torch.tensor([1, 0, 1])
    got = gradient_by_position(bag, same_length, labels)
    torch.testing.assert_close(got, got[0].expand(4))
    with torch.no_grad():
        error = bag(same_length).softmax(-1) - F.one_hot(labels, 2)                # (B, 2)
        expected = (error @ bag.classifier.weight).norm(dim=1).mean() / 4          # (B, D) -> a number
    torch.testing.assert_close(got[0], expected)
    # mixed lengths: the far entries hold only the long sentences, whose shares are smaller
    mixed = gradient_by_position(bag, IDS, LABELS)
    assert mixed[-1] < mixed[0]


def test_a_gru_fades_at_initialisation():
    torch.manual_seed(0)
    gru = RecurrentClassifier(50, 8, num_classes=2, hidden_size=8)
    ids = torch.randint(2, 50, (16, 12))
    norms = gradient_by_position(gru, ids, torch.randint(0, 2, (16,)))
    assert norms[-1] < 0.1 * norms[0]


def test_gradient_by_position_changes_nothing_of_the_model():
    gru = RecurrentClassifier.from_pretrained(torch.randn(10, 4), num_classes=2, hidden_size=3)   # frozen table
    gru.eval()
    before = {k: v.clone() for k, v in gru.state_dict().items()}
    gradient_by_position(gru, IDS, LABELS)
    assert not gru.training
    assert all(p.grad is None for p in gru.parameters())
    assert all(torch.equal(before[k], v) for k, v in gru.state_dict().items())
    assert not gru.embedding.weight.requires_grad
    assert not gru.embedding._forward_hooks                                       # the hook is gone
    with torch.no_grad():                                                         # works inside no_grad too
        assert gradient_by_position(gru, IDS, LABELS).shape == (5,)


def test_gradient_by_position_leaves_out_pads_wherever_they_are_in_a_bag():
    torch.manual_seed(0)
    bag = BagOfEmbeddings(10, 4, num_classes=2)
    left = torch.tensor([[0, 0, 4, 7], [5, 1, 2, 3]])
    right = torch.tensor([[4, 7, 0, 0], [5, 1, 2, 3]])
    labels = torch.tensor([0, 1])
    torch.testing.assert_close(gradient_by_position(bag, left, labels), gradient_by_position(bag, right, labels))


class _TwoLookups(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 4, padding_idx=0)
        self.classifier = nn.Linear(4, 2)

    def forward(self, ids):
        return self.classifier(self.embedding(ids).mean(1) + self.embedding(ids).mean(1))


@pytest.mark.parametrize("args, error, match", [
    ((nn.Linear(4, 2), IDS, LABELS), TypeError, "model must be an nn.Module with its table at model.embedding"),
    ((None, IDS, LABELS), TypeError, "got NoneType"),
    (("bag", IDS[0], LABELS), ValueError, r"ids must be a \(B, T\) tensor of padded sentences; got \(5,\)"),
    (("bag", IDS, LABELS[:2]), ValueError, r"labels must be a \(B,\) tensor of class indices, one per sentence "
                                           r"of ids \(B=4\); got torch.int64 of shape \(2,\)"),
    (("bag", IDS, LABELS.float()), ValueError, "got torch.float32 of shape"),
    (("bag", IDS, [1, 0, 1, 0]), ValueError, "got list"),
    (("bag", torch.zeros(2, 3, dtype=torch.long), LABELS[:2]), ValueError, "ids holds no words: every id is the pad id 0"),
    ((_TwoLookups(), IDS, LABELS), ValueError, "looked model.embedding up 2 times in one call"),
])
def test_gradient_by_position_validates(args, error, match):
    model, ids, labels = args
    if model == "bag":
        model = BagOfEmbeddings(10, 4, num_classes=2)
    with pytest.raises(error, match=match):
        gradient_by_position(model, ids, labels)
    if isinstance(model, _TwoLookups):
        assert not model.embedding._forward_hooks                                 # removed even after an error


# ---------------------------------------------------------------- the figure
def test_plot_gradient_by_position_draws_one_line_per_model_on_a_log_axis():
    curves = {"bag": torch.full((4,), 0.25), "GRU": torch.tensor([0.5, 0.1, 0.02, 0.01])}
    ax = plots.plot_gradient_by_position(curves)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["bag", "GRU"]
    assert list(lines[1].get_xdata()) == [0, 1, 2, 3] and list(lines[1].get_ydata()) == pytest.approx([0.5, 0.1, 0.02, 0.01])
    assert ax.get_yscale() == "log" and ax.xaxis_inverted()                       # the first word on the left
    assert ax.get_title() and "last word" in ax.get_xlabel() and ax.get_ylabel()
    again = plots.plot_gradient_by_position(curves, ax=ax, title="again")         # drawing twice keeps the order
    assert again is ax and ax.xaxis_inverted() and ax.get_title() == "again"


# ---------------------------------------------------------------- the lesson's claims, over seeds 0-2
SEEDS = range(3)
SGD_LRS = (0.1, 1.0)


@pytest.fixture(scope="module")
def lesson():
    vocab = data.load_vocab()
    sgns = train_sgns(data.load_corpus())
    weight = align(vocab, sgns.words, sgns.vectors)[0]
    train = encode_labelled(data.load_sentences("train")[:48], vocab)
    validation = encode_labelled(data.load_sentences("validation"), vocab)
    same_length = (validation[0] != 0).sum(dim=1) == 16
    return {"vocab": vocab, "weight": weight, "train": train, "validation": validation,
            "ids16": validation[0][same_length, :16], "labels16": validation[1][same_length]}


def early_over_late(lesson, start, trained):
    """As the notebook computes it: rows of words seen once, 10+ words from the end vs among the last 4."""
    ids = lesson["train"][0]
    after = (ids != 0).sum(dim=1, keepdim=True) - 1 - torch.arange(ids.shape[1])
    once = torch.bincount(ids[ids != 0], minlength=len(lesson["vocab"])) == 1
    early, late = ids[once[ids] & (after >= 10)], ids[once[ids] & (after <= 3)]
    moved = (trained.embedding.weight.detach() - start.embedding.weight.detach()).norm(dim=1)
    return float(moved[early].mean() / moved[late].mean())


@pytest.fixture(scope="module")
def runs(lesson):
    out = {}
    for seed in SEEDS:
        def run(init, model, weight=lesson["weight"]):
            return train_classifier(init, lesson["train"], lesson["validation"], num_classes=2, weight=weight,
                                    model=model, seed=seed)
        for model in ("bag", "gru"):
            for init in INITS:
                out[seed, model, init] = run(init, model)
            table = build_classifier("random", num_classes=2, weight=lesson["weight"], model=model, seed=seed)
            out[seed, model, "random frozen"] = run("frozen", model, table.embedding.weight.detach())
        out[seed, "lstm", "random"] = run("random", "lstm")
        for lr in SGD_LRS:                       # the answer's own optimizer: plain SGD (its code uses lr=1.01)
            out[seed, "gru", "random", "sgd", lr] = train_classifier(
                "random", lesson["train"], lesson["validation"], num_classes=2, weight=lesson["weight"], model="gru",
                seed=seed, optimizer="sgd", lr=lr)
    return out


def share(model, lesson):
    norms = gradient_by_position(model, lesson["ids16"], lesson["labels16"])
    return float(norms[-1] / norms[0]), norms


@pytest.mark.parametrize("seed", SEEDS)
def test_section_4_accuracies(runs, seed):
    val = {(m, i): runs[seed, m, i][1].last["val_acc"] for m in ("bag", "gru") for i in INITS}
    assert all(runs[seed, "gru", i][1].last["train_acc"] == 1.0 for i in INITS)
    assert val["gru", "frozen"] > val["gru", "random"] + 0.15
    for m in ("bag", "gru"):
        assert val[m, "random"] < val[m, "fine-tuned"] < val[m, "frozen"]


@pytest.mark.parametrize("seed", SEEDS)
def test_section_4_gradients_fade_but_early_rows_train(lesson, runs, seed):
    start = {m: build_classifier("random", num_classes=2, weight=lesson["weight"], model=m, seed=seed)
             for m in ("bag", "gru", "lstm")}
    for model in (start["bag"], runs[seed, "bag", "random"][0]):
        _, norms = share(model, lesson)
        torch.testing.assert_close(norms, norms[0].expand(16))
    for m in ("gru", "lstm"):
        at_init, _ = share(start[m], lesson)
        trained, _ = share(runs[seed, m, "random"][0], lesson)
        assert at_init < 1e-3 and trained > 10 * at_init
        assert early_over_late(lesson, start[m], runs[seed, m, "random"][0]) > 0.8
    assert share(runs[seed, "gru", "random"][0], lesson)[0] < 1
    lstm_last = runs[seed, "lstm", "random"][1].last
    assert lstm_last["train_acc"] == 1.0 and lstm_last["val_acc"] < 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_section_4_with_plain_sgd_early_rows_barely_move(lesson, runs, seed):
    """The answer's first reason, with its own optimizer: under plain SGD the rows of early words move less than a
    hundredth as far as those of late ones (0.001 to 0.003 over seeds 0-2, learning rates 0.1 and 1.0); with
    Adam, about as far (1.05 to 1.38)."""
    start = build_classifier("random", num_classes=2, weight=lesson["weight"], model="gru", seed=seed)
    adam = early_over_late(lesson, start, runs[seed, "gru", "random"][0])
    assert 0.8 < adam < 2.0
    for lr in SGD_LRS:
        model, history = runs[seed, "gru", "random", "sgd", lr]
        assert early_over_late(lesson, start, model) < 0.01
        assert not torch.equal(model.embedding.weight, start.embedding.weight)   # the table did train, a little


@pytest.mark.parametrize("seed", SEEDS)
def test_section_4_fine_tuning_ends_below_frozen_in_both_models(runs, seed):
    """As in the bag, fine-tuning the GRU's table ends below frozen. By how much varies: less than the bag for
    seeds 0 and 1 (0.058 and 0.047 against 0.122 and 0.115), more for seed 2 (0.127 against 0.113), so the
    lesson says "by less" for seed 0 only."""
    val = {(m, i): runs[seed, m, i][1].last["val_acc"] for m in ("bag", "gru") for i in INITS}
    for m in ("bag", "gru"):
        assert val[m, "fine-tuned"] < val[m, "frozen"] - 0.03
    if seed == 0:
        assert val["gru", "frozen"] - val["gru", "fine-tuned"] < val["bag", "frozen"] - val["bag", "fine-tuned"] - 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_going_further_training_the_random_table_buys_the_gru_less(runs, seed):
    gain = {m: runs[seed, m, "random"][1].last["val_acc"] - runs[seed, m, "random frozen"][1].last["val_acc"]
            for m in ("bag", "gru")}
    assert gain["bag"] > 0.09 and 0.01 < gain["gru"] < 0.08
    assert runs[seed, "gru", "random frozen"][1].last["train_acc"] == 1.0


# ---------------------------------------------------------------- exercise 3 names the off-by-one
def test_exercise_3_names_the_off_by_one_of_lengths():
    """`outputs[b, lengths]` instead of `lengths - 1` raises IndexError on a sentence without pads; the check says
    where the last word sits rather than "could not check an answer"."""
    from course_lib.exercises import lesson05 as ex

    def one_past(outputs, ids):
        return outputs[torch.arange(len(ids)), (ids != 0).sum(dim=1)]

    message = ex.q3.evaluate(one_past).message
    assert "a sentence of n words has its last word at position n - 1" in message
    assert "could not check" not in message

    def other_index_error(outputs, ids):
        return outputs[torch.arange(len(ids) + 1), 0]                              # a bug of another kind
    other = ex.q3.evaluate(other_index_error)
    assert other.status == "incorrect" and "position n - 1" not in other.message
    assert "IndexError" in other.message and "other_index_error" in other.message   # the learner's crash, and where
