"""The 2-D table of lesson 02 (course_lib.embedding_space) and its explorer, driven without a browser."""
from __future__ import annotations

import html
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib import toyworld
from course_lib.data import load_corpus
from course_lib.embedding_space import (DEFAULT_CATEGORIES, SpaceConfig, SpaceHistory, category_purity, space_loss,
                                        train_embedding_space)
from course_lib.widgets import EmbeddingSpaceExplorer
from course_lib.widgets.embedding_space import MAX_FOLLOW

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def space(corpus) -> SpaceHistory:
    """The lesson's run: the defaults, seed 0."""
    return train_embedding_space(corpus=corpus)


@pytest.fixture(scope="module")
def short(corpus) -> SpaceHistory:
    return train_embedding_space(SpaceConfig(num_steps=60), corpus=corpus)


# ---------------------------------------------------------------- the recorded run
def test_the_history_has_one_frame_per_step_and_the_trained_table_last(space):
    config = SpaceConfig()
    V, S = 6 * 8, config.num_steps + 1
    assert space.words == [w for c in DEFAULT_CATEGORIES for w in toyworld.CATEGORIES[c][:8]]
    assert space.categories == [toyworld.category_of(w) for w in space.words]
    assert space.steps == list(range(S)) and len(space) == S
    C = len(space.context_words)
    assert space.context_words == sorted({w for s in load_corpus() for w in s})
    assert space.positions.shape == space.grads.shape == (S, V, 2)
    assert space.head_weight.shape == (S, C, 2) and space.head_bias.shape == (S, C)
    assert len(space.batches) == len(space.contexts) == len(space.losses) == len(space.purity) == S
    assert all(b.shape == (config.batch_size,) and b.dtype == torch.long for b in space.batches[:-1])
    assert space.batches[-1].numel() == 0 and math.isnan(space.losses[-1])
    assert torch.count_nonzero(space.grads[-1]) == 0
    assert repr(space) == "SpaceHistory(48 words x 2 dims, 6 categories, 800 steps, 801 frames)"


def test_record_every_keeps_every_kth_step(corpus, short):
    sparse = train_embedding_space(SpaceConfig(num_steps=60, record_every=20), corpus=corpus)
    assert sparse.steps == [0, 20, 40, 60]
    assert sparse.index(40) == 2
    # the same run, recorded less often: the frames are the same tables, batches and gradients
    torch.testing.assert_close(sparse.positions, short.positions[[0, 20, 40, 60]], rtol=0, atol=0)
    torch.testing.assert_close(sparse.grads, short.grads[[0, 20, 40, 60]], rtol=0, atol=0)
    assert torch.equal(sparse.batches[1], short.batches[20])


def test_a_seed_gives_the_same_run_and_another_seed_another(corpus, short):
    again = train_embedding_space(SpaceConfig(num_steps=60), corpus=corpus)
    assert torch.equal(again.positions, short.positions) and torch.equal(again.grads, short.grads)
    assert all(torch.equal(a, b) for a, b in zip(again.batches, short.batches))
    assert again.losses[:-1] == short.losses[:-1]
    other = train_embedding_space(SpaceConfig(num_steps=60, seed=1), corpus=corpus)
    assert not torch.equal(other.positions[0], short.positions[0])
    assert not all(torch.equal(a, b) for a, b in zip(other.batches, short.batches))


def test_the_default_corpus_is_the_course_corpus(short):
    torch.testing.assert_close(train_embedding_space(SpaceConfig(num_steps=60)).positions, short.positions,
                               rtol=0, atol=0)


@pytest.mark.parametrize("frame", [0, 7, 59])
def test_a_recorded_gradient_is_autograds_and_a_scatter_add(short, frame):
    table = short.positions[frame].clone().requires_grad_()                         # (V, 2)
    rows, contexts = short.batches[frame], short.contexts[frame]
    weight, bias = short.head_weight[frame], short.head_bias[frame]                 # (C, 2), (C,)
    logits = table[rows] @ weight.T + bias                                          # (B, C)
    loss = F.cross_entropy(logits, contexts)
    loss.backward()
    torch.testing.assert_close(short.grads[frame], table.grad)
    assert short.losses[frame] == pytest.approx(loss.item(), rel=1e-6)
    # the lookup's backward: each lookup adds its output's gradient to its row
    out = table.detach()[rows].clone().requires_grad_()                             # (B, 2)
    F.cross_entropy(out @ weight.T + bias, contexts).backward()
    scattered = torch.zeros_like(table).index_add_(0, rows, out.grad)
    torch.testing.assert_close(short.grads[frame], scattered)
    torch.testing.assert_close(space_loss(table, rows, contexts, weight, bias), loss)


