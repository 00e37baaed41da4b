import gzip
import os
import re
import struct

import pytest
import torch

from course_lib import Vocab
from course_lib import vectors as vector_files
from course_lib.vectors import VectorFileError, align, load_vectors, nearest, save_vectors


def write(path, content):
    """Write text (UTF-8, no newline translation) or bytes; return the path."""
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def hard_floats(rows, cols, seed=0):
    """Random float32 bit patterns (all finite), plus the awkward ones: -0, denormals, extremes."""
    gen = torch.Generator().manual_seed(seed)
    bits = torch.randint(-(2**31), 2**31, (rows, cols), generator=gen, dtype=torch.int64).to(torch.int32)
    table = bits.view(torch.float32).clone()
    table[~torch.isfinite(table)] = 1.5
    special = torch.tensor([-0.0, 1e-45, -1.17549435e-38, 3.4028235e38, 0.1, 1 / 3], dtype=torch.float32)
    table.view(-1)[: len(special)] = special
    return table


def same_bits(a, b):
    return a.dtype == b.dtype == torch.float32 and torch.equal(a.view(torch.int32), b.view(torch.int32))


# ---------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", ["glove", "word2vec"])
@pytest.mark.parametrize("name", ["vecs.txt", "vecs.txt.gz"])
def test_save_then_load_is_bit_identical(tmp_path, fmt, name):
    words = [f"w{i}" for i in range(40)] + ["café", "<unk>", "2010"]
    table = hard_floats(len(words), 7)
    path = save_vectors(tmp_path / name, words, table, fmt=fmt)
    loaded_words, loaded = load_vectors(path)
    assert loaded_words == words
    assert loaded.shape == (len(words), 7)
    assert same_bits(loaded, table)


def test_nine_digits_round_trip_every_float32_we_throw_at_them(tmp_path):
    table = hard_floats(2000, 8, seed=1)
    words = [f"w{i}" for i in range(2000)]
    _, loaded = load_vectors(str(save_vectors(str(tmp_path / "v.txt"), words, table)))
    assert same_bits(loaded, table)


def test_word2vec_has_a_header_and_glove_does_not(tmp_path):
    table = torch.tensor([[1.0, 2.0]])
    assert save_vectors(tmp_path / "a.txt", ["x"], table, fmt="word2vec").read_text() == "1 2\nx 1 2\n"
    assert save_vectors(tmp_path / "b.txt", ["x"], table).read_text() == "x 1 2\n"


def test_gzip_output_is_byte_reproducible_and_has_no_timestamp(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    table = hard_floats(50, 4)
    words = [f"w{i}" for i in range(50)]
    first = save_vectors(tmp_path / "a" / "v.txt.gz", words, table).read_bytes()
    second = save_vectors(tmp_path / "b" / "v.txt.gz", words, table).read_bytes()
    assert first[:2] == b"\x1f\x8b"
    assert struct.unpack("<I", first[4:8])[0] == 0  # mtime
    assert first == second
    assert gzip.decompress(first).decode().startswith("w0 ")


def test_float64_is_saved_as_float32(tmp_path):
    table = torch.tensor([[0.1, 1 / 3]], dtype=torch.float64)
    _, loaded = load_vectors(save_vectors(tmp_path / "v.txt", ["x"], table))
    assert same_bits(loaded, table.float())


def test_gzip_is_detected_by_content_not_by_name(tmp_path):
    write(tmp_path / "zipped.txt", gzip.compress(b"cat 1 2\ndog 3 4\n"))
    write(tmp_path / "plain.gz", "cat 1 2\ndog 3 4\n")
    for name in ("zipped.txt", "plain.gz"):
        words, table = load_vectors(tmp_path / name)
        assert words == ["cat", "dog"] and table.tolist() == [[1, 2], [3, 4]]


def test_many_rows_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "_CHUNK_ROWS", 4)
    table = hard_floats(11, 3)
    words = [f"w{i}" for i in range(11)]
    loaded_words, loaded = load_vectors(save_vectors(tmp_path / "v.txt", words, table))
    assert loaded_words == words and same_bits(loaded, table)


