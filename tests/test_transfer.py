"""The small labelled task of lesson 05: encoding, BagOfEmbeddings, train_classifier, the lesson's claims."""
from __future__ import annotations

import pytest
import torch

from course_lib import data, plots, toyworld
from course_lib.models import BagOfEmbeddings
from course_lib.pretrain import train_sgns
from course_lib.toyworld import Sentence
from course_lib.train import History
from course_lib.transfer import INITS, OPTIMIZERS, build_classifier, encode_labelled, train_classifier
from course_lib.vectors import align
from course_lib.vocab import Vocab

NUM_TRAIN = 48  # the lesson's training set: 4 balanced blocks of 12 sentences


@pytest.fixture(autouse=True, scope="module")
def _course_threads():
    """Train on the course's thread count, as the lesson does after course_lib.setup()."""
    from course_lib.runtime import course_threads

    with course_threads():
        yield


@pytest.fixture(scope="module")
def vocab():
    return data.load_vocab()


@pytest.fixture(scope="module")
def sgns():
    return train_sgns(data.load_corpus())


@pytest.fixture(scope="module")
def weight(vocab, sgns):
    return align(vocab, sgns.words, sgns.vectors)[0]


@pytest.fixture(scope="module")
def task(vocab):
    train = encode_labelled(data.load_sentences("train")[:NUM_TRAIN], vocab)
    return train, encode_labelled(data.load_sentences("validation"), vocab)


def final(init, task, weight, seed, **kwargs):
    return train_classifier(init, *task, num_classes=2, weight=weight, seed=seed, **kwargs)[1].last


# ---------------------------------------------------------------- encode_labelled
def test_encode_labelled_pads_with_pad_and_indexes_labels():
    vocab = Vocab.from_tokens("we ate bread it was good".split())
    sentences = [Sentence(("we", "ate", "bread"), "food", "positive"), Sentence(("it", "was", "zebra", "good"), "food", "negative")]
    ids, labels = encode_labelled(sentences, vocab)
    assert ids.shape == (2, 4) and ids.dtype == torch.long
    assert ids[0, 3] == vocab.pad_id and ids[1, 2] == vocab.unk_id
    assert labels.tolist() == [1, 0]
    _, topics = encode_labelled(sentences, vocab, task="topic")
    assert topics.tolist() == [toyworld.TOPICS.index("food")] * 2


def test_encode_labelled_validates():
    vocab = Vocab.from_tokens(["a"])
    good = [Sentence(("a",), "food", "positive")]
    with pytest.raises(ValueError, match="task must be 'sentiment' or 'topic'; got 'mood'"):
        encode_labelled(good, vocab, task="mood")
    with pytest.raises(TypeError, match="vocab must be a course_lib Vocab"):
        encode_labelled(good, ["a"])
    with pytest.raises(TypeError, match="non-empty list of toyworld.Sentence"):
        encode_labelled(["a"], vocab)


# ---------------------------------------------------------------- BagOfEmbeddings
def test_bag_shapes_and_padding_invariance():
    torch.manual_seed(0)
    model = BagOfEmbeddings(20, 6, num_classes=3)
    ids = torch.tensor([[4, 7, 0, 0, 0], [1, 2, 3, 4, 5]])
    logits = model(ids)
    assert logits.shape == (2, 3)
    torch.testing.assert_close(model(ids[:1, :2]), logits[:1])
    expected = model.classifier(model.embedding.weight[[4, 7]].mean(0, keepdim=True))
    torch.testing.assert_close(logits[:1], expected)
    assert not model.embedding.weight[0].any()  # padding row zero at init


def test_bag_from_pretrained_copies_and_freezes():
    weight = torch.randn(10, 4)
    keep = weight.clone()
    frozen = BagOfEmbeddings.from_pretrained(weight, num_classes=2)
    tuned = BagOfEmbeddings.from_pretrained(weight, num_classes=2, freeze=False)
    assert not frozen.embedding.weight.requires_grad and tuned.embedding.weight.requires_grad
    assert torch.equal(tuned.embedding.weight, weight)
    assert tuned.embedding.weight.data_ptr() != weight.data_ptr()
    tuned(torch.tensor([[1, 2]])).sum().backward()
    with torch.no_grad():
        tuned.embedding.weight -= tuned.embedding.weight.grad
    assert torch.equal(weight, keep)  # the caller's tensor never moves
    with pytest.raises(ValueError, match="weight must be a 2-D float tensor"):
        BagOfEmbeddings.from_pretrained(torch.ones(3, dtype=torch.long).view(3, 1), num_classes=2)