def test_only_the_batchs_rows_get_gradient_and_sgd_moves_only_them(short):
    lr = short.config.lr
    for i in range(len(short) - 1):
        batch = set(short.batches[i].tolist())
        assert set(short.grad_rows(i)) == batch
        moved = (short.positions[i + 1] != short.positions[i]).any(dim=1).nonzero().flatten().tolist()
        assert set(moved) == batch
        torch.testing.assert_close(short.positions[i + 1], short.positions[i] - lr * short.grads[i])


def test_the_categories_separate_from_chance_to_nearly_pure(space):
    assert space.chance == pytest.approx(7 / 47)
    assert space.purity[0] < 0.3                     # random N(0, 1) rows: about chance
    assert space.purity[-1] > 0.9
    assert max(space.purity[:50]) < 0.5 < min(space.purity[-50:])
    assert space.purity[-1] == pytest.approx(category_purity(space.positions[-1], space.categories))
    # the loss fell too
    first, last = np.mean(space.losses[:100]), np.mean(space.losses[-101:-1])
    assert last < first - 1


def test_a_word_ends_nearest_to_a_word_of_its_category(space):
    final = space.positions[-1]
    dist = torch.cdist(final, final).fill_diagonal_(float("inf"))
    nearest = dist.argmin(dim=1)
    same = [space.categories[i] == space.categories[int(j)] for i, j in enumerate(nearest)]
    assert sum(same) >= 0.9 * len(same)


def test_other_categories_and_sizes(corpus):
    run = train_embedding_space(SpaceConfig(categories=["foods", "colours"], words_per_category=5, num_steps=20,
                                            record_every=5, window=1, batch_size=4), corpus=corpus)
    assert run.words == [*toyworld.CATEGORIES["foods"][:5], *toyworld.CATEGORIES["colours"][:5]]
    assert run.config.categories == ("foods", "colours")
    assert run.positions.shape == (5, 10, 2) and all(len(b) == 4 for b in run.batches[:-1])


# ---------------------------------------------------------------- category_purity
def test_category_purity_counts_same_category_neighbours():
    points = torch.tensor([[0.0, 0.0], [0.0, 0.1], [0.0, 0.3], [5.0, 5.0], [5.0, 5.1], [5.0, 5.3]])
    cats = ["a", "a", "a", "b", "b", "b"]
    assert category_purity(points, cats, k=2) == 1.0
    assert category_purity(points, ["a", "b", "a", "b", "a", "b"], k=1) == 0.0   # each nearest is the other kind
    assert category_purity(points, ["a", "a", "b", "b", "b", "a"], k=1) == pytest.approx(4 / 6)
    # k=3 reaches across: each point has 2 of its own and 1 of the other
    assert category_purity(points, cats, k=3) == pytest.approx(2 / 3)


@pytest.mark.parametrize("args, kwargs, match", [
    ((torch.zeros(3), ["a", "b", "c"]), {}, "points must be a 2-D float tensor"),
    ((torch.zeros(3, 2, dtype=torch.long), ["a", "b", "c"]), {}, "points must be a 2-D float tensor"),
    ((torch.zeros(3, 2), ["a", "b"]), {}, "categories must name the category of each of the 3 rows"),
    ((torch.zeros(3, 2), "abc"), {}, "categories must name the category of each"),
    ((torch.zeros(3, 2), ["a", "b", "c"]), {"k": 3}, r"k must be an int from 1 to len\(points\) - 1 = 2; got 3"),
    ((torch.zeros(3, 2), ["a", "b", "c"]), {"k": 0}, "k must be an int from 1"),
])
def test_category_purity_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        category_purity(*args, **kwargs)