# ---------------------------------------------------------------------- limit
@pytest.mark.parametrize("fmt", ["glove", "word2vec"])
def test_limit_reads_only_the_first_vectors(tmp_path, fmt):
    table = torch.arange(12.0).reshape(6, 2)
    path = save_vectors(tmp_path / "v.txt", list("abcdef"), table, fmt=fmt)
    words, loaded = load_vectors(path, limit=2)
    assert words == ["a", "b"] and torch.equal(loaded, table[:2])
    assert load_vectors(path, limit=0)[1].shape == (0, 2)
    assert load_vectors(path, limit=100)[0] == list("abcdef")


def test_limit_does_not_read_past_the_limit(tmp_path):
    path = write(tmp_path / "v.txt", "a 1 2\nb 3 4\nbroken line here oops\n")
    assert load_vectors(path, limit=2)[0] == ["a", "b"]
    with pytest.raises(VectorFileError):
        load_vectors(path)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_limit_and_dim_are_validated(tmp_path, bad):
    path = write(tmp_path / "v.txt", "a 1 2\n")
    with pytest.raises(ValueError, match=re.escape(f"limit must be None or an int >= 0; got {bad!r}")):
        load_vectors(path, limit=bad)
    with pytest.raises(ValueError, match="dim must be None or an int >= 1"):
        load_vectors(path, dim=bad if bad != 1.5 else 0)


# ---------------------------------------------------------------------- awkward but valid files
def test_words_with_spaces_take_everything_before_the_last_d_fields(tmp_path):
    path = write(tmp_path / "v.txt", "the 1 2\n. . . 3 4\nat  name@x.com 5 6\n")
    words, table = load_vectors(path)
    assert words == ["the", ". . .", "at  name@x.com"]
    assert table.tolist() == [[1, 2], [3, 4], [5, 6]]


def test_a_word_with_spaces_on_the_first_line_does_not_change_the_dimension(tmp_path):
    path = write(tmp_path / "v.txt", ". . . 1 2 3\nthe 4 5 6\nof 7 8 9\n")
    words, table = load_vectors(path)
    assert words == [". . .", "the", "of"] and table.shape == (3, 3)


def test_numeric_words_including_on_the_first_line(tmp_path):
    path = write(tmp_path / "v.txt", "2010 0.5 1\n1 2 3\nthe 4 5\n-3.5 6 7\nnan 8 9\n")
    words, table = load_vectors(path)
    assert words == ["2010", "1", "the", "-3.5", "nan"]
    assert table.shape == (5, 2) and table[0].tolist() == [0.5, 1.0]


def test_a_file_of_only_numeric_words(tmp_path):
    words, table = load_vectors(write(tmp_path / "v.txt", "1 0.5 1\n2 3 4\n"))
    assert words == ["1", "2"] and table.tolist() == [[0.5, 1], [3, 4]]


def test_dim_is_inferred_by_majority_so_a_broken_line_is_the_one_reported(tmp_path):
    lines = [f"w{i} 1 2 3" for i in range(10)]
    lines[4] = "w4 1 2"
    path = write(tmp_path / "v.txt", "\n".join(lines) + "\n")
    with pytest.raises(VectorFileError, match=r", line 5: too few fields \(3\).*word and 3 numbers"):
        load_vectors(path)


def test_a_tie_in_the_dimension_vote_goes_to_the_smaller(tmp_path):
    path = write(tmp_path / "v.txt", "a 1 2\nb 1 2 3\n")
    message = load_error(path)
    assert "line 2: inconsistent dimension: 3 numbers" in message and "have 2" in message


def test_dim_can_be_given(tmp_path):
    path = write(tmp_path / "v.txt", "May 2010 1 2\nthe 3 4\n")
    with pytest.raises(VectorFileError, match="line 1: inconsistent dimension.*pass dim=2"):
        load_vectors(path, dim=None)  # the majority says 2, and "May 2010" ends in a number
    assert load_vectors(path, dim=2)[0] == ["May 2010", "the"]
    with pytest.raises(VectorFileError, match="line 2: too few fields"):
        load_vectors(path, dim=3)


def test_crlf_bom_trailing_spaces_and_blank_lines(tmp_path):
    content = "\ufeff2 3  \r\ncat 1 2 3 \r\n\r\ndog 4 5 6\t\r\n\r\n"
    words, table = load_vectors(write(tmp_path / "v.txt", content))
    assert words == ["cat", "dog"] and table.tolist() == [[1, 2, 3], [4, 5, 6]]
    words, _ = load_vectors(write(tmp_path / "g.txt", "\ufeffcat 1 2\r\ndog 3 4\r\n"))
    assert words == ["cat", "dog"]


