"""Pretrained word vectors: GloVe and word2vec files read and written exactly, fitted to a
vocabulary, and their nearest neighbours.

GloVe text has one ``word v1 ... vD`` line per word, most frequent first, with no header;
word2vec text puts a ``count dim`` line first; either may be gzipped. Stanford's GloVe 6B
files are lowercase and hold punctuation as words (their first lines are ``the``, ``,``,
``.``, ``of``; ``'s`` is the tenth). :func:`load_vectors` and :func:`save_vectors` read and
write them, :func:`align` fits a table to a vocabulary (a ``Vocab``, a list or a dict),
:func:`nearest` finds neighbours.

Introduced in notebooks/05_pretrained_vectors.ipynb.
"""
from __future__ import annotations

import difflib
import gzip
import os
import re
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import chain, islice
from pathlib import Path

import numpy as np
import torch

from .vocab import PAD, Vocab
from ._util import atomic_file, is_int

__all__ = ["MAX_LINE_BYTES", "VectorFileError", "align", "check_table", "load_vectors", "nearest", "save_vectors"]

_BOM, _GZIP_MAGIC = b"\xef\xbb\xbf", b"\x1f\x8b"
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0e-\x1f]")  # never in UTF-8 text, always in raw floats
_UNSAVABLE = re.compile(r"[\x00-\x08\x0e-\x1f\r\n]")  # what a reader takes for binary data or a line break
_NEWLINE = re.compile(rb"\r\n|\r|\n")                     # Unix, Windows and old Mac line endings
_WIDE = ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"), (b"\xff\xfe", "UTF-16LE"),
         (b"\xfe\xff", "UTF-16BE"))                         # byte-order marks, the 4-byte ones first
_NUL_PATTERNS = {(False, True, True, True): "UTF-32LE", (True, True, True, False): "UTF-32BE",
                 (False, True, False, True): "UTF-16LE", (True, False, True, False): "UTF-16BE"}
_SAMPLE_LINES, _CHUNK_ROWS, _BLOCK = 100, 8192, 1 << 20
#: the longest line read: 4 MiB holds a word and 250,000 values; longer is no vector line (a binary file,
#: or one without line breaks), refused before it fills memory
MAX_LINE_BYTES = 1 << 22
_TO_TEXT = "gensim's KeyedVectors.load_word2vec_format(path, binary=True).save_word2vec_format(out, binary=False)"


class VectorFileError(ValueError):
    """A vector file that cannot be read; the message names the file, the line and the problem.

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """


def _error(path: Path, lineno: int | None, reason: str) -> VectorFileError:
    return VectorFileError(f"{path}{f', line {lineno}' if lineno else ''}: {reason}")


