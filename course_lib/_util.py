"""Small helpers the library's modules share: argument checks, timing, atomic writes, rich output.

Private to ``course_lib`` (nothing here is part of a lesson); one place for a few lines that
would otherwise be written out in every module.
"""
from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

# ---------------------------------------------------------------- argument checks


def is_int(value: Any) -> bool:
    """Whether ``value`` is an ``int`` and not a ``bool`` (``True`` is an ``int`` in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Whether ``value`` is an ``int`` or a ``float`` and not a ``bool``."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def positive_int(name: str, value: Any) -> int:
    """``value`` if it is an int >= 1, else a ``ValueError`` that names ``name`` and the value."""
    if not is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return value


# ---------------------------------------------------------------- timing


def time_call(fn: Callable[[], Any], device=None) -> tuple[float, float]:
    """Run ``fn()`` once; its wall time and this process's CPU time, in ms (a GPU is synchronised)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    if device is not None and getattr(device, "type", None) == "cuda":
        import torch

        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) * 1e3, (time.process_time() - start_cpu) * 1e3


def median_ms(fn: Callable[[], Any], repeats: int, device=None, warmup: int = 3) -> float:
    """The median wall time of ``fn()`` in ms over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):  # warm-up: first calls allocate memory and pick kernels
        fn()
    if warmup:
        time_call(lambda: None, device)  # wait for the warm-up's GPU work
    return statistics.median(time_call(fn, device)[0] for _ in range(repeats))


# ---------------------------------------------------------------- files


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, whole or not at all: a temporary file beside it,
    renamed onto ``path`` with ``os.replace`` once the ``with`` block ends without an error.

    An error in the block, or while writing (a full disk, a missing folder, an interrupt), leaves
    the old file, or none, never half of one, and no temporary file; an ``OSError`` names ``path``.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise _naming(err, path) from err
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _naming(err, path) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _naming(err: OSError, path: Path) -> OSError:
    """``err`` again (the same subclass: ``PermissionError``, ...) with a message that names ``path``."""
    if str(path) in str(err):
        return err
    reason = err.strerror or str(err) or type(err).__name__
    return OSError(err.errno, f"cannot write {path}: {reason}") if err.errno else OSError(f"cannot write {path}: {reason}")


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, then ``os.replace``.

    A failure (a full disk, an interrupt) leaves the old file, or none, never half of one, and an
    ``OSError`` names ``path``. The folder is created if missing.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _naming(err, path) from err
    with atomic_file(path) as f:
        f.write(data)


# ---------------------------------------------------------------- rich output


class Markdown:
    """Text that renders as Markdown in Jupyter and prints as itself elsewhere."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def show(obj: Any) -> None:
    """``display(obj)`` inside IPython, ``print(repr(obj))`` outside it."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        print(repr(obj))
        return
    if get_ipython() is None:
        print(repr(obj))
    else:
        display(obj)