def test_non_ascii_whitespace_belongs_to_the_word(tmp_path):
    words, _ = load_vectors(write(tmp_path / "v.txt", "a\u00a0b 1 2\nc 3 4\n"))
    assert words == ["a\u00a0b", "c"]


def test_word2vec_header_with_zero_vectors(tmp_path):
    words, table = load_vectors(write(tmp_path / "v.txt", "0 5\n"))
    assert words == [] and table.shape == (0, 5)


# ---------------------------------------------------------------------- broken files
def load_error(path, **kwargs):
    with pytest.raises(VectorFileError) as info:
        load_vectors(path, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)), message
    return message


def test_vector_file_error_is_a_value_error():
    assert issubclass(VectorFileError, ValueError)


def test_bad_float_names_line_field_and_value(tmp_path):
    path = write(tmp_path / "v.txt", "a 1 2 3\nb 4 5 6\nc 7 x8 9\n")
    message = load_error(path)
    assert "line 3" in message and "value 2 of 3" in message and "'x8'" in message and "not a number" in message


def test_non_finite_values_are_rejected(tmp_path):
    message = load_error(write(tmp_path / "v.txt", "a 1 2\nb 3 inf\n"))
    assert "line 2" in message and "value 2 of 2 is inf" in message and "finite" in message


def test_too_few_fields(tmp_path):
    message = load_error(write(tmp_path / "v.txt", "a 1 2 3\nb 1 2 3\nlonely\n"))
    assert "line 3: too few fields (1)" in message and "3 numbers" in message and "inferred" in message


def test_inconsistent_dimension(tmp_path):
    path = write(tmp_path / "v.txt", "a 1 2 3\nb 1 2 3\nc 1 2 3 4\n")
    message = load_error(path)
    assert "line 3: inconsistent dimension: 4 numbers" in message and "have 3" in message
    shorter = write(tmp_path / "w.txt", "2 3\na 1 2 3\nb 1 2\n")
    message = load_error(shorter)
    assert "line 3: too few fields" in message and "from the header on line 1" in message


def test_duplicate_word_names_both_lines(tmp_path):
    message = load_error(write(tmp_path / "v.txt", "a 1 2\nb 3 4\n\na 5 6\n"))
    assert "line 4: duplicate word 'a', first on line 1" in message


@pytest.mark.parametrize("content", ["", "\n\n", "\ufeff", "  \r\n"])
def test_empty_file(tmp_path, content):
    assert "empty" in load_error(write(tmp_path / "v.txt", content))


def test_header_count_must_match(tmp_path):
    message = load_error(write(tmp_path / "few.txt", "3 2\na 1 2\nb 3 4\n"))
    assert "header says 3 vectors" in message and "only 2" in message
    message = load_error(write(tmp_path / "many.txt", "1 2\na 1 2\nb 3 4\n"))
    assert "line 3: more vectors than the header's count of 1" in message
    message = load_error(write(tmp_path / "dim.txt", "1 2\na 1 2\n"), dim=3)
    assert "line 1: the header says dimension 2, but dim=3" in message


def test_bad_utf8_names_the_line(tmp_path):
    message = load_error(write(tmp_path / "v.txt", b"a 1 2\ncaf\xe9 3 4\n"))
    assert "line 2" in message and "UTF-8" in message and "0xe9" in message


def test_binary_word2vec_is_recognised_with_the_fix(tmp_path):
    body = b"".join(w + b" " + struct.pack("<3f", 0.1, -0.2, 0.3) for w in (b"cat", b"dog"))
    message = load_error(write(tmp_path / "GoogleNews.bin", b"2 3\n" + body))
    assert "binary word2vec" in message and "binary=True" in message and "save_word2vec_format" in message
    message = load_error(write(tmp_path / "v.bin.gz", gzip.compress(b"2 3\n" + body)))
    assert "binary word2vec" in message


def test_a_realistic_binary_word2vec_file(tmp_path):
    vectors_ = torch.randn(3, 300, generator=torch.Generator().manual_seed(0))
    body = b"".join(w.encode() + b" " + v.numpy().tobytes() + b"\n" for w, v in zip(["</s>", "in", "for"], vectors_))
    message = load_error(write(tmp_path / "v.bin", b"3 300\n" + body))
    assert "binary word2vec" in message


def test_other_binary_files_are_not_read_as_text(tmp_path):
    message = load_error(write(tmp_path / "weights.pt", b"PK\x03\x04\x00\x00binary"))
    assert "not a text file" in message