def _quote(text: bytes | str, limit: int = 40) -> str:
    """``repr(text)``, or its first ``limit`` characters and its length: an error quotes a line, never all of it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32, told by the byte-order mark, or by where the NUL bytes of ASCII text sit; else None."""
    for bom, name in _WIDE:
        if head.startswith(bom):
            return f"{name} (it starts with that byte-order mark)"
    sample = head[: len(head) // 4 * 4]
    if len(sample) < 16 or b"\0" not in sample:
        return None
    nuls = tuple(sample[i::4].count(0) > 0.9 * len(sample) // 4 for i in range(4))  # NUL at offset i of 4?
    name = _NUL_PATTERNS.get(nuls)
    return f"{name} (told by its NUL bytes)" if name else None


def _is_number(field: bytes | str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _trailing_numbers(fields: list[bytes]) -> int:
    """How many fields at the end are numbers, always leaving the first field for the word."""
    count = 0
    while count < len(fields) - 1 and _is_number(fields[-count - 1]):
        count += 1
    return count


def _parse_header(line: bytes) -> tuple[int, int] | None:
    fields = line.split()
    if len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit():
        return int(fields[0]), int(fields[1])
    return None


def _open_lines(path: Path):
    """Yield ``(line number, line)`` per non-blank line, without BOM, line ending or trailing spaces.

    Lines end in ``\\n``, ``\\r\\n`` or ``\\r``; a line longer than :data:`MAX_LINE_BYTES` is refused
    before it is held in memory whole.
    """
    with open(path, "rb") as f:
        gzipped = f.read(2) == _GZIP_MAGIC  # by content, not by the name
    lineno = 0
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as f:
            buffer = f.read(_BLOCK)
            _check_text(path, buffer[:4096])
            for lineno, raw in _split_lines(path, f, buffer):
                line = raw.rstrip()  # ASCII whitespace only: trailing spaces and tabs
                line = line.removeprefix(_BOM) if lineno == 1 else line
                if line:
                    yield lineno, line
    except (OSError, EOFError, zlib.error) as err:  # a damaged or truncated gzip stream
        raise _error(path, lineno + 1, f"cannot read the file here ({err}); is it a damaged gzip file?") from None


def _check_text(path: Path, head: bytes) -> None:
    """Refuse what is not UTF-8 text by its first bytes, naming what it is and the way out."""
    wide = _wide_encoding(head)
    if wide:
        name = wide.split()[0]
        raise _error(path, None, f"the file is {wide}, not UTF-8; re-save it as UTF-8, e.g. "
                                 f"`iconv -f {name} -t UTF-8 {path.name} > utf8.txt`")
    control = _CONTROL_BYTE.search(head)
    first, second = (_NEWLINE.split(head, 2) + [b"", b""])[:2]
    values = second.partition(b" ")[2]  # line 2 after its word: ASCII if text
    if _parse_header(first.removeprefix(_BOM)) and (control or not values.isascii()):
        raise _error(path, None, f"a binary word2vec file; load_vectors reads text. Convert it: {_TO_TEXT}")
    if control:
        raise _error(path, None, f"not a text file (byte 0x{head[control.start()]:02x} at offset "
                                 f"{control.start()}); load_vectors reads GloVe or word2vec text in UTF-8")


def _split_lines(path: Path, f, buffer: bytes):
    """``(line number, line)`` for every line of ``buffer`` and the rest of ``f``, blank ones included."""
    lineno, done = 0, False
    while True:
        cut = len(buffer) - (buffer.endswith(b"\r") and not done)  # a last "\r" may be half of "\r\n"
        lines = _NEWLINE.split(buffer[:cut]) if b"\r" in buffer else buffer.split(b"\n")  # the last: unfinished
        for line in lines[:-1]:
            lineno += 1
            yield lineno, line
        buffer = lines[-1] + buffer[cut:]
        if done:
            if buffer:
                yield lineno + 1, buffer
            return
        if len(buffer) > MAX_LINE_BYTES:
            raise _error(path, lineno + 1, f"a line of more than {MAX_LINE_BYTES:,} bytes without a line break, "
                         f"too long for a vector (it starts {_quote(buffer[:40])}); is this a vector file?")
        block = f.read(_BLOCK)
        done = not block
        buffer += block


def _infer_dim(path: Path, sample: list[tuple[int, bytes]]) -> int:
    # A line ends in exactly D numbers for a plain word, a word with spaces (". . .") and a
    # numeric word ("2010": capped, since the first field is the word); in more only for
    # words like "May 2010", in fewer only when broken. So D is the most common count.
    # A line with no numbers at all has no say: it is broken whatever D is.
    counts = [_trailing_numbers(line.split()) for _, line in sample]
    votes = Counter(count for count in counts if count)
    if not votes:
        raise _error(path, sample[0][0], "no numbers after the word; expected `word v1 ... vD`")
    return max(votes.items(), key=lambda item: (item[1], -item[0]))[0]  # ties: the smaller


class _LineParser:
    """Parse ``word v1 ... vD`` into ``out`` (a float32 row of size D) and return the word."""

    def __init__(self, path: Path, dim: int, why: str, strict: bool):
        self.path, self.dim, self.why, self.strict = path, dim, why, strict  # why: where D came from

    def __call__(self, lineno: int, line: bytes, out: np.ndarray) -> str:
        dim, fields = self.dim, line.split()
        if len(fields) <= dim:
            raise _error(self.path, lineno, f"too few fields ({len(fields)}): a line needs a word and {dim} numbers "
                                            f"(dimension {dim}, {self.why})")
        word = fields[0] if len(fields) == dim + 1 else line.rsplit(None, dim)[0]  # GloVe 840B: ". . ."
        if self.strict and len(fields) > dim + 1 and _is_number(fields[-dim - 1]):
            raise _error(self.path, lineno, f"inconsistent dimension: {_trailing_numbers(fields)} numbers, but the "
                         f"vectors have {dim} ({self.why}). If the word is {_quote(word)}, pass dim={dim}")
        try:
            out[:] = fields[-dim:]  # numpy parses the bytes straight into the float32 row
        except ValueError:
            at = next(i for i, field in enumerate(fields[-dim:]) if not _is_number(field))
            raise _error(self.path, lineno, f"value {at + 1} of {dim} is {_quote(fields[-dim + at])}, "
                                            "not a number") from None
        if not np.isfinite(out).all():
            at = int(np.flatnonzero(~np.isfinite(out))[0])
            raise _error(self.path, lineno, f"value {at + 1} of {dim} is {out[at]}; vectors must be finite")
        try:
            return word.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _error(self.path, lineno, f"bad UTF-8 in the word (byte 0x{word[err.start]:02x}); "
                                            "re-save the file as UTF-8") from None


def load_vectors(path: str | os.PathLike, *, limit: int | None = None,
                 dim: int | None = None) -> tuple[list[str], torch.Tensor]:
    r"""Read word vectors from a GloVe or word2vec text file, plain or gzipped.

    A first line of two integers is a word2vec ``count dim`` header. Without one, ``D``
    is the most common count of numbers ending the first 100 lines (ties: the smaller),
    which numeric words ("2010") and words with spaces (GloVe 840B's ". . .") do not
    fool. The last ``D`` fields of a line are the vector, the rest is the word. Gzip is
    told by its magic bytes; a BOM, trailing spaces and any line ending (``\n``, ``\r\n``,
    an old Mac's ``\r``) are fine. Any problem raises :class:`VectorFileError`, so nothing
    is ever returned half-read; it quotes at most a short excerpt of the line, names a
    UTF-16 or UTF-32 file with the fix, and stops at a line longer than
    :data:`MAX_LINE_BYTES` before holding it in memory.

    Args:
        path (str or os.PathLike): the file.
        limit (int, optional): read only the first ``limit`` vectors. Default: all.
        dim (int, optional): ``D``, when you know it; then a line with extra fields is a
            word with spaces even if it ends in a number. Default: from the file.

    Returns:
        tuple: ``words`` (list of str) and ``vectors`` (float32); row ``i`` belongs to ``words[i]``.

    Shape:
        - Output: ``vectors`` is ``(N, D)`` for ``N = len(words)``.

    Examples::

        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = Path(folder.name) / "tiny.txt"
        >>> _ = path.write_text("2010 0.5 1\n. . . 0.25 -2\n")
        >>> words, vectors = load_vectors(path)
        >>> words, vectors.tolist()
        (['2010', '. . .'], [[0.5, 1.0], [0.25, -2.0]])
        >>> folder.cleanup()

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no vector file at {path} (resolved: {path.resolve()})")
    for name, value, low in (("limit", limit, 0), ("dim", dim, 1)):
        if value is not None and (not is_int(value) or value < low):
            raise ValueError(f"{name} must be None or an int >= {low}; got {value!r}")
    lines = _open_lines(path)
    try:
        return _read_vectors(path, lines, limit, dim)
    finally:
        lines.close()


def _read_vectors(path, lines, limit, dim):
    first = next(lines, None)
    if first is None:
        raise _error(path, None, "the file is empty (no header and no vectors)")
    header, count, strict = _parse_header(first[1]), None, dim is None
    if header:
        count, file_dim = header
        if file_dim < 1 or dim not in (None, file_dim):
            raise _error(path, first[0], f"the header says dimension {file_dim}"
                         + (f", but dim={dim} was passed; leave dim out" if file_dim else ""))
        dim, why = file_dim, f"from the header on line {first[0]}"
    else:
        sample = [first, *islice(lines, _SAMPLE_LINES - 1)]
        lines = chain(sample, lines)
        why = "as passed in dim" if dim else f"inferred from the first {len(sample)} lines"
        dim = dim or _infer_dim(path, sample)
    wanted = count if limit is None else limit if count is None else min(limit, count)
    parse, words, seen_on, chunks = _LineParser(path, dim, why, strict), [], {}, []
    for lineno, line in lines:
        if len(words) == wanted:
            if wanted == limit:
                break
            raise _error(path, lineno, f"more vectors than the header's count of {count}; fix the header")
        if len(words) % _CHUNK_ROWS == 0:  # float32 blocks: never a Python float per value
            chunks.append(np.empty((_CHUNK_ROWS, dim), dtype=np.float32))
        word = parse(lineno, line, chunks[-1][len(words) % _CHUNK_ROWS])
        if word in seen_on:
            raise _error(path, lineno, f"duplicate word {_quote(word)}, first on line {seen_on[word]}")
        seen_on[word] = lineno
        words.append(word)
    if count is not None and len(words) < wanted:
        raise _error(path, None, f"the header says {count} vectors, but the file has only {len(words)}; fix the header")
    vectors = torch.empty((len(words), dim))  # (N, D)
    for start in range(0, len(words), _CHUNK_ROWS):  # free each block once copied
        vectors[start:start + _CHUNK_ROWS] = torch.from_numpy(chunks.pop(0)[: len(words) - start])
    return words, vectors


def check_table(words: Sequence[str], tensor: torch.Tensor) -> list[str]:
    """``words`` as a list if it labels the rows of ``tensor`` ``(N, D)`` (distinct, non-empty strings,
    one per row); otherwise a clear ``TypeError`` or ``ValueError``.

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    if isinstance(words, torch.Tensor) and not isinstance(tensor, torch.Tensor):
        raise TypeError("words and tensor are swapped: pass the tensor of vectors as tensor, the words as words")
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor; got {type(tensor).__name__}. Use torch.as_tensor(x)")
    if tensor.dim() != 2 or not tensor.is_floating_point():
        raise ValueError(f"tensor must be a 2-D float tensor (N, D); got shape {tuple(tensor.shape)}, {tensor.dtype}")
    if isinstance(words, str):
        raise TypeError("words must be a list of words, not one string; use [word]")
    words = list(words)
    if len(words) != tensor.shape[0]:
        raise ValueError(f"words has {len(words)} entries but tensor has {tensor.shape[0]} rows; "
                         "they must match (row i is the vector of words[i])")
    bad = next((i for i, word in enumerate(words) if not isinstance(word, str) or not word), None)
    if bad is not None:
        raise ValueError(f"words[{bad}] must be a non-empty string; got {words[bad]!r}")
    if len(set(words)) != len(words):
        first_at: dict[str, int] = {}
        for i, word in enumerate(words):
            if word in first_at:
                raise ValueError(f"words[{i}] = {word!r} repeats words[{first_at[word]}]; words must be distinct")
            first_at[word] = i
    return words


def _check_savable(i: int, word: str, fmt: str) -> None:
    """A ValueError unless ``load_vectors`` reads ``word`` back exactly from a line of this format."""
    try:
        fields = word.encode("utf-8").split()  # ASCII whitespace, as the reader splits
    except UnicodeEncodeError as err:
        raise ValueError(f"words[{i}] = {_quote(word)} is not valid Unicode (a lone surrogate at character "
                         f"{err.start}); fix its decoding") from None
    control = _UNSAVABLE.search(word)
    if control:
        raise ValueError(f"words[{i}] = {_quote(word)} has the control character {control.group()!r} at character "
                         f"{control.start()}, which readers take for a line break or binary data; remove it")
    if word != word.strip(" \t\v\f"):
        raise ValueError(f"words[{i}] = {_quote(word)} has leading/trailing whitespace, which readers drop; "
                         "strip it")
    if len(fields) > 1 and fmt == "word2vec":
        raise ValueError(f"words[{i}] = {_quote(word)} has a space, which word2vec readers split on; "
                         "use word.replace(' ', '_') or fmt='glove'")
    if len(fields) > 1 and _is_number(fields[-1]):
        raise ValueError(f"words[{i}] = {_quote(word)} ends in a space and a number, which a reader cannot tell "
                         "from one more value; replace the space, e.g. with '_'")
    if i == 0 and fmt == "glove" and word.startswith("\ufeff"):
        raise ValueError(f"words[0] = {_quote(word)} starts with a byte-order mark (U+FEFF), which readers drop "
                         "from the start of a file; remove it, or put another word first")


def save_vectors(path: str | os.PathLike, words: Sequence[str], tensor: torch.Tensor,
                 fmt: str = "glove", *, overwrite: bool = False, digits: int = 9) -> Path:
    r"""Write word vectors as GloVe or word2vec text, gzipped when ``path`` ends in ``.gz``.

    Values get ``digits`` significant digits. The default 9 is exact for float32, so
    ``load_vectors`` returns ``tensor.float()`` bit for bit; Stanford's glove.6B files have 5
    (``the 0.418 0.24968 -0.41242 ...``), which ``digits=5`` writes alike. The file appears
    whole (a temporary file, then ``os.replace``); a gzip file has no time stamp, so it is
    byte-reproducible. With ``fmt="glove"`` a word may contain spaces (GloVe 840B has
    ". . .") unless it ends in a number ("May 2010"); word2vec readers split on spaces, so
    there none are allowed.
    A table that would read back differently is refused before anything is written, with
    the reason: a word with a line break, a control character, leading or trailing
    whitespace, a lone surrogate, or a GloVe first line that reads as a word2vec header
    (``"12 3"``: the word ``"12"`` with the vector ``[3.0]``).

    Args:
        path (str or os.PathLike): the file to write.
        words (sequence of str): distinct words, one per row of ``tensor``.
        tensor (Tensor): the vectors, any float dtype (written as float32).
        fmt (str, optional): ``"glove"`` (no header) or ``"word2vec"`` (a ``count dim``
            line first). Default: ``"glove"``.
        overwrite (bool, optional): replace an existing file. Default: ``False``.
        digits (int, optional): significant digits per value, 1 to 9. Default: ``9`` (exact).

    Returns:
        Path: ``path``.

    Shape:
        - Input: ``tensor`` is ``(N, D)`` for ``N = len(words)``.

    Examples::

        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> table = torch.tensor([[0.5, 1.0], [0.1, -2.0]])
        >>> path = save_vectors(Path(folder.name) / "tiny.txt", ["cat", "dog"], table, fmt="word2vec")
        >>> print(path.read_text(), end="")
        2 2
        cat 0.5 1
        dog 0.100000001 -2
        >>> torch.equal(load_vectors(path)[1], table)
        True
        >>> folder.cleanup()

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    path = Path(path)
    if fmt not in ("glove", "word2vec"):
        raise ValueError(f"fmt must be 'glove' or 'word2vec'; got {fmt!r}")
    if not is_int(digits) or not 1 <= digits <= 9:
        raise ValueError(f"digits must be an int from 1 to 9 (9 is exact for float32); got {digits!r}")
    words = check_table(words, tensor)
    matrix = tensor.detach().to("cpu", torch.float32).numpy()  # (N, D)
    if matrix.size == 0:
        raise ValueError(f"nothing to save: tensor has shape {matrix.shape}; need N >= 1 and D >= 1")
    for i, word in enumerate(words):
        _check_savable(i, word, fmt)
    bad = np.flatnonzero(~np.isfinite(matrix).all(axis=1))
    if len(bad):
        raise ValueError(f"the vector of words[{bad[0]}] = {words[bad[0]]!r} has nan or inf; fix it first")
    row_format = " ".join([f"%.{digits}g"] * matrix.shape[1])  # 9 significant digits round-trip a float32
    first = f"{words[0]} {row_format % tuple(matrix[0].tolist())}"
    if fmt == "glove" and _parse_header(first.encode()):
        raise ValueError(f"the first line would be {_quote(first)}, which readers take for a word2vec header "
                         "(count, dimension); use fmt='word2vec' (a real header first), or put another word first")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {path}: no folder {path.parent}; create it first")
    with atomic_file(path) as raw:  # whole or not at all: an error below leaves the old file, or none
        if path.name.lower().endswith(".gz"):
            with gzip.GzipFile(path.name, "wb", 6, fileobj=raw, mtime=0) as zipped:
                _write_text(zipped, words, matrix, fmt, row_format)
        else:
            _write_text(raw, words, matrix, fmt, row_format)
    return path


def _write_text(stream, words: list[str], matrix: np.ndarray, fmt: str, row_format: str, block: int = 1024) -> None:
    if fmt == "word2vec":
        stream.write(f"{len(words)} {matrix.shape[1]}\n".encode())
    for start in range(0, len(words), block):
        rows = matrix[start:start + block].tolist()
        lines = [f"{w} {row_format % tuple(r)}\n".encode() for w, r in zip(words[start:], rows)]
        too_long = next((i for i, line in enumerate(lines) if len(line) > MAX_LINE_BYTES), None)
        if too_long is not None:
            raise ValueError(f"the line of words[{start + too_long}] = {_quote(words[start + too_long])} would be "
                             f"{len(lines[too_long]):,} bytes, more than load_vectors reads ({MAX_LINE_BYTES:,}); "
                             "use a shorter word or fewer dimensions")
        stream.write(b"".join(lines))



def _token_list(tokens) -> list[str]:
    """``tokens`` (a Vocab, a list with id = position, or a dict token -> id) as the list of tokens by id."""
    how = "tokens must be a course_lib Vocab, a list of tokens (id = position) or a dict token -> id"
    if isinstance(tokens, Vocab):
        return list(tokens.tokens)
    if isinstance(tokens, str):
        raise TypeError(f"{how}; got one string {_quote(tokens)}. Use a list, e.g. text.split()")
    if isinstance(tokens, Mapping):
        return _dict_tokens(tokens)
    if not isinstance(tokens, Sequence):
        raise TypeError(f"{how}; got {type(tokens).__name__}. For a tensor or array of strings use list(...)")
    listed, first_at = list(tokens), {}
    if not listed:
        raise ValueError("tokens is empty; pass your vocabulary's tokens, id = position")
    for i, token in enumerate(listed):
        if not isinstance(token, str) or not token:
            raise ValueError(f"tokens[{i}] must be a non-empty string; got {token!r}")
        if token in first_at:
            raise ValueError(f"tokens[{i}] = {token!r} repeats tokens[{first_at[token]}]; a token list gives each "
                             "token one id (its position), so list each once, e.g. list(dict.fromkeys(tokens))")
        first_at[token] = i
    return listed


def _dict_tokens(tokens: Mapping) -> list[str]:
    """A dict token -> id as the list of tokens by id; the ids must be 0..n-1, each once."""
    if not tokens:
        raise ValueError("tokens is empty; pass your vocabulary's tokens, id = position")
    n, by_id = len(tokens), [None] * len(tokens)
    renumber = "renumber them, e.g. {token: i for i, token in enumerate(tokens)}, and re-encode your data"
    for token, i in tokens.items():
        if not isinstance(token, str) or not token:
            raise ValueError(f"tokens has the key {token!r}; every key must be a non-empty string (a token)")
        if not (is_int(i) or isinstance(i, np.integer)):
            raise TypeError(f"tokens[{token!r}] = {i!r} ({type(i).__name__}); the ids of a dict token -> id must "
                            f"be ints 0..{n - 1}, each once")
        i = int(i)
        if not 0 <= i < n:
            raise ValueError(f"tokens[{token!r}] = {i}, but a dict of {n} tokens needs the ids 0..{n - 1}, each "
                             f"once (row i of the weight is the token with id i); {renumber}")
        if by_id[i] is not None:
            raise ValueError(f"tokens[{by_id[i]!r}] and tokens[{token!r}] both have id {i}; the ids must be "
                             f"0..{n - 1}, each once; {renumber}")
        by_id[i] = token
    return by_id


def align(tokens: Vocab | Sequence[str] | Mapping[str, int], words: Sequence[str], tensor: torch.Tensor,
          oov: str = "normal", seed: int = 0, *, lowercase: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Build the embedding weight of a vocabulary from pretrained vectors.

    Row ``i`` is the vector of the token with id ``i``, copied exactly, when ``words`` has
    it; otherwise an OOV row made as ``oov`` says. The vocabulary is a course
    :class:`~course_lib.vocab.Vocab`, a list of tokens (the id of a token is its position)
    or a dict token -> id (the ids must be ``0 .. n-1``, each once); the same tokens with the
    same ids give the same result whichever you pass. The row of the token ``"<pad>"`` (id 0
    in a ``Vocab``) is always zeros and counts as not found, so the weight suits
    ``padding_idx``.

    Stanford's GloVe 6B files are lowercase ("uncased": ``paris``, never ``Paris``), as are
    its 42B and Twitter files, and hold punctuation and clitics as words (``,`` ``.`` ``'s``).
    ``lowercase=True`` looks each token up as ``token.lower()`` and keeps your ids (``"Paris"``
    and ``"paris"`` then both get ``paris``'s vector); or lowercase your text before you build
    the vocabulary. The Common Crawl 840B file is cased: leave ``lowercase=False`` there.

    - ``"normal"``: coordinate ``d`` drawn from N(mean_d, std_d) of column ``d`` of
      ``tensor``: random rows with the loaded vectors' per-dimension centre and spread
      (word vectors share a sizeable mean vector, which N(0, sigma) would ignore). Drawn
      on the CPU from ``torch.Generator().manual_seed(seed)``; row ``i`` depends only on
      ``seed`` and ``i``.
    - ``"mean"``: the mean loaded vector, as Hugging Face's
      ``resize_token_embeddings(mean_resizing=True)`` gives new rows.
    - ``"zeros"``: zeros.

    Args:
        tokens (Vocab, list of str or dict of str to int): the task vocabulary: a ``Vocab``,
            its tokens in id order, or a dict token -> id with ids ``0 .. n-1``.
        words (sequence of str): the loaded words, as from :func:`load_vectors`.
        tensor (Tensor): the loaded vectors.
        oov (str, optional): ``"normal"``, ``"mean"`` or ``"zeros"``. Default: ``"normal"``.
        seed (int, optional): the seed of ``oov="normal"``. Default: ``0``.
        lowercase (bool, optional): look tokens up lowercased, for an uncased file such as
            GloVe 6B (not 840B, which is cased). Default: ``False``.

    Returns:
        tuple: ``weight`` (float32, on ``tensor``'s device) and ``found_mask`` (bool,
        ``True`` where the row came from ``tensor``).

    Shape:
        - Input: ``tensor`` is ``(N, D)`` for ``N = len(words)``.
        - Output: ``weight`` is ``(V, D)``, ``found_mask`` is ``(V,)``, for ``V`` tokens.

    Examples::

        >>> vocab = Vocab.from_tokens("the cat sat".split())
        >>> vocab.tokens
        ['<pad>', '<unk>', 'cat', 'sat', 'the']
        >>> weight, found = align(vocab, ["the", "cat"], torch.tensor([[0.0, 1.0], [1.0, 0.0]]), oov="mean")
        >>> weight.tolist()
        [[0.0, 0.0], [0.5, 0.5], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
        >>> found.tolist()
        [False, False, True, False, True]
        >>> emb = torch.nn.Embedding.from_pretrained(weight, freeze=False, padding_idx=0)
        >>> same = align(vocab.tokens, ["the", "cat"], torch.tensor([[0.0, 1.0], [1.0, 0.0]]), oov="mean")
        >>> torch.equal(same[0], weight)                     # a list, id = position: the same
        True
        >>> align(["The", "Cat"], ["the", "cat"], torch.eye(2), lowercase=True)[1].tolist()
        [True, True]

    Introduced in notebooks/05_pretrained_vectors.ipynb.
    """
    tokens = _token_list(tokens)
    if oov not in ("normal", "mean", "zeros"):
        raise ValueError(f"oov must be 'normal', 'mean' or 'zeros'; got {oov!r}")
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    if not isinstance(lowercase, bool):
        raise TypeError(f"lowercase must be True or False; got {lowercase!r}")
    words = check_table(words, tensor)
    source = tensor.detach().to("cpu", torch.float32)  # (N, D)
    shape = (len(tokens), source.shape[1])  # (V, D)
    if oov == "zeros":
        weight = torch.zeros(shape)
    elif not words:
        raise ValueError(f"oov={oov!r} takes its statistics from the loaded vectors, but there are none; "
                         "use oov='zeros'")
    else:
        std, mean = torch.std_mean(source, dim=0, correction=0)  # (D,), (D,)
        if oov == "mean":
            weight = mean.expand(shape).clone()
        else:
            weight = mean + std * torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    row_of = {word: i for i, word in enumerate(words)}
    keys = [token.lower() for token in tokens] if lowercase else tokens
    ids = [i for i, key in enumerate(keys) if key in row_of and tokens[i] != PAD]
    weight[ids] = source[[row_of[keys[i]] for i in ids]]
    pads = [i for i, token in enumerate(tokens) if token == PAD]
    weight[pads] = 0.0
    found_mask = torch.zeros(len(tokens), dtype=torch.bool)
    found_mask[ids] = True
    return weight.to(tensor.device), found_mask.to(tensor.device)


def nearest(tensor: torch.Tensor, words: Sequence[str], query: str | torch.Tensor,
            k: int = 5) -> list[tuple[str, float]]:
    r"""The ``k`` words whose vectors have the highest cosine similarity to ``query``.

    Args:
        tensor (Tensor): the vectors.
        words (sequence of str): ``words[i]`` is the word of row ``i``.
        query (str or Tensor): one of ``words`` (left out of its own answer) or a vector.
        k (int, optional): how many; fewer when there are fewer other words. Default: ``5``.

    Returns:
        list: ``(word, cosine similarity)`` pairs, most similar first, ties in row order.

    Shape:
        - Input: ``tensor`` is ``(N, D)``; a vector ``query`` is ``(D,)``.

    Examples::

        >>> table = torch.tensor([[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]])
        >>> [(w, round(s, 3)) for w, s in nearest(table, ["king", "queen", "apple"], "king", k=2)]
        [('queen', 0.993), ('apple', 0.1)]

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    words = check_table(words, tensor)
    if not is_int(k) or k < 1:
        raise ValueError(f"k must be an int >= 1; got {k!r}")
    table, skip = tensor.detach(), None  # (N, D)
    if isinstance(query, str):
        if query not in words:
            raise ValueError(_unknown_word(query, words))
        skip = words.index(query)
        vector = table[skip]  # (D,)
    elif isinstance(query, torch.Tensor) and query.shape == table.shape[1:]:
        vector = query.detach().to(table.device, table.dtype)  # (D,)
    else:
        got = f"shape {tuple(query.shape)}" if isinstance(query, torch.Tensor) else repr(query)
        raise ValueError(f"query must be a word or a vector of size D = {table.shape[1]}; got {got}")
    if not vector.any():
        raise ValueError("the query vector is all zeros, so no direction to compare; pick another query")
    norms = torch.linalg.vector_norm(table, dim=1) * torch.linalg.vector_norm(vector)  # (N,)
    sims = (table @ vector) / norms.clamp_min(1e-12)  # (N,)
    if skip is not None:
        sims[skip] = -float("inf")
    order = torch.sort(sims, descending=True, stable=True).indices[: min(k, len(words) - (skip is not None))]
    return [(words[i], float(sims[i])) for i in order.tolist()]


def _unknown_word(query: str, words: list[str]) -> str:
    same_case = [w for w in words if w.lower() == query.lower()]
    close = list(dict.fromkeys(same_case + difflib.get_close_matches(query, words, n=3)))[:3]
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "check the spelling"
    return f"query {query!r} is not among the {len(words)} words; {hint}"