# ---------------------------------------------------------------- bad settings
@pytest.mark.parametrize("kwargs, match", [
    ({"categories": ("people", "planets")}, "categories: 'planets' is not a toy-world category; choose from"),
    ({"categories": "people"}, "categories must be a tuple of toy-world categories"),
    ({"categories": ("people",)}, r"categories must be at least 2 different categories; got \('people',\)"),
    ({"categories": ("people", "people")}, "at least 2 different categories"),
    ({"words_per_category": 0}, "words_per_category must be an int >= 1; got 0. Use e.g. words_per_category=8"),
    ({"words_per_category": 11}, "words_per_category=11 but category 'drinks' has only 10 words; "
                                 "use words_per_category=10 or fewer"),
    ({"window": 1.5}, "window must be an int >= 1; got 1.5"),
    ({"batch_size": True}, "batch_size must be an int >= 1; got True"),
    ({"num_steps": -1}, "num_steps must be an int >= 1; got -1. Use e.g. num_steps=800"),
    ({"lr": 0}, "lr must be a number > 0; got 0. Use e.g. lr=1.0"),
    ({"head_lr": "fast"}, "head_lr must be a number > 0; got 'fast'"),
    ({"num_steps": 101, "record_every": 10}, "num_steps=101 must be a multiple of record_every=10, so the last "
                                             "frame is the trained table; use e.g. num_steps=100"),
    ({"seed": -1}, "seed must be a non-negative int; got -1. Use e.g. seed=0"),
])
def test_bad_settings_say_which_what_and_how_to_fix(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpaceConfig(**kwargs)


def test_bad_config_and_corpus_are_refused():
    with pytest.raises(TypeError, match="config must be a SpaceConfig; got dict"):
        train_embedding_space({"num_steps": 10})
    with pytest.raises(ValueError, match="corpus must be a non-empty list of sentences"):
        train_embedding_space(corpus="the king saw the queen")
    with pytest.raises(ValueError, match=r"corpus\[1\] must be a list of words, not str"):
        train_embedding_space(corpus=[["the", "king"], "a queen"])
    with pytest.raises(ValueError, match="corpus never uses 'queen'"):
        train_embedding_space(SpaceConfig(categories=("people", "drinks"), words_per_category=2),
                              corpus=[["the", "king", "drank", "tea", "and", "coffee"]])


def test_index_names_the_recorded_steps(corpus):
    run = train_embedding_space(SpaceConfig(num_steps=20, record_every=10), corpus=corpus)
    for bad in (5, 30, -10, "10"):
        with pytest.raises(ValueError, match="step must be a recorded step: a multiple of record_every=10 from "
                                             "0 to 20"):
            run.index(bad)


# ---------------------------------------------------------------- the explorer
def _offsets(scatter):
    return torch.as_tensor(np.asarray(scatter.get_offsets()), dtype=torch.float32)


def _visible(artists):
    return [i for i, a in enumerate(artists) if a.get_visible()]


def test_explorer_starts_at_step_0_with_the_first_batch_ringed_and_its_gradient_drawn(short):
    explorer = EmbeddingSpaceExplorer(short)
    assert explorer.step == 0 and explorer.index == 0
    assert explorer.followed == ["king", "dog", "paris", "tea"]
    batch = sorted(set(short.batches[0].tolist()))
    assert explorer.batch_rows == batch
    torch.testing.assert_close(_offsets(explorer.points), short.positions[0])
    torch.testing.assert_close(_offsets(explorer.rings), short.positions[0][batch])
    assert _visible(explorer.arrows) == batch                  # an arrow for each row with gradient, no other
    for row in batch:
        start, end = (torch.tensor(p, dtype=torch.float32) for p in explorer.arrows[row]._posA_posB)
        torch.testing.assert_close(start, short.positions[0, row])
        torch.testing.assert_close(end - start, explorer.arrow_scale * short.grads[0, row])
    words = [short.words[r] for r in short.batches[0].tolist()]
    assert explorer.reading.startswith(f"after 0 of 60 steps: the next batch looks up {len(batch)} rows (")
    assert all(w in explorer.reading.split(";")[0] for w in words)
    assert f"purity {short.purity[0]:.2f} (chance {short.chance:.2f})" in explorer.reading
    assert explorer.readout.value == html.escape(explorer.reading)
    assert bytes(explorer.image.value).startswith(PNG)


def test_moving_the_slider_moves_the_points_against_the_last_arrows(short):
    explorer = EmbeddingSpaceExplorer(short)
    explorer.slider.value = 10
    arrows_at_10 = {r: explorer.grad[r].clone() for r in explorer.batch_rows}
    before, picture = explorer.positions, bytes(explorer.image.value)
    explorer.slider.value = 11
    assert bytes(explorer.image.value) != picture
    after = _offsets(explorer.points)
    moved = (after != before).any(dim=1).nonzero().flatten().tolist()
    assert moved == sorted(arrows_at_10)                       # only the ringed rows moved...
    for row, grad in arrows_at_10.items():                     # ...against their gradient (lr = 1)
        torch.testing.assert_close(after[row] - before[row], -short.config.lr * grad)
    assert explorer.reading.startswith("after 11 of 60 steps")
    assert explorer.dot.get_xdata()[0] == 11 and explorer.dot.get_ydata()[0] == short.purity[11]


def test_the_last_step_is_the_trained_table_with_no_batch(short):
    explorer = EmbeddingSpaceExplorer(short, step=60)
    assert explorer.batch_rows == [] and _visible(explorer.arrows) == []
    assert _offsets(explorer.rings).numel() == 0
    assert explorer.reading.startswith("after 60 of 60 steps: the trained table; purity")


def test_followed_words_get_a_label_a_trail_and_their_nearest_word(short):
    explorer = EmbeddingSpaceExplorer(short, follow=["queen"], step=30)
    labels = [t.get_text() for t in explorer.labels]
    assert labels == ["queen"] + [""] * (MAX_FOLLOW - 1)
    row = short.words.index("queen")
    path = np.asarray(explorer.trails[0].get_xydata())
    np.testing.assert_allclose(path, short.positions[:31, row].numpy())        # from step 0 to step 30
    assert all(len(t.get_xdata()) == 0 for t in explorer.trails[1:])
    final = short.positions[30]
    dist = (final - final[row]).norm(dim=1)
    dist[row] = float("inf")
    assert explorer.reading.endswith(f"nearest: queen -> {short.words[int(dist.argmin())]}")
    explorer.follow.value = "tea, cat  rain"
    assert explorer.followed == ["tea", "cat", "rain"] and explorer.error is None
    assert [t.get_text() for t in explorer.labels[:4]] == ["tea", "cat", "rain", ""]
    explorer.follow.value = ""
    assert explorer.followed == [] and "nearest" not in explorer.reading


def test_an_unknown_word_is_left_out_and_the_readout_says_why(short):
    explorer = EmbeddingSpaceExplorer(short)
    explorer.follow.value = "king kingg"
    assert explorer.followed == ["king"]
    assert explorer.error.startswith("'kingg' is not a word of the table; pick from king, queen, man, woman, ...")
    assert "<b>follow</b>: &#x27;kingg&#x27; is not a word of the table" in explorer.readout.value
    explorer.follow.value = " ".join(short.words[:MAX_FOLLOW + 2])
    assert explorer.followed == short.words[:MAX_FOLLOW]
    assert explorer.error == f"at most {MAX_FOLLOW} words can be followed; got {MAX_FOLLOW + 2}"
    explorer.follow.value = "dog"
    assert explorer.error is None and "<b>" not in explorer.readout.value


def test_explorer_draws_before_the_readout_and_reuses_one_figure(short):
    explorer = EmbeddingSpaceExplorer(short)
    seen = []
    explorer.image.observe(lambda change: seen.append("image"), names="value")
    explorer.readout.observe(lambda change: seen.append("readout"), names="value")
    for step in (5, 6, 40, 0):
        explorer.select(step)
    explorer.follow.value = "tea"
    assert seen == ["image", "readout"] * 5
    assert explorer.canvas.full_draws == 1


def test_explorer_controls_have_descriptions_and_css_classes(short):
    explorer = EmbeddingSpaceExplorer(short)
    assert explorer.slider.description == "step" and "course-space-step" in explorer.slider._dom_classes
    assert (explorer.slider.min, explorer.slider.max, explorer.slider.step) == (0, 60, 1)
    assert explorer.play.description == "play" and "course-space-play" in explorer.play._dom_classes
    assert (explorer.play.min, explorer.play.max, explorer.play.interval) == (0, 60, 100)
    assert explorer.follow.description == "follow" and "course-space-follow" in explorer.follow._dom_classes
    for widget, name in ((explorer.image, "course-space-figure"), (explorer.readout, "course-space-readout"),
                         (explorer.box, "course-space-explorer")):
        assert name in widget._dom_classes
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert bundle["text/plain"].startswith("EmbeddingSpaceExplorer: an interactive widget")


def test_explorer_steps_by_record_every(corpus):
    run = train_embedding_space(SpaceConfig(num_steps=40, record_every=10), corpus=corpus)
    explorer = EmbeddingSpaceExplorer(run, step=20)
    assert (explorer.slider.step, explorer.index) == (10, 2)
    torch.testing.assert_close(explorer.positions, run.positions[2])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"history": {"steps": [0]}}, TypeError, "history must be the SpaceHistory that train_embedding_space"),
    ({"follow": ["king", "planet"]}, ValueError, "follow: 'planet' is not a word of the table; pick from king"),
    ({"follow": [3]}, ValueError, "follow: 3 is not a word of the table"),
    ({"follow": ["king"] * 2 + ["queen", "man", "woman", "father", "mother", "boy", "girl", "dog"]}, ValueError,
     f"follow: at most {MAX_FOLLOW} words can be followed; got 9"),
    ({"step": 61}, ValueError, "step must be a recorded step: a multiple of record_every=1 from 0 to 60; got 61"),
])
def test_explorer_rejects_bad_arguments(short, kwargs, error, match):
    kwargs = {"history": short, **kwargs}
    with pytest.raises(error, match=match):
        EmbeddingSpaceExplorer(**kwargs)


def test_a_single_word_to_follow_may_be_a_string(short):
    assert EmbeddingSpaceExplorer(short, follow="tea").followed == ["tea"]