def test_damaged_gzip_is_a_vector_file_error(tmp_path):
    data = gzip.compress(("".join(f"w{i} 1 2\n" for i in range(5000))).encode())
    message = load_error(write(tmp_path / "v.txt.gz", data[: len(data) // 2]))
    assert "line" in message and "cannot read" in message


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.txt"))):
        load_vectors(tmp_path / "nope.txt")


def test_nothing_is_returned_when_the_last_line_is_bad(tmp_path):
    good = "".join(f"w{i} {i} 1\n" for i in range(1000))
    path = write(tmp_path / "v.txt", good + "last 1 oops\n")
    result = None
    with pytest.raises(VectorFileError, match="line 1001"):
        result = load_vectors(path)
    assert result is None


# ---------------------------------------------------------------------- saving: refusals
def test_refuses_to_overwrite_without_permission(tmp_path):
    path = write(tmp_path / "v.txt", "precious\n")
    with pytest.raises(FileExistsError, match=re.escape(str(path)) + ".*overwrite=True"):
        save_vectors(path, ["a"], torch.ones(1, 2))
    assert path.read_text() == "precious\n"
    save_vectors(path, ["a"], torch.ones(1, 2), overwrite=True)
    assert path.read_text() == "a 1 1\n"


def test_a_failed_save_leaves_no_file_and_no_temporary(tmp_path, monkeypatch):
    path = write(tmp_path / "v.txt", "old\n")

    def explode(stream, *args):
        stream.write(b"half a line")
        raise OSError("disk full")

    monkeypatch.setattr(vector_files, "_write_text", explode)
    with pytest.raises(OSError, match="disk full"):
        save_vectors(path, ["a"], torch.ones(1, 2), overwrite=True)
    with pytest.raises(OSError, match="disk full"):
        save_vectors(tmp_path / "new.txt.gz", ["a"], torch.ones(1, 2))
    assert path.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["v.txt"]


@pytest.mark.parametrize(
    "words, table, fmt, message",
    [
        (["a", "b"], torch.ones(3, 2), "glove", "words has 2 entries but tensor has 3 rows"),
        (["a"], torch.ones(2), "glove", r"2-D float tensor \(N, D\); got shape \(2,\)"),
        (["a"], torch.ones(1, 2, dtype=torch.long), "glove", "2-D float tensor"),
        (["a", ""], torch.ones(2, 2), "glove", r"words\[1\] must be a non-empty string"),
        (["a", "b", "a"], torch.ones(3, 2), "glove", r"words\[2\] = 'a' repeats words\[0\]"),
        (["a\nb"], torch.ones(1, 2), "glove", "line break"),
        ([" a"], torch.ones(1, 2), "glove", "leading/trailing whitespace"),
        (["New York"], torch.ones(1, 2), "word2vec", "has a space.*fmt='glove'"),
        (["May 2010"], torch.ones(1, 2), "glove", "ends in a space and a number"),
        (["a"], torch.tensor([[1.0, float("nan")]]), "glove", r"words\[0\] = 'a' has nan or inf"),
        ([], torch.ones(0, 2), "glove", "nothing to save"),
        (["a"], torch.ones(1, 2), "csv", "fmt must be 'glove' or 'word2vec'; got 'csv'"),
    ],
)
def test_save_validates_its_input(tmp_path, words, table, fmt, message):
    with pytest.raises(ValueError, match=message):
        save_vectors(tmp_path / "v.txt", words, table, fmt=fmt)
    assert not (tmp_path / "v.txt").exists()


def test_save_type_errors(tmp_path):
    with pytest.raises(TypeError, match="not one string"):
        save_vectors(tmp_path / "v.txt", "a", torch.ones(1, 2))
    with pytest.raises(TypeError, match="tensor must be a torch.Tensor; got list"):
        save_vectors(tmp_path / "v.txt", ["a"], [[1.0, 2.0]])
    with pytest.raises(TypeError, match="swapped"):
        save_vectors(tmp_path / "v.txt", torch.ones(1, 2), ["a"])
    with pytest.raises(ValueError, match=r"words\[0\] must be a non-empty string; got \['a'\]"):
        save_vectors(tmp_path / "v.txt", [["a"]], torch.ones(1, 2))


def test_glove_words_with_inner_spaces_round_trip(tmp_path):
    words = [". . .", "at name@x.com", "the"]
    assert load_vectors(save_vectors(tmp_path / "v.txt", words, torch.eye(3)))[0] == words


def test_save_needs_an_existing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        save_vectors(tmp_path / "missing" / "v.txt", ["a"], torch.ones(1, 2))


# ---------------------------------------------------------------------- align
@pytest.fixture
def pretrained():
    words = ["the", "cat", "dog", "<pad>", "<unk>", "zebra"]
    table = torch.arange(18, dtype=torch.float32).reshape(6, 3) / 7 + 1
    return words, table


@pytest.fixture
def task_vocab():
    return Vocab(["<pad>", "<unk>", "cat", "the", "mouse", "sat"])


@pytest.mark.parametrize("oov", ["normal", "mean", "zeros"])
def test_align_copies_found_rows_and_zeros_the_pad_row(pretrained, task_vocab, oov):
    words, table = pretrained
    weight, found = align(task_vocab, words, table, oov=oov)
    assert weight.shape == (6, 3) and weight.dtype == torch.float32
    assert found.dtype == torch.bool
    assert found.tolist() == [False, True, True, True, False, False]  # "<pad>" in the file is ignored
    assert torch.equal(weight[0], torch.zeros(3))
    for token in ("<unk>", "cat", "the"):
        assert torch.equal(weight[task_vocab[token]], table[words.index(token)])


def test_align_oov_mean_rows_are_the_mean(pretrained, task_vocab):
    words, table = pretrained
    weight, _ = align(task_vocab, words, table, oov="mean")
    torch.testing.assert_close(weight[4], table.mean(0))
    torch.testing.assert_close(weight[5], table.mean(0))


def test_align_oov_zeros(pretrained, task_vocab):
    weight, _ = align(task_vocab, *pretrained, oov="zeros")
    assert not weight[[0, 4, 5]].any()


def test_align_oov_normal_matches_the_per_dimension_scale_and_is_reproducible():
    gen = torch.Generator().manual_seed(1)
    means, stds = torch.tensor([5.0, -1.0, 0.0, 0.2]), torch.tensor([0.1, 2.0, 1.0, 0.01])
    table = means + stds * torch.randn(3000, 4, generator=gen)
    words = [f"w{i}" for i in range(3000)]
    vocab = Vocab(["<pad>", "<unk>", "w0", *[f"new{i}" for i in range(4000)]])
    weight, found = align(vocab, words, table, oov="normal", seed=3)
    oov_rows = weight[~found][1:]  # without the pad row
    assert oov_rows.shape == (4001, 4)
    torch.testing.assert_close(oov_rows.std(0) / table.std(0), torch.ones(4), atol=0.05, rtol=0)  # per dimension
    assert torch.all((oov_rows.mean(0) - table.mean(0)).abs() < 4 * table.std(0) / 4001**0.5)  # 4 standard errors
    assert torch.equal(weight, align(vocab, words, table, oov="normal", seed=3)[0])
    assert not torch.equal(weight, align(vocab, words, table, oov="normal", seed=4)[0])
    fewer = align(vocab, words[1:], table[1:], oov="normal", seed=3)[0]  # now "w0" is OOV too
    # the draw for each row id is unchanged; only mean and std moved a little (one vector fewer)
    torch.testing.assert_close(fewer[3:], weight[3:], atol=1e-3, rtol=1e-3)


def test_align_accepts_float64_and_keeps_exact_float32_rows(task_vocab):
    table = torch.tensor([[0.1, 0.2]], dtype=torch.float64)
    weight, found = align(task_vocab, ["cat"], table, oov="zeros")
    assert weight.dtype == torch.float32 and torch.equal(weight[2], table[0].float())


def test_align_validates(pretrained, task_vocab):
    words, table = pretrained
    with pytest.raises(ValueError, match="oov must be 'normal', 'mean' or 'zeros'; got 'random'"):
        align(task_vocab, words, table, oov="random")
    with pytest.raises(ValueError, match="words has 5 entries but tensor has 6 rows"):
        align(task_vocab, words[:5], table)
    with pytest.raises(ValueError, match="2-D float tensor"):
        align(task_vocab, words, table[0])
    with pytest.raises(TypeError, match="a list of tokens .id = position. or a dict token -> id; got one string"):
        align("the cat", words, table)
    with pytest.raises(TypeError, match="got Tensor"):
        align(torch.arange(3), words, table)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        align(task_vocab, words, table, seed=-1)
    with pytest.raises(ValueError, match="there are none; use oov='zeros'"):
        align(task_vocab, [], torch.ones(0, 3), oov="mean")
    assert align(task_vocab, [], torch.ones(0, 3), oov="zeros")[0].shape == (6, 3)


@pytest.mark.parametrize("oov", ["normal", "mean", "zeros"])
def test_align_takes_a_list_or_a_dict_and_gives_what_the_vocab_gives(pretrained, task_vocab, oov):
    words, table = pretrained
    expected = align(task_vocab, words, table, oov=oov, seed=2)
    as_dict = {token: i for i, token in enumerate(task_vocab.tokens)}
    shuffled = dict(sorted(as_dict.items()))                      # the same ids, another key order
    for tokens in (task_vocab.tokens, tuple(task_vocab.tokens), as_dict, shuffled):
        weight, found = align(tokens, words, table, oov=oov, seed=2)
        assert torch.equal(weight, expected[0]) and torch.equal(found, expected[1])


def test_align_a_plain_list_without_pad_keeps_row_0_and_zeros_pad_wherever_it_is(pretrained):
    words, table = pretrained
    weight, found = align(["cat", "the", "mouse"], words, table, oov="zeros")  # no <pad>: row 0 is "cat"
    assert found.tolist() == [True, True, False]
    assert torch.equal(weight[0], table[words.index("cat")])
    weight, found = align(["cat", "<pad>", "the"], words, table)              # <pad> at id 1
    assert found.tolist() == [True, False, True] and not weight[1].any()


def test_align_lowercase_looks_up_lowercased_tokens_and_keeps_the_ids(pretrained):
    words, table = pretrained
    tokens = ["<pad>", "The", "the", "CAT", "Mouse"]
    assert align(tokens, words, table)[1].tolist() == [False, False, True, False, False]  # case-sensitive
    weight, found = align(tokens, words, table, lowercase=True)
    assert found.tolist() == [False, True, True, True, False]
    assert torch.equal(weight[1], table[0]) and torch.equal(weight[2], table[0])   # "The" and "the": one vector
    assert torch.equal(weight[3], table[words.index("cat")])
    with pytest.raises(TypeError, match="lowercase must be True or False; got 'yes'"):
        align(tokens, words, table, lowercase="yes")


@pytest.mark.parametrize("tokens, error, message", [
    ({"a": 0, "b": 2}, ValueError, r"tokens\['b'\] = 2, but a dict of 2 tokens needs the ids 0..1, each once"),
    ({"a": 1, "b": 1}, ValueError, r"tokens\['a'\] and tokens\['b'\] both have id 1"),
    ({"a": 0, "b": -1}, ValueError, r"tokens\['b'\] = -1, but a dict of 2 tokens needs the ids 0..1"),
    ({"a": 0, "b": 1.0}, TypeError, r"tokens\['b'\] = 1.0 \(float\); the ids of a dict token -> id must be ints"),
    ({"a": 0, "b": True}, TypeError, r"tokens\['b'\] = True \(bool\)"),
    ({"a": 0, 3: 1}, ValueError, r"tokens has the key 3; every key must be a non-empty string"),
    ({}, ValueError, "tokens is empty"),
    ([], ValueError, "tokens is empty"),
    (["a", "b", "a"], ValueError, r"tokens\[2\] = 'a' repeats tokens\[0\]; .* list\(dict.fromkeys\(tokens\)\)"),
    (["a", ""], ValueError, r"tokens\[1\] must be a non-empty string; got ''"),
    (["a", None], ValueError, r"tokens\[1\] must be a non-empty string; got None"),
])
def test_align_refuses_bad_token_lists_and_dicts_naming_the_value_and_the_fix(pretrained, tokens, error, message):
    with pytest.raises(error, match=message):
        align(tokens, *pretrained)


def test_align_dict_accepts_numpy_ids(pretrained):
    import numpy as np

    weight, found = align({"cat": np.int64(1), "<pad>": np.int64(0)}, *pretrained)
    assert found.tolist() == [False, True]


def test_save_with_five_digits_writes_like_stanfords_glove_files(tmp_path):
    table = torch.tensor([[0.418, 0.24968, -0.41242, 4.0071, -6.3681e-05, -0.00066023]])
    path = save_vectors(tmp_path / "g.txt", ["the"], table, digits=5)
    assert path.read_text() == "the 0.418 0.24968 -0.41242 4.0071 -6.3681e-05 -0.00066023\n"
    for bad in (0, 10, 5.0, True):
        with pytest.raises(ValueError, match="digits must be an int from 1 to 9"):
            save_vectors(tmp_path / "h.txt", ["the"], table, digits=bad)


def test_aligned_weight_works_as_padding_idx(pretrained, task_vocab):
    weight, _ = align(task_vocab, *pretrained)
    emb = torch.nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=0)
    assert torch.equal(emb(torch.tensor([0, 2]))[1], pretrained[1][1])


# ---------------------------------------------------------------------- nearest
@pytest.fixture
def animals():
    words = ["cat", "kitten", "dog", "car", "zero"]
    table = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]])
    return table, words  # nearest's argument order