# ---------------------------------------------------------------- train_classifier
def test_train_classifier_is_reproducible_and_keeps_the_global_rng(task, weight):
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    a = train_classifier("fine-tuned", *task, num_classes=2, weight=weight, num_epochs=3, seed=1)
    assert torch.equal(torch.rand(2), expected)
    b = train_classifier("fine-tuned", *task, num_classes=2, weight=weight, num_epochs=3, seed=1)
    assert a[1] == b[1] and torch.equal(a[0].embedding.weight, b[0].embedding.weight)
    assert set(a[1].keys()) == {"epoch", "train_loss", "train_acc", "val_acc", "val_loss"}


@pytest.mark.parametrize("init", INITS)
def test_what_each_init_trains(task, weight, init):
    model, history = train_classifier(init, *task, num_classes=2, weight=weight, num_epochs=2)
    table = model.embedding.weight.detach()
    assert len(history) == 2 and table.shape == weight.shape
    if init == "frozen":
        assert torch.equal(table, weight) and not model.embedding.weight.requires_grad
    elif init == "fine-tuned":
        assert not torch.equal(table, weight) and model.embedding.weight.requires_grad
    else:
        assert not table[0].any()
        assert 0.9 < float(table[1:].std()) < 1.1  # nn.Embedding's N(0, 1), 2 epochs later


def test_random_init_needs_only_a_size(task):
    model, _ = train_classifier("random", *task, num_classes=2, num_embeddings=442, embedding_dim=8, num_epochs=1)
    assert model.embedding.weight.shape == (442, 8)


def test_adam_is_the_default_optimizer_bit_for_bit(task, weight):
    """optimizer="adam" is what train_classifier always did: every result of lessons 05 and 06 stays the same."""
    default = train_classifier("fine-tuned", *task, num_classes=2, weight=weight, num_epochs=2, seed=3)
    adam = train_classifier("fine-tuned", *task, num_classes=2, weight=weight, num_epochs=2, seed=3, optimizer="adam")
    assert default[1] == adam[1]
    assert all(torch.equal(a, b) for a, b in zip(default[0].state_dict().values(), adam[0].state_dict().values()))
    assert OPTIMIZERS == ("adam", "sgd")


@pytest.mark.parametrize("model", ["bag", "gru"])
def test_sgd_moves_each_number_by_lr_times_its_gradient(task, weight, model):
    """One step of optimizer="sgd" over the whole training set is p - lr * grad, for the table and the rest."""
    (ids, labels), lr = task[0], 0.5
    start = build_classifier("fine-tuned", num_classes=2, weight=weight, model=model, seed=4)
    torch.nn.functional.cross_entropy(start(ids), labels).backward()
    trained, _ = train_classifier("fine-tuned", *task, num_classes=2, weight=weight, model=model, seed=4,
                                  optimizer="sgd", lr=lr, num_epochs=1, batch_size=len(labels))
    for (name, before), after in zip(start.named_parameters(), trained.parameters()):
        torch.testing.assert_close(after.detach(), before.detach() - lr * before.grad, msg=name)
    assert not torch.equal(trained.embedding.weight, start.embedding.weight)


def test_sgd_moves_a_number_in_proportion_to_its_gradient_and_adam_does_not(task, weight):
    """Numbers whose gradients are over a hundred times apart: SGD's first step moves them as far apart, Adam's
    moves each by lr (while the gradient is well above eps), which is why lesson 05's fading gradient matters for
    one optimizer and not the other."""
    ids, labels = task[0]
    start = build_classifier("fine-tuned", num_classes=2, weight=weight, seed=5)
    torch.nn.functional.cross_entropy(start(ids), labels).backward()
    grad = start.embedding.weight.grad.abs()                                      # (V, D)
    clear = grad > 1e-5                                                            # far above Adam's eps, 1e-8
    assert float(grad[clear].max() / grad[clear].min()) > 100
    for optimizer in OPTIMIZERS:
        trained, _ = train_classifier("fine-tuned", *task, num_classes=2, weight=weight, seed=5, num_epochs=1,
                                      batch_size=len(labels), optimizer=optimizer, lr=0.01)
        moved = (trained.embedding.weight - start.embedding.weight).detach().abs()[clear]
        if optimizer == "adam":                                                    # lr * g / (|g| + eps)
            torch.testing.assert_close(moved, torch.full_like(moved, 0.01), rtol=2e-3, atol=0)
        else:                                                                      # lr * g
            assert float(moved.max() / moved.min()) > 100


