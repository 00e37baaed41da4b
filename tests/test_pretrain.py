"""Self-supervised word vectors (course_lib.pretrain) and their checks (course_lib.vector_checks)."""
from __future__ import annotations

import pytest
import torch

from course_lib import data, toyworld
from course_lib.pretrain import (GloVeConfig, SGNSConfig, WordVectors, _encode, skipgram_pairs, _unigram_table,
                                 analogy_accuracy, cooccurrence, neighbour_purity, train_glove, train_sgns)

CUES = set(toyworld.SHARED_CONTEXT.values())


@pytest.fixture(scope="module")
def corpus():
    return data.load_corpus()


@pytest.fixture(scope="module")
def small_corpus():
    return [list(s.tokens) for s in toyworld.generate(5_000, seed=1)]


@pytest.fixture(scope="module")
def sgns(corpus):
    return train_sgns(corpus)  # the defaults, seed 0: what the lesson trains


@pytest.fixture(scope="module")
def glove(corpus):
    return train_glove(corpus)


# ---------------------------------------------------------------- the targets on the course corpus
def test_sgns_meets_the_targets_on_a_fixed_seed(sgns, corpus):
    assert isinstance(sgns, WordVectors)
    assert neighbour_purity(sgns.vectors, sgns.words) >= 0.9
    assert analogy_accuracy(sgns.vectors, sgns.words) >= 0.9
    assert sgns.losses[-1] < sgns.losses[0]
    assert len(sgns.losses) == SGNSConfig().num_epochs


def test_glove_fit_meets_the_targets_and_the_published_objective_does_not(glove, corpus):
    assert neighbour_purity(glove.vectors, glove.words) >= 0.9
    assert analogy_accuracy(glove.vectors, glove.words) >= 0.9
    published = train_glove(corpus, GloVeConfig(empty_cells="ignore"))
    assert analogy_accuracy(published.vectors, published.words) < 0.5


def test_input_plus_output_vectors_mix_categories(sgns):
    # the context table encodes what a word is seen *with*, so W + C puts "palace" near "king"
    assert neighbour_purity(sgns.vectors + sgns.context, sgns.words) < neighbour_purity(sgns.vectors, sgns.words) - 0.2


def test_without_the_pair_specific_words_analogies_fail_but_categories_stay(corpus):
    no_cues = [[w for w in s if w not in CUES] for s in corpus]
    wv = train_glove(no_cues)
    assert not CUES & set(wv.words)
    assert neighbour_purity(wv.vectors, wv.words) >= 0.9
    assert analogy_accuracy(wv.vectors, wv.words) < 0.3


def test_glove_window_must_reach_the_cue_words(corpus):
    # "the chill of the rain was very cold": the cue "chill" is 6 words from "cold"
    short = train_glove(corpus, GloVeConfig(window=3))
    assert analogy_accuracy(short.vectors, short.words, toyworld.analogies("comparative")) < 0.5


# ---------------------------------------------------------------- determinism and shapes
def test_sgns_is_reproducible_and_seeded(small_corpus):
    config = SGNSConfig(embedding_dim=8, num_epochs=2)
    a, b = train_sgns(small_corpus, config), train_sgns(small_corpus, config)
    assert torch.equal(a.vectors, b.vectors) and torch.equal(a.context, b.context) and a.losses == b.losses
    c = train_sgns(small_corpus, SGNSConfig(embedding_dim=8, num_epochs=2, seed=1))
    assert not torch.equal(a.vectors, c.vectors)


def test_sgns_leaves_the_global_random_state_alone(small_corpus):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_sgns(small_corpus, SGNSConfig(embedding_dim=4, num_epochs=1))
    assert torch.equal(torch.rand(3), expected)


def test_rows_follow_the_corpus_vocabulary(small_corpus):
    wv = train_sgns(small_corpus, SGNSConfig(embedding_dim=6, num_epochs=1, subsample=0))
    counts = {}
    for s in small_corpus:
        for w in s:
            counts[w] = counts.get(w, 0) + 1
    assert wv.words == sorted(counts, key=lambda w: (-counts[w], w))
    assert wv.vectors.shape == wv.context.shape == (len(counts), 6)
    assert wv.vectors.dtype == torch.float32 and not wv.vectors.requires_grad
    assert repr(wv) == f"WordVectors({len(counts)} words x 6 dims, SGNSConfig)"


def test_glove_is_reproducible(small_corpus):
    config = GloVeConfig(embedding_dim=8, num_steps=120)
    a, b = train_glove(small_corpus, config), train_glove(small_corpus, config)
    assert torch.equal(a.vectors, b.vectors) and len(a.losses) == 3 and a.losses[-1] < a.losses[0]


def test_progress_bar_only_when_asked(small_corpus, capsys):
    train_sgns(small_corpus, SGNSConfig(embedding_dim=4, num_epochs=1))
    train_glove(small_corpus, GloVeConfig(embedding_dim=4, num_steps=5))
    assert capsys.readouterr().err == ""
    train_glove(small_corpus, GloVeConfig(embedding_dim=4, num_steps=5), progress=True)
    assert "GloVe" in capsys.readouterr().err