def test_nearest_ranks_by_cosine_and_leaves_out_the_query(animals):
    table, words = animals
    result = nearest(table, words, "cat", k=3)
    assert [w for w, _ in result] == ["kitten", "dog", "car"]
    assert result[0][1] == pytest.approx(0.9 / (0.82**0.5))
    assert result[1][1] == pytest.approx(0.6)
    assert result[2][1] == pytest.approx(0.0)


def test_nearest_to_a_vector_includes_every_word(animals):
    table, words = animals
    result = nearest(table, words, torch.tensor([0.0, 0.0, -5.0]), k=2)
    assert result[0] == ("cat", pytest.approx(0.0)) and result[1][0] == "kitten"  # ties in row order
    assert [w for w, _ in nearest(table, words, torch.tensor([0.0, 0.0, 5.0]), k=1)] == ["car"]


def test_nearest_k_larger_than_the_table_returns_all_others(animals):
    table, words = animals
    assert len(nearest(table, words, "cat", k=100)) == 4
    assert len(nearest(table, words, table[0], k=100)) == 5


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_nearest_validates_k(animals, k):
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        nearest(*animals, "cat", k=k)


def test_nearest_unknown_word_suggests_close_ones(animals):
    with pytest.raises(ValueError, match="'kiten' is not among the 5 words; did you mean 'kitten'"):
        nearest(*animals, "kiten")
    with pytest.raises(ValueError, match="did you mean 'cat'"):
        nearest(*animals, "CAT")


