import random

import numpy as np
import pytest
import torch

import course_lib
from course_lib import runtime


def test_setup_seeds_every_generator(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    course_lib.setup(seed=3, device="cpu", quiet=True)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    course_lib.setup(seed=3, device="cpu", quiet=True)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    course_lib.setup(seed=4, device="cpu", quiet=True)
    assert torch.rand(1).item() != first[2]


def test_setup_prints_one_summary_line(capsys):
    course_lib.setup(seed=0, device="cpu")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "device cpu" in out[0] and "seed 0" in out[0]


def test_device_comes_from_argument_then_environment(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert course_lib.setup(quiet=True) == torch.device("cpu")
    assert course_lib.get_device() == torch.device("cpu")
    assert course_lib.setup(device="cpu", quiet=True).type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given when no GPU is visible")
def test_cuda_without_a_gpu_names_the_source_and_the_fix(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(ValueError, match=r"COURSE_DEVICE='cuda'.*no CUDA device.*Use 'cpu'"):
        course_lib.setup(quiet=True)
    monkeypatch.delenv("COURSE_DEVICE")
    with pytest.raises(ValueError, match=r"device='cuda'"):
        course_lib.setup(device="cuda", quiet=True)


def test_bad_device_string(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    with pytest.raises(ValueError, match=r"device='gpu' is not a device torch knows"):
        course_lib.setup(device="gpu", quiet=True)


def test_threads_from_environment(monkeypatch):
    monkeypatch.setenv("COURSE_THREADS", "1")
    course_lib.setup(device="cpu", quiet=True)
    assert torch.get_num_threads() == 1
    monkeypatch.setenv("COURSE_THREADS", "zero")
    with pytest.raises(ValueError, match=r"COURSE_THREADS must be a positive integer; got 'zero'"):
        course_lib.setup(device="cpu", quiet=True)


@pytest.mark.parametrize("cpus, threads", [(1, 1), (2, 1), (3, 1), (4, 2), (16, 8), (96, 8)])
def test_thread_rule(cpus, threads):
    assert runtime.pick_num_threads(cpus) == threads


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        course_lib.seed_everything(seed)


def test_setup_sets_display_defaults():
    import matplotlib as mpl

    course_lib.setup(device="cpu", quiet=True)
    assert mpl.rcParams["axes.grid"] is True
    assert "0.0417" in repr(torch.tensor([1 / 24]))
