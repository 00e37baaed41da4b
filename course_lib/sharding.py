"""A table sharded by rows across processes with ``torch.distributed`` (the gloo backend, CPU).

Each of ``world_size`` processes owns a contiguous block of rows (:func:`shard_bounds`). A
lookup sends every id to the process that owns its row and the rows back, with two
``all_to_all_single`` calls; backward sends the gradient of each row back to its owner the
same way, reversed. :func:`run_sharded` starts the processes on 127.0.0.1, runs one SGD step,
collects every process's results and stops them; :func:`reference_step` computes the same
step in one process, so the two can be compared exactly.

The workers run this file as a script: it imports only torch and the standard library, so
a worker starts without loading the rest of ``course_lib`` (plots, widgets).

Introduced in notebooks/08_embeddings_at_scale.ipynb.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["RowShardedEmbedding", "ShardedStep", "reference_step", "run_sharded", "shard_bounds"]


def shard_bounds(num_embeddings: int, world_size: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` rows each process owns: contiguous blocks, the first ones one row
    longer when ``world_size`` does not divide ``num_embeddings`` (as ``torch.tensor_split``).

    Examples::

        >>> shard_bounds(10, 2), shard_bounds(7, 2)
        ([(0, 5), (5, 10)], [(0, 4), (4, 7)])

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    if not 1 <= world_size <= num_embeddings:
        raise ValueError(f"world_size must be between 1 and num_embeddings={num_embeddings}; got {world_size}")
    sizes = [len(block) for block in torch.arange(num_embeddings).tensor_split(world_size)]
    starts = [sum(sizes[:r]) for r in range(world_size)]
    return [(start, start + size) for start, size in zip(starts, sizes)]


class _AllToAll(torch.autograd.Function):
    """Send ``send_counts[r]`` rows of ``x`` to process ``r``; backward sends the gradients back."""

    @staticmethod
    def forward(ctx, x, send_counts: list[int], recv_counts: list[int]):
        ctx.counts = send_counts, recv_counts
        out = x.new_empty(sum(recv_counts), *x.shape[1:])
        dist.all_to_all_single(out, x.contiguous(), recv_counts, send_counts)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        send_counts, recv_counts = ctx.counts
        grad_x = grad_out.new_empty(sum(send_counts), *grad_out.shape[1:])
        dist.all_to_all_single(grad_x, grad_out.contiguous(), send_counts, recv_counts)  # the reverse trip
        return grad_x, None, None


class RowShardedEmbedding(nn.Module):
    """The rows ``start .. stop - 1`` of a ``(num_embeddings, D)`` table, in one process of a group.

    ``forward(ids)`` takes any ids of the *whole* table and returns what ``F.embedding(ids,
    full_table)`` would, by asking each process for the rows it owns. Every process of the
    group must call it at the same time (it is a collective operation).

    Args:
        shard (Tensor): this process's rows, ``(stop - start, D)``.
        num_embeddings (int): V, rows in the whole table.

    Shape:
        - Input: ``(*)`` ids in ``0 .. V - 1``
        - Output: ``(*, D)``

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """

    def __init__(self, shard: torch.Tensor, num_embeddings: int):
        super().__init__()
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.num_embeddings = num_embeddings
        self.bounds = shard_bounds(num_embeddings, self.world_size)
        self.start, stop = self.bounds[self.rank]
        if shard.shape[0] != stop - self.start:
            raise ValueError(f"rank {self.rank} owns rows {self.start}..{stop - 1}, so its shard needs "
                             f"{stop - self.start} rows; got {shard.shape[0]}")
        self.weight = nn.Parameter(shard)
        self.last_requests: list[torch.Tensor] = []   # the ids this process asked each process for

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1)                                                      # (N,)
        starts = torch.tensor([start for start, _ in self.bounds[1:]])
        owner = torch.bucketize(flat, starts, right=True)                           # (N,) rank that owns each id
        order = torch.argsort(owner, stable=True)                                   # ids grouped by owner
        send = torch.bincount(owner, minlength=self.world_size)                     # (W,) ids asked of each rank
        recv = torch.empty_like(send)
        dist.all_to_all_single(recv, send)                                          # (W,) ids each rank asks of me
        send_counts, recv_counts = send.tolist(), recv.tolist()
        asked = flat.new_empty(sum(recv_counts))
        dist.all_to_all_single(asked, flat[order], recv_counts, send_counts)        # (M,) ids I must look up
        self.last_requests = list(flat[order].split(send_counts))
        rows = F.embedding(asked - self.start, self.weight)                         # (M, D) from my shard
        got = _AllToAll.apply(rows, recv_counts, send_counts)                       # (N, D) in owner order
        return got[torch.argsort(order)].reshape(*ids.shape, self.weight.shape[1])   # (*, D) in the ids' order


@dataclass
class ShardedStep:
    """What one SGD step produced: each process's ``outputs``, the full table's ``grad`` and
    ``weight`` after the step, and ``requests[r][s]``, the ids process ``r`` asked process ``s``
    for (``None`` for :func:`reference_step`)."""

    outputs: list[torch.Tensor]
    grad: torch.Tensor
    weight: torch.Tensor
    requests: list[list[torch.Tensor]] | None = None


def reference_step(weight: torch.Tensor, ids: list[torch.Tensor], upstream: list[torch.Tensor],
                   lr: float = 0.1) -> ShardedStep:
    """The same step in one process: ``nn.Embedding`` looks up every process's ids, the loss is
    ``sum((outputs[r] * upstream[r]).sum())`` and SGD updates the whole table.

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    emb = nn.Embedding.from_pretrained(weight.detach().clone(), freeze=False)
    optimizer = torch.optim.SGD(emb.parameters(), lr=lr)
    outputs = [emb(i) for i in ids]
    sum((out * up).sum() for out, up in zip(outputs, upstream)).backward()
    grad = emb.weight.grad.clone()
    optimizer.step()
    return ShardedStep([o.detach() for o in outputs], grad, emb.weight.detach().clone())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_inputs(weight, ids, upstream, world_size):
    if len(ids) != world_size or len(upstream) != world_size:
        raise ValueError(f"need one ids tensor and one upstream tensor per process (world_size={world_size}); "
                         f"got {len(ids)} and {len(upstream)}")
    for rank, (i, u) in enumerate(zip(ids, upstream)):
        if i.dtype != torch.long or (i.numel() and (i.min() < 0 or i.max() >= weight.shape[0])):
            raise ValueError(f"ids[{rank}] must be a long tensor of ids in 0..{weight.shape[0] - 1}")
        if tuple(u.shape) != (*i.shape, weight.shape[1]):
            raise ValueError(f"upstream[{rank}] must have shape {(*i.shape, weight.shape[1])}; got {tuple(u.shape)}")