def test_nearest_says_when_tensor_and_words_are_swapped(animals):
    table, words = animals
    with pytest.raises(TypeError, match="swapped"):
        nearest(words, table, "cat")


def test_nearest_rejects_wrong_size_and_zero_queries(animals):
    with pytest.raises(ValueError, match=r"vector of size D = 3; got shape \(2,\)"):
        nearest(*animals, torch.ones(2))
    with pytest.raises(ValueError, match="all zeros"):
        nearest(*animals, "zero")


# ---------------------------------------------------------------------- issue 14: edges where a user's file meets the course
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["unix", "windows", "old-mac"])
@pytest.mark.parametrize("header", ["", "3 2{e}"], ids=["glove", "word2vec"])
def test_every_line_ending_reads_the_same(tmp_path, ending, header):
    text = (header + "cat 0.5 1{e}dog 0.25 -2{e}{e}2010 1 2{e}").format(e=ending)
    path = write(tmp_path / "v.txt", text)
    words, vectors = load_vectors(path)
    assert words == ["cat", "dog", "2010"] and vectors.tolist() == [[0.5, 1.0], [0.25, -2.0], [1.0, 2.0]]


def test_line_endings_split_across_read_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "_BLOCK", 7)                  # "\r" and "\n" land in different blocks
    lines = [f"w{i} {i} {i + 0.5}" for i in range(40)]
    path = write(tmp_path / "v.txt", "\r\n".join(lines) + "\r")
    words, vectors = load_vectors(path)
    assert words == [f"w{i}" for i in range(40)] and vectors[39].tolist() == [39.0, 39.5]
    path = write(tmp_path / "mac.txt", "\r".join(lines))
    assert load_vectors(path)[0] == words