# ---------------------------------------------------------------- the pieces
def testskipgram_pairs_stay_in_their_sentence_and_window():
    ids = torch.arange(12)  # ids are positions, so a pair tells where it came from
    sentence_of = torch.tensor([0] * 5 + [1] * 3 + [2] * 4)
    word, ctx = skipgram_pairs(ids, sentence_of, window=3, generator=torch.Generator().manual_seed(0))
    assert len(word) == len(ctx) > 0
    distance = (word - ctx).abs()
    assert torch.all((distance >= 1) & (distance <= 3))
    assert torch.equal(sentence_of[word], sentence_of[ctx])
    pairs = set(zip(word.tolist(), ctx.tolist()))
    assert len(pairs) == len(word)  # no pair twice in one pass


def testskipgram_pairs_with_window_one_are_all_neighbours_both_ways():
    sentence_of = torch.tensor([0, 0, 0, 1, 1])
    word, ctx = skipgram_pairs(torch.arange(5), sentence_of, window=1, generator=torch.Generator())
    assert sorted(zip(word.tolist(), ctx.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3)]


def test_skipgram_reach_is_drawn_per_token():
    ids = torch.arange(2000)
    sentence_of = torch.zeros(2000, dtype=torch.long)
    word, ctx = skipgram_pairs(ids, sentence_of, window=4, generator=torch.Generator().manual_seed(0))
    by_distance = torch.bincount((word - ctx).abs(), minlength=5)[1:].float()
    # a reach of 1..4 drawn uniformly: distance d is reached with probability (5 - d) / 4
    torch.testing.assert_close(by_distance / by_distance[0], torch.tensor([1.0, 0.75, 0.5, 0.25]), atol=0.05, rtol=0)


def test_unigram_table_draws_in_proportion_to_the_weights():
    weights = torch.tensor([8.0, 4.0, 2.0, 1.0, 1.0])
    table = _unigram_table(weights, size=1024)
    assert len(table) == 1024
    torch.testing.assert_close(torch.bincount(table, minlength=5) / 1024.0, weights / weights.sum())


def test_cooccurrence_weights_by_distance_and_stays_in_sentences():
    words, X = cooccurrence([["a", "b", "c"], ["c", "a"]], window=2)
    assert words == ["a", "c", "b"]
    a, c, b = 0, 1, 2
    assert torch.equal(X, X.T)
    assert X[a, b] == 1.0 and X[b, c] == 1.0
    assert X[a, c] == 0.5 + 1.0  # distance 2 in the first sentence, 1 in the second
    assert X.diagonal().sum() == 0


def test_cooccurrence_of_the_course_corpus_is_mostly_empty(corpus):
    words, X = cooccurrence(corpus)
    assert X.shape == (len(words), len(words))
    assert 0.5 < float((X == 0).float().mean()) < 0.95  # why GloVe's empty cells matter here


def test_encode_checks_the_corpus():
    with pytest.raises(TypeError, match="list of sentences"):
        _encode("the cat sat")
    with pytest.raises(TypeError, match="not of words; wrap it"):
        _encode(["the", "cat"])
    with pytest.raises(TypeError, match="non-empty"):
        _encode([])


# ---------------------------------------------------------------- configuration
@pytest.mark.parametrize("kwargs, match", [
    ({"embedding_dim": 0}, "embedding_dim must be an int >= 1; got 0. Use e.g. embedding_dim=64"),
    ({"window": 2.5}, "window must be an int >= 1; got 2.5"),
    ({"num_negatives": True}, "num_negatives must be an int >= 1; got True"),
    ({"batch_size": -1}, "batch_size must be an int >= 1"),
    ({"num_epochs": 0}, "num_epochs must be an int >= 1"),
    ({"lr": 0}, "lr must be a number > 0; got 0. Use e.g. lr=0.02"),
    ({"subsample": -1e-3}, "subsample must be a number >= 0"),
    ({"seed": -1}, "seed must be a non-negative int; got -1"),
])
def test_sgns_config_names_the_bad_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGNSConfig(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"empty_cells": "drop"}, "empty_cells must be 'fit' or 'ignore'; got 'drop'"),
    ({"window": 0}, "window must be an int >= 1"),
    ({"num_steps": 0}, "num_steps must be an int >= 1"),
    ({"x_max": 0}, "x_max must be a number > 0"),
    ({"alpha": "0.75"}, "alpha must be a number > 0; got '0.75'"),
    ({"empty_weight": -0.1}, "empty_weight must be a number >= 0"),
    ({"seed": 1.0}, "seed must be a non-negative int"),
])
def test_glove_config_names_the_bad_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GloVeConfig(**kwargs)


