"""Set-up shared by every lesson: seeds, device, thread count, print and figure defaults.

The first code cell of every notebook is::

    import course_lib; DEVICE = course_lib.setup(seed=0)

Introduced in notebooks/00_start_here.ipynb.
"""
from __future__ import annotations

import os
import random
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["course_threads", "get_device", "num_threads", "pick_num_threads", "seed_everything", "setup"]

#: Environment variables that override :func:`setup`'s choices.
DEVICE_ENV = "COURSE_DEVICE"
THREADS_ENV = "COURSE_THREADS"


@dataclass
class _State:
    device: torch.device | None = None
    seed: int | None = None
    num_threads: int | None = None


_STATE = _State()


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every GPU).

    Args:
        seed (int): a non-negative integer.

    Examples::

        >>> seed_everything(0); a = torch.rand(2)
        >>> seed_everything(0); b = torch.rand(2)
        >>> torch.equal(a, b)
        True

    Introduced in notebooks/00_start_here.ipynb.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}. Use e.g. seed=0.")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    _STATE.seed = seed


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def pick_num_threads(num_cpus: int | None = None) -> int:
    """The torch thread count :func:`setup` uses when ``COURSE_THREADS`` is not set.

    One thread on machines with two cores or fewer, else half the cores (at most 8).
    Measured on a 2-core machine with ``python -m course_lib bench threads`` (300 steps of
    a small skip-gram loop): two threads were 2.3x faster than one while the machine was
    quiet, but 3x slower, with single steps stalling for 140 ms, as soon as another process
    kept a core busy, because OpenMP threads spin while they wait for each other. A
    learner's browser, the Jupyter server or a test runner is such a process, so on small
    machines the course prefers the thread count that never stalls.

    Args:
        num_cpus (int, optional): cores to plan for. Default: the cores this process
            may run on.

    Examples::

        >>> pick_num_threads(2), pick_num_threads(8), pick_num_threads(64)
        (1, 4, 8)

    Introduced in notebooks/00_start_here.ipynb.
    """
    n = _available_cpus() if num_cpus is None else int(num_cpus)
    return 1 if n <= 2 else min(8, n // 2)


def _threads_from_env() -> int | None:
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(
            f"{THREADS_ENV} must be a positive integer; got {raw!r}. "
            f"Unset it to let course_lib choose, or set e.g. {THREADS_ENV}=1."
        )
    return value


def _resolve_device(device: str | torch.device | None) -> torch.device:
    source = "device"
    if device is None:
        env = os.environ.get(DEVICE_ENV, "").strip()
        if env:
            device, source = env, DEVICE_ENV
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{source}={device!r} is not a device torch knows ({err}). Use 'cpu' or 'cuda'."
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{source}={device!r} asks for a GPU, but this torch ({torch.__version__}) "
            "sees no CUDA device. Use 'cpu', or unset "
            f"{DEVICE_ENV} to let course_lib choose."
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(
            f"{source}={device!r}: there are only {torch.cuda.device_count()} CUDA devices. "
            "Use 'cuda' (device 0)."
        )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{source}={device!r}: MPS is not available here. Use 'cpu'.")
    return dev


def _set_display_defaults() -> None:
    torch.set_printoptions(precision=4, sci_mode=False, linewidth=100)
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.8),
            "figure.dpi": 100,
            "figure.constrained_layout.use": True,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": "medium",
            "axes.titleweight": "bold",
            "axes.prop_cycle": mpl.cycler(
                # Okabe-Ito: distinguishable with every common colour-vision deficiency
                color=["#0072B2", "#E69F00", "#009E73", "#D55E00",
                       "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
            ),
            "image.cmap": "viridis",
            "legend.frameon": False,
        }
    )


def setup(seed: int = 0, device: str | torch.device | None = None, *, quiet: bool = False) -> torch.device:
    """Prepare a lesson: seed everything, pick the device and the thread count, set display defaults.

    The device is, in order: the ``device`` argument, the ``COURSE_DEVICE`` environment
    variable, ``cuda`` when a GPU is visible, else ``cpu``. The torch thread count is
    ``COURSE_THREADS`` when set, else :func:`pick_num_threads`.

    Args:
        seed (int, optional): seed for Python, NumPy and torch. Default: ``0``.
        device (str or torch.device, optional): where lessons put their tensors.
            Default: chosen as above.
        quiet (bool, optional): do not print the one-line summary. Default: ``False``.

    Returns:
        torch.device: the device, also returned later by :func:`get_device`.

    Examples::

        >>> setup(seed=0, device="cpu", quiet=True)
        device(type='cpu')
        >>> get_device()
        device(type='cpu')

    Introduced in notebooks/00_start_here.ipynb.
    """
    dev = _resolve_device(device)
    threads = _threads_from_env() or pick_num_threads()  # setup() always re-reads COURSE_THREADS
    torch.set_num_threads(threads)
    seed_everything(seed)
    _set_display_defaults()
    _STATE.device, _STATE.num_threads = dev, threads
    if not quiet:
        from . import __version__

        plural = "thread" if threads == 1 else "threads"
        print(f"course_lib {__version__} | torch {torch.__version__} | device {dev} | "
              f"{threads} torch {plural} | seed {seed}")
    return dev


def get_device() -> torch.device:
    """The device chosen by the last :func:`setup`, or the one it would choose.

    Examples::

        >>> isinstance(get_device(), torch.device)
        True

    Introduced in notebooks/00_start_here.ipynb.
    """
    return _STATE.device if _STATE.device is not None else _resolve_device(None)


def num_threads() -> int:
    """The torch thread count chosen by the last :func:`setup`, or the one it would choose.

    Examples::

        >>> num_threads() >= 1
        True

    Introduced in notebooks/00_start_here.ipynb.
    """
    return _STATE.num_threads or _threads_from_env() or pick_num_threads()


@contextmanager
def course_threads():
    """Run a block on the course's thread count (:func:`num_threads`: one thread on two cores or
    fewer), whatever torch's setting, and restore torch's setting afterwards, even on an error.

    Loops of small tensor operations (the course's trainings) stall with more threads than cores
    to spare.

    Examples::

        >>> before = torch.get_num_threads()
        >>> with course_threads():
        ...     torch.get_num_threads() == num_threads()
        True
        >>> torch.get_num_threads() == before
        True

    Introduced in notebooks/00_start_here.ipynb.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(num_threads())
    try:
        yield
    finally:
        torch.set_num_threads(before)