@pytest.mark.parametrize("encoding, bom, name", [
    ("utf-16", True, "UTF-16LE (it starts with that byte-order mark)"),
    ("utf-16-le", False, "UTF-16LE (told by its NUL bytes)"),
    ("utf-16-be", False, "UTF-16BE (told by its NUL bytes)"),
    ("utf-32", True, "UTF-32LE (it starts with that byte-order mark)"),
    ("utf-32-be", False, "UTF-32BE (told by its NUL bytes)"),
])
def test_utf16_and_utf32_files_are_named_with_the_fix(tmp_path, encoding, bom, name):
    path = write(tmp_path / "wide.txt", "cat 0.5 1\ndog 0.25 -2\n".encode(encoding))
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff") if bom else True
    with pytest.raises(VectorFileError, match=re.escape(f"the file is {name}, not UTF-8; re-save it as UTF-8, "
                                                        f"e.g. `iconv -f {name.split()[0]} -t UTF-8 wide.txt")):
        load_vectors(path)
    with gzip.open(tmp_path / "wide.txt.gz", "wb") as f:                # inside gzip too
        f.write(path.read_bytes())
    with pytest.raises(VectorFileError, match="not UTF-8"):
        load_vectors(tmp_path / "wide.txt.gz")


def test_a_line_too_long_for_a_vector_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(vector_files, "_BLOCK", 256)
    reads = []
    real_split = vector_files._split_lines

    def counting(path, f, buffer):
        real_read = f.read
        f_read = lambda n: reads.append(n) or real_read(n)          # noqa: E731
        return real_split(path, type("F", (), {"read": staticmethod(f_read)})(), buffer)

    monkeypatch.setattr(vector_files, "_split_lines", counting)
    path = write(tmp_path / "long.txt", "cat 1 2\n" + "x" * 50_000 + " 1 2\n")
    with pytest.raises(VectorFileError, match=r"long.txt, line 2: a line of more than 1,000 bytes without a line "
                                              r"break, too long for a vector \(it starts 'xxxxxxxx"):
        load_vectors(path)
    assert sum(reads) < 2_000                                          # stopped early, not after 50 KB


