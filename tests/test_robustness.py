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


# ---------------------------------------------------------------- vector files: round trip or refusal, by property
import gzip  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from unittest import mock  # noqa: E402

import numpy as np  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_lib._util import atomic_file, write_atomic  # noqa: E402
from course_lib.vectors import VectorFileError, load_vectors, save_vectors  # noqa: E402

AWKWARD = ["2010", "-3", "1e5", "nan", "inf", "1_0", "0x10", ". . .", "May 2010", "a\tb", "a\x0bb", "a\x0cb",
           "\x85", "\u2028", "\u00a0", "\u3000x", "\ufeffa", "a\ufeff", "\x7f", "é", "日本", "🙂", "a\x01b", "\x1f",
           "a\rb", "a\nb", " a", "a ", "\ud800x", "x 5", "<unk>", "12"]
WORDS = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(min_size=1, max_size=10),                                          # any Unicode, control characters too
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?(e-?[0-9])?", fullmatch=True),  # numbers as words
    st.text(alphabet=" .,;:!?'\"()-_/\\#&*+=|~^%$@", min_size=1, max_size=6),  # punctuation and spaces
)
FLOAT_BITS = st.integers(-(2**31), 2**31 - 1)                                  # every float32, nan and inf too
FLOAT_NICE = st.sampled_from([0.0, -0.0, 1.0, 3.0, 12.0, 0.5, 1e-45, 3.4028234663852886e38, 123456789.0]).map(
    lambda v: int(np.array(v, dtype=np.float32).view(np.int32)))                # as bits: integers, "12 3"


def _table(draw, rows, dim):
    bits = draw(st.lists(st.one_of(FLOAT_BITS, FLOAT_NICE), min_size=rows * dim, max_size=rows * dim))
    return torch.from_numpy(np.array(bits, dtype=np.int32).view(np.float32).reshape(rows, dim).copy())


def _same_bits(a, b):
    return a.dtype == b.dtype == torch.float32 and torch.equal(a.view(torch.int32), b.view(torch.int32))


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=6, unique=True), dim=st.integers(1, 3), data=st.data(),
       fmt=st.sampled_from(["glove", "word2vec"]), name=st.sampled_from(["v.txt", "v.txt.gz"]),
       ending=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_save_vectors_round_trips_bit_for_bit_or_refuses_at_save_time(words, dim, data, fmt, name, ending):
    table = _table(data.draw, len(words), dim)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        try:
            save_vectors(path, words, table, fmt)
        except ValueError as err:                                       # refused: with a short, one-line reason
            message = str(err)
            assert message and "\n" not in message and len(message) < 400, message
            assert os.listdir(folder) == []                             # and nothing written
            return
        loaded_words, loaded = load_vectors(path)
        assert loaded_words == words and _same_bits(loaded, table)
        raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        other = Path(folder) / "other_endings.txt"                      # the same file from Windows or an old Mac
        other.write_bytes(raw.replace(b"\n", ending))
        again_words, again = load_vectors(other)
        assert again_words == words and _same_bits(again, table)


def test_the_property_meets_the_cases_the_issue_names(tmp_path):
    """Pinned examples: each was silently wrong before (a lost row, an unloadable file, one long word)."""
    with pytest.raises(ValueError, match=r"first line would be '12 3', which readers take for a word2vec header"):
        save_vectors(tmp_path / "a.txt", ["12", "b"], torch.tensor([[3.0], [1.0]]))
    save_vectors(tmp_path / "a.txt", ["12", "b"], torch.tensor([[3.0], [1.0]]), fmt="word2vec")   # the way out
    assert load_vectors(tmp_path / "a.txt")[0] == ["12", "b"]
    with pytest.raises(ValueError, match=r"control character '\\x01' at character 1"):
        save_vectors(tmp_path / "b.txt", ["a\x01b"], torch.ones(1, 2))
    with pytest.raises(ValueError, match="lone surrogate"):
        save_vectors(tmp_path / "b.txt", ["\ud800"], torch.ones(1, 2))
    with pytest.raises(ValueError, match=r"byte-order mark \(U\+FEFF\)"):
        save_vectors(tmp_path / "b.txt", ["\ufeffa"], torch.ones(1, 2))
    with pytest.raises(ValueError, match=r"words\[1\] = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\.\.\. "
                                         r"\(100,000 characters\) has leading/trailing"):
        save_vectors(tmp_path / "b.txt", ["ok", "a" * 99_999 + " "], torch.ones(2, 2))
    assert not (tmp_path / "b.txt").exists()


