import json

import pytest
import torch

from course_lib import Vocab


@pytest.fixture
def vocab():
    return Vocab.from_tokens([["the", "cat", "saw", "the", "dog"], ["a", "dog", "ran"]])


def test_specials_come_first_then_frequency_then_alphabet(vocab):
    assert vocab.tokens[:2] == ["<pad>", "<unk>"]
    assert vocab.tokens[2:] == ["dog", "the", "a", "cat", "ran", "saw"]
    assert vocab.pad_id == 0 and vocab.unk_id == 1


def test_ids_do_not_depend_on_text_order():
    words = "b a c a b a".split()
    assert Vocab.from_tokens(words) == Vocab.from_tokens(list(reversed(words)))


def test_min_freq_drops_rare_words(vocab):
    assert Vocab.from_tokens("x y x".split(), min_freq=2).tokens == ["<pad>", "<unk>", "x"]
    with pytest.raises(ValueError, match="min_freq must be an int >= 1; got 0"):
        Vocab.from_tokens(["x"], min_freq=0)


def test_encode_decode_round_trip_and_unknown_words(vocab):
    ids = vocab.encode("the cat ate")
    assert ids.dtype == torch.long
    assert ids.tolist() == [vocab["the"], vocab["cat"], vocab.unk_id]
    assert vocab.decode(ids) == ["the", "cat", "<unk>"]
    assert vocab.decode(vocab.encode(["dog", "ran"])) == ["dog", "ran"]


def test_decode_rejects_ids_outside_the_vocabulary(vocab):
    with pytest.raises(IndexError, match=r"id 99 at position 1 is not in this vocabulary of 8 words"):
        vocab.decode([2, 99])
    with pytest.raises(TypeError, match="integer ids"):
        vocab.decode(torch.tensor([1.0]))


def test_add_tokens_returns_only_new_ids(vocab):
    size = len(vocab)
    assert vocab.add_tokens(["zebra", "cat", "yak", "zebra"]) == [size, size + 1]
    assert vocab.decode([size, size + 1]) == ["zebra", "yak"]
    assert vocab.add_tokens([]) == []
    with pytest.raises(ValueError, match="without spaces"):
        vocab.add_tokens(["two words"])
    with pytest.raises(TypeError, match="not one string"):
        vocab.add_tokens("zebra")


def test_save_load_round_trip_and_no_overwrite(vocab, tmp_path):
    path = vocab.save(tmp_path / "vocab.json")
    assert Vocab.load(path) == vocab
    assert json.loads(path.read_text())["tokens"] == vocab.tokens
    with pytest.raises(FileExistsError, match="overwrite=True"):
        vocab.save(path)
    vocab.add_tokens(["new"])
    vocab.save(path, overwrite=True)
    assert Vocab.load(path).tokens[-1] == "new"


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad JSON at line 1"):
        Vocab.load(bad)
    bad.write_text('{"tokens": ["a"]}')
    with pytest.raises(ValueError, match="not a vocabulary written by Vocab.save"):
        Vocab.load(bad)


def test_constructor_validates_tokens():
    with pytest.raises(ValueError, match="must start with '<pad>', '<unk>'"):
        Vocab(["a", "b"])
    with pytest.raises(ValueError, match="appears twice"):
        Vocab(["<pad>", "<unk>", "a", "a"])


def test_decode_takes_numpy_ids_and_refuses_what_is_not_one_id_list(vocab):
    import numpy as np

    assert vocab.decode(np.array([2, 3])) == vocab.decode([2, 3])
    assert vocab.decode([np.int64(2), np.int32(3)]) == vocab.decode([2, 3])
    with pytest.raises(IndexError, match=r"^id 99 at position 0 "):          # the value, not np.int64(99)
        vocab.decode([np.int64(99)])
    with pytest.raises(TypeError, match="integer ids; got float64"):
        vocab.decode(np.array([2.0]))
    with pytest.raises(TypeError, match=r"shape \(\); for one id use \[id\]"):
        vocab.decode(torch.tensor(2))
    with pytest.raises(TypeError, match="torch.bool"):
        vocab.decode(torch.tensor([True]))
    with pytest.raises(IndexError, match="id True at position 0"):
        vocab.decode([True])


def test_a_failed_save_keeps_the_old_file(vocab, tmp_path, monkeypatch):
    path = vocab.save(tmp_path / "vocab.json")
    before = path.read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    vocab.add_tokens(["new"])
    with pytest.raises(OSError, match=f"cannot write {path}: No space left on device"):
        vocab.save(path, overwrite=True)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["vocab.json"]