def test_configs_are_frozen_and_checked_by_type(small_corpus):
    with pytest.raises(AttributeError):
        SGNSConfig().window = 3
    with pytest.raises(TypeError, match="config must be a GloVeConfig; got SGNSConfig"):
        train_glove(small_corpus, SGNSConfig())
    with pytest.raises(TypeError, match="config must be a SGNSConfig; got dict"):
        train_sgns(small_corpus, {"window": 2})
    with pytest.raises(ValueError, match="window must be an int >= 1"):
        cooccurrence(small_corpus, window=0)


def test_subsample_zero_keeps_every_token(small_corpus):
    wv = train_sgns(small_corpus, SGNSConfig(embedding_dim=4, num_epochs=1, subsample=0))
    assert len(wv.losses) == 1 and wv.losses[0] > 0


# ---------------------------------------------------------------- the checks
CATS = {"animals": ["cat", "dog", "cow"], "colours": ["red", "blue", "green"], "function": ["the"]}


def test_purity_counts_neighbours_in_the_same_category():
    table = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [0.0, 1.0], [0.1, 0.9], [0.2, 0.8], [0.45, 0.55]])
    words = ["cat", "dog", "cow", "red", "blue", "green", "the"]
    assert neighbour_purity(table, words, k=2, categories=CATS) == 1.0
    # with k=3 every word's third neighbour is "the" or the other category: purity 2/3
    assert neighbour_purity(table, words, k=3, categories=CATS) == pytest.approx(2 / 3)
    # "the" does not ask (function words are skipped), but it can still be a wrong neighbour
    assert neighbour_purity(table, words, k=2, categories=CATS, skip=()) < 1.0


def test_purity_never_counts_a_word_as_its_own_neighbour():
    table = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.99, 0.01]])
    assert neighbour_purity(table, ["cat", "red", "dog"], k=1, categories=CATS) == pytest.approx(2 / 3)


def test_purity_validates():
    table = torch.eye(3)
    with pytest.raises(ValueError, match="k must be an int from 1 to len"):
        neighbour_purity(table, ["cat", "dog", "red"], k=3, categories=CATS)
    with pytest.raises(ValueError, match="none of words has a category"):
        neighbour_purity(table, ["x", "y", "z"], k=1)
    with pytest.raises(ValueError, match="words has 2 entries but tensor has 3 rows"):
        neighbour_purity(table, ["cat", "dog"], k=1)


def test_analogy_leaves_out_the_question_words_and_counts_missing_ones_as_wrong():
    words = ["king", "queen", "man", "woman", "cat"]
    table = torch.tensor([[1.0, 0.0], [1.0, 1.0], [-1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
    quad = ("king", "queen", "man", "woman")
    assert analogy_accuracy(table, words, [quad]) == 1.0
    assert analogy_accuracy(table, words, [quad, ("king", "queen", "man", "girl")]) == 0.5
    assert analogy_accuracy(table, words, [("king", "queen", "man", "cat")]) == 0.0
    # b - a + c is nearest to c itself here; only leaving c out gives "woman"
    near_c = torch.tensor([[0.1, 0.0], [0.1, 0.01], [-1.0, 0.0], [-0.7, 0.7], [0.0, -1.0]])
    assert analogy_accuracy(near_c, words, [quad]) == 1.0


def test_analogy_uses_unit_vectors():
    words = ["king", "queen", "man", "woman", "boy"]
    table = torch.tensor([[1.0, 0.0], [1.0, 1.0], [-1.0, 0.0], [-1.0, 1.0], [-1.0, 0.1]])
    scaled = table * torch.tensor([[100.0], [1.0], [1.0], [1.0], [1.0]])  # a long "king" changes nothing
    assert analogy_accuracy(scaled, words, [("king", "queen", "man", "woman")]) == 1.0


def test_analogy_validates():
    with pytest.raises(ValueError, match="quadruples must be a non-empty list"):
        analogy_accuracy(torch.eye(2), ["a", "b"], [])
    with pytest.raises(ValueError, match="quadruples must be a non-empty list"):
        analogy_accuracy(torch.eye(2), ["a", "b"], [("a", "b", "a")])


def test_default_quadruples_are_the_toy_worlds(sgns):
    per_relation = [analogy_accuracy(sgns.vectors, sgns.words, toyworld.analogies(r)) for r in toyworld.RELATIONS]
    sizes = [len(toyworld.analogies(r)) for r in toyworld.RELATIONS]
    overall = sum(a * n for a, n in zip(per_relation, sizes)) / sum(sizes)
    assert analogy_accuracy(sgns.vectors, sgns.words) == pytest.approx(overall)


def test_trainers_use_the_course_thread_count_and_restore_torch_s(small_corpus, monkeypatch):
    from course_lib import pretrain

    seen = []
    monkeypatch.setattr(pretrain, "_encode", lambda corpus, _real=pretrain._encode: (seen.append(
        torch.get_num_threads()), _real(corpus))[1])
    monkeypatch.setattr("course_lib.runtime.num_threads", lambda: 1)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        train_sgns(small_corpus, SGNSConfig(embedding_dim=4, num_epochs=1))
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