def run_sharded(weight: torch.Tensor, ids: list[torch.Tensor], upstream: list[torch.Tensor], *,
                lr: float = 0.1, timeout: float = 120.0) -> ShardedStep:
    """Run one SGD step of a row-sharded table in ``len(ids)`` processes (gloo, 127.0.0.1).

    Process ``r`` owns rows ``shard_bounds(V, world_size)[r]`` of ``weight``, looks up
    ``ids[r]`` through :class:`RowShardedEmbedding`, backpropagates ``(out * upstream[r]).sum()``
    and steps SGD on its shard. The processes are started here and always stopped before
    this returns (on an error or after ``timeout`` seconds too).

    Args:
        weight (Tensor): the full ``(V, D)`` table the shards start from (on the CPU).
        ids (list of Tensor): one long tensor of ids per process.
        upstream (list of Tensor): ``d loss / d output`` for each process, shaped ``(*ids[r].shape, D)``.
        lr (float, optional): SGD's learning rate. Default: ``0.1``.
        timeout (float, optional): seconds before the processes are killed. Default: ``120``.

    Returns:
        ShardedStep: outputs per process, and the full gradient and table gathered from the shards.

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    world_size = len(ids)
    weight, ids, upstream = weight.detach().cpu(), [i.cpu() for i in ids], [u.detach().cpu() for u in upstream]
    _check_inputs(weight, ids, upstream, world_size)
    shard_bounds(weight.shape[0], world_size)
    with tempfile.TemporaryDirectory(prefix="course-shards-") as folder:
        torch.save({"weight": weight, "ids": ids, "upstream": upstream, "lr": lr}, Path(folder) / "inputs.pt")
        _launch(world_size, Path(folder), timeout)
        results = [torch.load(Path(folder) / f"rank{r}.pt", weights_only=True) for r in range(world_size)]
    return ShardedStep(outputs=[r["output"] for r in results], grad=torch.cat([r["grad"] for r in results]),
                       weight=torch.cat([r["weight"] for r in results]),
                       requests=[r["requests"] for r in results])


_BOOT = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('course_sharding', sys.argv[1]); "
         "m = sys.modules['course_sharding'] = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
         "m._worker(*sys.argv[2:])")


def _launch(world_size: int, folder: Path, timeout: float, attempts: int = 2) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if sys.platform.startswith("linux"):
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")      # loopback, whatever the host name resolves to
    elif sys.platform == "darwin":
        env.setdefault("GLOO_SOCKET_IFNAME", "lo0")
    for attempt in range(attempts):
        port = _free_port()
        procs = [subprocess.Popen([sys.executable, "-c", _BOOT, __file__, str(rank), str(world_size), str(port),
                                   str(folder), str(int(timeout))], cwd=folder, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for rank in range(world_size)]
        logs = []
        try:
            for proc in procs:
                logs.append(proc.communicate(timeout=timeout)[0])
        except subprocess.TimeoutExpired:
            logs.append(f"timed out after {timeout} s")
        finally:
            for proc in procs:                          # never leave a worker behind
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if all(proc.returncode == 0 for proc in procs):
            return
        text = "\n".join(f"--- rank {r} (exit {p.returncode}):\n{(log or '')[-1500:]}"
                         for r, (p, log) in enumerate(zip(procs, logs + [""] * world_size)))
        if "address already in use" not in text.lower() or attempt == attempts - 1:
            raise RuntimeError(f"the sharded step failed in its worker processes:\n{text}")


def _worker(rank: str, world_size: str, port: str, folder: str, timeout: str) -> None:
    """One process: join the group, step its shard, save its results as ``rank{rank}.pt``."""
    rank, world_size = int(rank), int(world_size)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size,
                            timeout=timedelta(seconds=int(timeout)))
    try:
        inputs = torch.load(Path(folder) / "inputs.pt", weights_only=True)
        weight = inputs["weight"]
        start, stop = shard_bounds(weight.shape[0], world_size)[rank]
        layer = RowShardedEmbedding(weight[start:stop].clone(), num_embeddings=weight.shape[0])
        optimizer = torch.optim.SGD(layer.parameters(), lr=inputs["lr"])
        output = layer(inputs["ids"][rank])
        (output * inputs["upstream"][rank]).sum().backward()
        grad = layer.weight.grad.clone()
        optimizer.step()
        torch.save({"output": output.detach(), "grad": grad, "weight": layer.weight.detach(),
                    "requests": layer.last_requests}, Path(folder) / f"rank{rank}.pt")
        dist.barrier()
    finally:
        dist.destroy_process_group()
