"""Lesson 06's "Use it in your project" cell runs as it stands, and the GloVe-format file it starts from.

The cell a learner copies is found in the notebook by its tag ``recipe`` and run in a fresh
namespace (nothing from the lesson's earlier cells), then held to what it prints.
"""
from __future__ import annotations

import shutil

import nbformat
import pytest
import torch

from course_lib import data
from course_lib.freezing import PartiallyFrozenEmbedding
from course_lib.pretrain import GLOVE_FILE_NAME, GloVeConfig, glove_tokens, write_glove_file
from course_lib.vectors import load_vectors

QUICK = GloVeConfig(embedding_dim=50, num_steps=5)      # the file's format, without waiting for good vectors


def recipe_cell(root):
    nb = nbformat.read(root / "notebooks" / "06_partial_freezing.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "recipe" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "lesson 06 must have exactly one cell tagged 'recipe'"
    assert tagged[0].cell_type == "code"
    return tagged[0]


def recipe_source(root) -> str:
    return recipe_cell(root).source


@pytest.fixture(scope="module")
def recipe(request):
    root = request.config.rootpath
    namespace: dict = {"__name__": "__recipe__"}
    source = recipe_source(root)
    exec(compile(source, "06_partial_freezing.ipynb[recipe]", "exec"), namespace)  # a learner's fresh kernel
    yield namespace
    shutil.rmtree(namespace["folder"], ignore_errors=True)


def test_the_recipe_is_one_self_contained_cell(root):
    source = recipe_source(root)
    assert "DEVICE" not in source and "course_lib.setup" not in source     # nothing from the lesson's first cell
    for name in ("align", "PartiallyFrozenEmbedding", "trainable_state_dict", "load_trainable_state_dict",
                 "weights_only=True", "lowercase=True"):
        assert name in source


def test_the_recipe_copies_clean_and_marks_what_to_change(root):
    cell = recipe_cell(root)
    assert "NBVAL" not in cell.source                                           # no test marker in what learners copy
    assert "nbval-check-output" in cell.metadata["tags"]                        # its output is still compared
    marked = [line.split("#")[0].strip() for line in cell.source.splitlines() if "# CHANGE" in line]
    for what in ("folder = ", "vectors_file = ", "head = ", "ids, labels = ", "for step in"):
        assert any(line.startswith(what) for line in marked), f"no # CHANGE on the line {what!r}"
    assert "# CHANGE: your tokens" in cell.source
    assert "pip install" in cell.source                                          # it needs the course's package


def test_the_recipe_reloads_from_the_checkpoint_alone(root, recipe):
    later = recipe_source(root).split("# Later")[1]                               # what another script runs
    assert "train_ids" not in later and 'state["trainable_ids"]' in later
    assert torch.equal(recipe["reloaded"].trainable_ids, torch.tensor(recipe["train_ids"]))


def test_the_recipe_trains_only_the_rows_the_file_lacks(recipe):
    tokens, in_file, table, emb = recipe["my_tokens"], recipe["in_file"], recipe["table"], recipe["emb"]
    assert isinstance(tokens, list) and any(t != t.lower() for t in tokens)      # a plain list, capitalised words
    assert [tokens[i] for i in recipe["train_ids"]] == ["<unk>", "Zorblax", "vlogged"]
    assert in_file[tokens.index("We")] and in_file[tokens.index("Paris")]        # found lowercased
    assert not in_file[0] and not table[0].any()                                 # <pad>: zeros, not trained
    words, vectors = recipe["words"], recipe["vectors"]
    assert torch.equal(table[tokens.index("Paris")], vectors[words.index("paris")])
    merged = emb.merged_weight().detach()
    assert torch.equal(merged[in_file], table[in_file])                          # rows from the file: bit for bit
    assert (merged[recipe["train_ids"]] != table[recipe["train_ids"]]).any(dim=1).all()   # the others trained
    assert [name for name, _ in emb.named_parameters()] == ["trainable_weight"]


def test_the_recipe_checkpoint_holds_the_trained_rows_only_and_reloads_exactly(recipe):
    emb, reloaded, table = recipe["emb"], recipe["reloaded"], recipe["table"]
    state = torch.load(recipe["folder"] / "trained_rows.pt", weights_only=True)
    assert set(state) == {"trainable_weight", "trainable_ids"}
    assert tuple(state["trainable_weight"].shape) == (3, table.shape[1])
    assert recipe["checkpoint_bytes"] < recipe["table_bytes"] / 20              # 2.5 KB against 90 KB
    assert recipe["table_bytes"] == table.numel() * 4
    assert isinstance(reloaded, PartiallyFrozenEmbedding)
    assert torch.equal(reloaded.merged_weight(), emb.merged_weight())
    every = torch.arange(len(recipe["my_tokens"]))
    assert torch.equal(reloaded(every), emb(every))


def test_the_recipe_prints_what_the_lesson_shows(recipe, root):
    nb = nbformat.read(root / "notebooks" / "06_partial_freezing.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "recipe" in c.metadata.get("tags", [])]
    stored = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert "to train: ['<unk>', 'Zorblax', 'vlogged']" in stored
    assert "reloaded table equals the trained one: True | rows from the file unchanged: True" in stored
    assert f"checkpoint of 3 rows: {recipe['checkpoint_bytes']:,} bytes" in stored


# ---------------------------------------------------------------- the GloVe-format file
def test_glove_tokens_adds_punctuation_and_clitics_by_fixed_rules():
    assert glove_tokens("the speed of the coach was great when we ran".split()) == [
        "the", "coach", "'s", "speed", "was", "great", ",", "when", "we", "ran", "."]
    assert glove_tokens("the depth of the rain was low".split())[:5] == ["the", "depth", "of", "the", "rain"]
    assert glove_tokens(["It", "Was", "Awful"]) == ["it", "was", "awful", "!"]
    assert glove_tokens(["when", "we", "ate"]) == ["when", "we", "ate", "."]     # no comma before the first word
    with pytest.raises(TypeError, match="sentence must be a list of words; got str. Use text.split"):
        glove_tokens("it was good")


def test_write_glove_file_writes_stanfords_format(tmp_path):
    corpus = data.load_corpus()[:2000]
    path = write_glove_file(tmp_path / "vectors", corpus=corpus, config=QUICK)    # the folder is created
    assert path == tmp_path / "vectors" / GLOVE_FILE_NAME and path.name == "glove.course.50d.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[0].split(" ")
    assert len(fields) == 51 and not fields[0].isdigit()                        # a word and 50 values: no header
    assert all(len(line.split(" ")) == 51 for line in lines)
    values = [v for line in lines[:50] for v in line.split(" ")[1:]]
    assert max(len(v.lstrip("-").replace(".", "").split("e")[0].lstrip("0")) for v in values) <= 5  # 5 digits
    words, vectors = load_vectors(path)
    assert all(w == w.lower() for w in words) and "<pad>" not in words and "<unk>" not in words
    assert {",", ".", "!", "'s"} <= set(words)
    counts = {}
    for sentence in corpus:
        for token in glove_tokens(sentence):
            counts[token] = counts.get(token, 0) + 1
    assert words == sorted(counts, key=lambda w: (-counts[w], w))                 # most frequent first
    assert vectors.shape == (len(words), 50)


def test_write_glove_file_never_replaces_a_file_without_overwrite(tmp_path):
    corpus = data.load_corpus()[:300]
    path = write_glove_file(tmp_path, corpus=corpus, config=QUICK)
    path.write_text("mine 1 2\n")
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True to replace it"):
        write_glove_file(tmp_path, corpus=corpus, config=QUICK)
    assert path.read_text() == "mine 1 2\n"
    write_glove_file(tmp_path, corpus=corpus, config=QUICK, overwrite=True)
    assert path.read_text() != "mine 1 2\n"


def test_write_glove_file_refuses_the_course_data_folder(tmp_path):
    for folder in (data.REPO_DATA_DIR, data.REPO_DATA_DIR / "toyworld", data.PACKAGED_DATA_DIR / "sub"):
        with pytest.raises(ValueError, match="inside the course's data folder .* pass a folder of your own"):
            write_glove_file(folder, corpus=[["a", "b"]], config=QUICK)
    assert not (data.REPO_DATA_DIR / GLOVE_FILE_NAME).exists()


def test_write_glove_file_checks_its_config(tmp_path):
    with pytest.raises(TypeError, match="config must be a GloVeConfig"):
        write_glove_file(tmp_path, config={"embedding_dim": 50})