# ---------------------------------------------------------------- write, then fail: the old file survives
class _FullDisk:
    """A file whose writes stop with ENOSPC once ``room`` bytes are in."""

    def __init__(self, f, room):
        self.f, self.room = f, room

    def write(self, data):
        if len(data) > self.room:
            self.f.write(bytes(data[: self.room]))
            self.room = 0
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


@settings(max_examples=100, deadline=None)
@given(old=st.binary(max_size=200), new=st.binary(min_size=1, max_size=400), room=st.integers(0, 399),
       failure=st.sampled_from(["disk full", "replace fails", "interrupt", "error in the block"]))
def test_atomic_writes_leave_the_old_file_whole_and_no_temporary_file(old, new, room, failure):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.bin"
        path.write_bytes(old)
        real_fdopen = os.fdopen
        expected = {"disk full": OSError, "replace fails": OSError, "interrupt": KeyboardInterrupt,
                    "error in the block": RuntimeError}[failure]
        with pytest.raises(expected) as caught:
            if failure == "disk full":
                full = mock.patch("os.fdopen", lambda fd, mode: _FullDisk(real_fdopen(fd, mode), room))
                with full:
                    write_atomic(path, new + b"x" * 400)                   # always more than the room
            elif failure == "replace fails":
                with mock.patch("os.replace", side_effect=OSError(13, "Permission denied")):
                    write_atomic(path, new)
            else:
                with atomic_file(path) as f:
                    f.write(new[: room])
                    raise KeyboardInterrupt if failure == "interrupt" else RuntimeError("a bug mid-write")
        if expected is OSError:
            assert str(path) in str(caught.value)                           # the error says which path failed
        assert path.read_bytes() == old and os.listdir(folder) == ["file.bin"]


def _writers():
    """Every writer a learner or an instructor runs: (name, write(path, version)) with two distinct versions."""
    from course_lib import Vocab
    from course_lib.lm import save_tiny_lm
    from course_lib.models import TinyLM, TinyLMConfig
    from course_lib.prompts import PromptTunedModel
    from course_lib.tools.classroom import make_student_copies

    def vectors(path, v):
        save_vectors(path, ["a", "b"], torch.full((2, 3), float(v)), overwrite=True)

    def vocab(path, v):
        Vocab.from_tokens(["w"] * (v + 1) + [f"x{v}"]).save(path, overwrite=True)

    def prompt(path, v):
        torch.manual_seed(v)
        PromptTunedModel(TinyLM(TinyLMConfig(vocab_size=8, d_model=8, n_heads=2, n_layers=1)), 2).save_prompt(
            path, overwrite=True)

    def tiny_lm(path, v):
        torch.manual_seed(v)
        save_tiny_lm(path, TinyLM(TinyLMConfig(vocab_size=8, d_model=8, n_heads=2, n_layers=1)),
                     Vocab(["<pad>", "<unk>"] + [f"w{i}" for i in range(6)]), {"v": v}, overwrite=True)

    def student(path, v):                                              # path: the copy of lesson 00
        make_student_copies([Path("notebooks") / path.name], path.parent, force=True)

    return {"save_vectors": vectors, "Vocab.save": vocab, "save_prompt": prompt, "save_tiny_lm": tiny_lm,
            "make_student_copies": student}


@pytest.mark.parametrize("name", list(_writers()))
@pytest.mark.parametrize("failure", ["disk full", "replace fails"])
def test_every_writer_keeps_the_old_file_when_a_write_fails(tmp_path, monkeypatch, name, failure):
    write = _writers()[name]
    path = tmp_path / ("00_start_here.ipynb" if name == "make_student_copies" else "out.bin")
    write(path, 0)
    if name == "make_student_copies":                                  # a stale copy, which --force rewrites
        path.write_text(path.read_text().replace("your answer here", "an old copy"))
    before = path.read_bytes()
    real_fdopen = os.fdopen
    if failure == "disk full":
        monkeypatch.setattr("os.fdopen", lambda fd, mode: _FullDisk(real_fdopen(fd, mode), 10))
    else:
        monkeypatch.setattr("os.replace", mock.Mock(side_effect=OSError(28, "No space left on device")))
    with pytest.raises(OSError, match=f"cannot write {path}: No space left on device"):
        write(path, 1)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]
