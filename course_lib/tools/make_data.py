"""``python -m course_lib make-data``: write ``data/`` byte-identically, and prove that it regenerates.

The files themselves are defined in :mod:`course_lib.data` (:func:`~course_lib.data.build_files`);
this module writes them without overwriting anything a user edited.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .._util import write_atomic
from ..data import CHECKSUMS, DATA_DIR, TRAINED, build_files, read_checksums, sha256

__all__ = ["check_reproducible", "make_data"]


def make_data(out_dir: str | os.PathLike = DATA_DIR, *, force: bool = False) -> list[Path]:
    """Write the course data into ``out_dir``, byte-identical on every run and machine.

    ``SHA256SUMS`` also records the checksums of the trained files (:data:`~course_lib.data.TRAINED`)
    found in ``out_dir``: after re-creating one on purpose, run this again.

    Nothing a user wrote is overwritten: a file already in ``out_dir`` may be replaced
    only if it still has the checksum ``out_dir/SHA256SUMS`` recorded for it (it is a
    stale generated file) or already has the new content. Each file is written to a
    temporary file and renamed, so a crash never leaves half a file.

    Args:
        out_dir (str or Path, optional): where to write. Default: :data:`DATA_DIR`.
        force (bool, optional): replace edited files too (CLI: ``make-data --force``).
            Default: ``False``.

    Returns:
        list of Path: every file of the data set, ``SHA256SUMS`` last.

    Examples::

        >>> import tempfile
        >>> from course_lib.data import verify_data
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     paths = make_data(tmp)
        ...     problems = verify_data(tmp)
        >>> [p.name for p in paths][-3:], problems
        (['sentences.tsv', 'vocab.json', 'SHA256SUMS'], [])

    Introduced in notebooks/04_init_and_word_vectors.ipynb.
    """
    out_dir = Path(out_dir)
    files = build_files(trained_from=out_dir)
    recorded = read_checksums(out_dir)[0] or {}
    edited = []
    for rel, data in files.items():
        path = out_dir / rel
        if not path.exists():
            continue
        old = path.read_bytes() if path.is_file() else None
        if old == data or rel == CHECKSUMS or (old is not None and recorded.get(rel) == sha256(old)):
            continue
        edited.append(rel)
    if edited and not force:
        raise FileExistsError(
            f"make_data will not overwrite {len(edited)} file(s) in {out_dir} that differ from what "
            f"was generated (edited by someone?): {', '.join(edited)}. Move them away, or pass "
            "force=True (`python -m course_lib make-data --force`) to replace them."
        )
    for rel, data in files.items():
        write_atomic(out_dir / rel, data)
    return [out_dir / rel for rel in files]


def check_reproducible(data_dir: str | os.PathLike = DATA_DIR) -> list[str]:
    """Regenerate the data in a temporary folder and compare it byte for byte with ``data_dir``.

    The trained files (:data:`~course_lib.data.TRAINED`) are copied over, not re-trained, so
    ``SHA256SUMS`` must record them as they are in ``data_dir``.

    Args:
        data_dir (str or Path, optional): the folder to compare. Default: :data:`DATA_DIR`.

    Returns:
        list of str: one line per file that is missing or differs; ``[]`` when identical.

    Introduced in notebooks/00_start_here.ipynb.
    """
    data_dir = Path(data_dir)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for rel in TRAINED:
            if (data_dir / rel).is_file():
                shutil.copyfile(data_dir / rel, Path(tmp) / rel)
        for fresh in make_data(tmp):
            rel = fresh.relative_to(tmp).as_posix()
            path = data_dir / rel
            if not path.is_file():
                problems.append(f"{data_dir.name}/{rel} is missing")
                continue
            old, new = path.read_bytes(), fresh.read_bytes()
            if old != new:
                line = next((i for i, (a, b) in enumerate(zip(old.splitlines(), new.splitlines()), 1)
                             if a != b), min(old.count(b"\n"), new.count(b"\n")) + 1)
                problems.append(f"{data_dir.name}/{rel} differs from a fresh generation "
                                f"(first at line {line}; {len(old)} vs {len(new)} bytes)")
    return problems