@pytest.mark.parametrize("kwargs, match", [
    ({"init": "random", "num_embeddings": 442, "embedding_dim": 8, "optimizer": "SGD"},
     r"optimizer must be one of \['adam', 'sgd'\]; got 'SGD'"),
    ({"init": "pretrained", "weight": torch.ones(3, 2)}, "init must be one of"),
    ({"init": "frozen"}, "init='frozen' starts from pretrained vectors: pass weight="),
    ({"init": "random"}, "needs num_embeddings and embedding_dim"),
])
def test_train_classifier_validates(task, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_classifier(*[kwargs.pop("init")], *task, num_classes=2, **kwargs)


# ---------------------------------------------------------------- the lesson's claims, over seeds
SEEDS = range(5)


def test_frozen_beats_random_on_every_seed_and_fine_tuned_lies_between(task, weight):
    runs = {init: [final(init, task, weight, seed) for seed in SEEDS] for init in INITS}
    val = {init: [r["val_acc"] for r in rs] for init, rs in runs.items()}
    for seed in SEEDS:
        assert val["frozen"][seed] > val["random"][seed] + 0.1
        assert runs["random"][seed]["train_acc"] == 1.0 and val["random"][seed] < 0.9  # memorised, not learned
    mean = {init: sum(v) / len(v) for init, v in val.items()}
    assert mean["random"] < mean["fine-tuned"] < mean["frozen"]
    assert max(val["fine-tuned"]) < min(val["frozen"])


def test_the_advantage_of_pretrained_vectors_shrinks_with_more_labels(vocab, weight):
    validation = encode_labelled(data.load_sentences("validation"), vocab)
    for seed in range(3):
        gap = {}
        for n in (24, 192):
            train = encode_labelled(data.load_sentences("train")[:n], vocab)
            gap[n] = (final("frozen", (train, validation), weight, seed)["val_acc"]
                      - final("random", (train, validation), weight, seed)["val_acc"])
        assert gap[24] > 0.15 and gap[192] < 0.05


def test_oov_rows_at_the_wrong_scale_hurt_a_frozen_table(vocab, sgns, task):
    keep = [i for i in range(len(sgns.words)) if i % 3 != 2]  # the file lacks a third of the words
    words, vectors = [sgns.words[i] for i in keep], sgns.vectors[keep]
    accuracy = {}
    for oov in ("normal", "mean", "zeros", "N(0, 1)"):
        w, found = align(vocab, words, vectors, oov="zeros" if oov == "N(0, 1)" else oov)
        if oov == "N(0, 1)":
            w[~found] = torch.randn(int((~found).sum()), w.shape[1], generator=torch.Generator().manual_seed(0))
            w[0] = 0.0
        accuracy[oov] = [final("frozen", task, w, seed)["val_acc"] for seed in range(3)]
    assert min(accuracy["zeros"]) > max(accuracy["N(0, 1)"]) + 0.05
    assert min(accuracy["mean"]) > max(accuracy["N(0, 1)"]) + 0.05


# ---------------------------------------------------------------- the lesson's figures
def test_plot_histories_draws_train_dashed_and_validation_solid():
    h = History([{"epoch": e, "train_loss": 1.0, "train_acc": 0.5 + e / 10, "val_acc": 0.5} for e in (1, 2, 3)])
    ax = plots.plot_histories({"random": h, "frozen": h})
    lines = ax.get_lines()
    assert [line.get_linestyle() for line in lines] == ["--", "-", "--", "-"]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert list(lines[0].get_ydata()) == [0.6, 0.7, 0.8]
    assert ax.get_title() and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "accuracy"


def test_plot_init_histograms_uses_a_log_density_axis():
    ax = plots.plot_init_histograms({"a": torch.randn(500), "b": torch.rand(500) * 0.1})
    assert ax.get_yscale() == "log" and len(ax.patches) == 2 and ax.get_title()


def test_plot_init_histograms_keeps_densities_when_zoomed():
    values = torch.rand(10_000) * 0.1 - 0.05                   # U(-0.05, 0.05): density 10
    wide = torch.randn(10_000)
    ax = plots.plot_init_histograms({"u": values, "n": wide}, value_range=(-0.1, 0.1), bins=20, title="zoom")
    uniform, normal = (patch.get_data().values for patch in ax.patches)
    assert ax.get_title() == "zoom"
    assert abs(float(uniform[5:15].mean()) - 10.0) < 1.0 and uniform[:4].sum() == 0
    assert abs(float(normal.mean()) - 0.4) < 0.1                # N(0, 1) near 0, not rescaled by the zoom


# ---------------------------------------------------------------- exercise 2 names the <pad> row
def test_exercise_2_says_the_pad_row_trains_too():
    """Leaving the <pad> row out of the fine-tuned count (441 rows, not 442) gets its own message."""
    from course_lib.exercises import lesson05 as ex

    model = BagOfEmbeddings.from_pretrained(torch.randn(442, 64), num_classes=2, freeze=False)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 442 * 64 + 130   # the pad row counts
    message = ex.q2.evaluate((130, 441 * 64 + 130)).message
    assert "`<pad>` row's numbers are trainable too; they just always get a zero gradient" in message