def test_error_messages_quote_a_short_excerpt_of_a_long_line(tmp_path):
    huge = "w" * 200_000
    cases = [
        (f"a 1 2\n{huge} 1 x\n", r"value 2 of 2 is 'x', not a number"),
        (f"a 1 2\nb 1 {huge}\n", r"value 2 of 2 is 'wwww.*\.\.\. \(200,000 characters\), not a number"),
        (f"{huge} 1 2\n{huge} 3 4\n", r"duplicate word 'wwww.*\.\.\. \(200,000 characters\), first on line 1"),
        (f"a 1 2\nb 3 4\n{huge} 9 5 6\n", r"If the word is 'wwww.*\.\.\. \(200,002 characters\), pass dim=2"),
    ]
    for content, match in cases:
        with pytest.raises(VectorFileError, match=match) as caught:
            load_vectors(write(tmp_path / "v.txt", content))
        assert len(str(caught.value)) < 300, len(str(caught.value))


def test_save_refuses_what_would_load_back_differently(tmp_path):
    cases = [
        (["12", "b"], torch.tensor([[3.0], [1.0]]), "glove", "first line would be '12 3'"),
        (["a\x01b"], torch.ones(1, 2), "glove", r"control character '\\x01'"),
        (["a\x1fb"], torch.ones(1, 2), "word2vec", r"control character '\\x1f'"),
        (["a\rb"], torch.ones(1, 2), "glove", "line break"),
        (["\ud800"], torch.ones(1, 2), "glove", "lone surrogate"),
        (["\ufeffa"], torch.ones(1, 2), "glove", "byte-order mark"),
    ]
    for words, table, fmt, match in cases:
        with pytest.raises(ValueError, match=match):
            save_vectors(tmp_path / "v.txt", words, table, fmt)
    assert list(tmp_path.iterdir()) == []
    kept = ["a\tb", "\x7f", "b\ufeff", "\x85", "12"]                  # these do round-trip: saved, not refused
    path = save_vectors(tmp_path / "v.txt", kept, torch.arange(10.0).view(5, 2))
    assert load_vectors(path)[0] == kept


def test_a_line_longer_than_the_reader_takes_is_refused_at_save_time(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "MAX_LINE_BYTES", 100)
    with pytest.raises(ValueError, match=r"the line of words\[1\] = 'b' would be 110 bytes, more than load_vectors "
                                         r"reads \(100\)"):
        save_vectors(tmp_path / "v.txt", ["a", "b"], torch.cat([torch.zeros(1, 9), torch.full((1, 9), 1 / 3)]))
    assert list(tmp_path.iterdir()) == []
