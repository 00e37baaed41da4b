"""The course's figures. Each helper takes ``ax=None``, draws, and returns the Axes.

No helper calls ``plt.show()`` or writes a file; the notebook decides.

Introduced in notebooks/01_lookup_tables.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

__all__ = ["plot_collisions", "plot_gradient_memory", "plot_histories", "plot_images", "plot_init_histograms",
           "plot_lookup_cost", "plot_memory_breakdown", "plot_position_similarity", "plot_row_drift", "plot_scaling",
           "plot_table"]


def _axes(ax):
    return plt.subplots()[1] if ax is None else ax


def plot_lookup_cost(rows: Sequence[dict], ax=None):
    """Time per lookup against vocabulary size: gather vs one-hot product (log-log).

    Args:
        rows (sequence of dict): the output of :func:`course_lib.lookup.time_lookups`.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> rows = [{"vocab_size": 10, "gather_ms": 0.01, "one_hot_ms": 0.02},
        ...         {"vocab_size": 100, "gather_ms": 0.01, "one_hot_ms": 0.2}]
        >>> ax = plot_lookup_cost(rows)
        >>> ax.get_xlabel()
        'vocabulary size V (rows in the table)'

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    ax = _axes(ax)
    sizes = [r["vocab_size"] for r in rows]
    ax.loglog(sizes, [r["one_hot_ms"] for r in rows], "o-", label="one_hot(ids) @ W")
    ax.loglog(sizes, [r["gather_ms"] for r in rows], "s-", label="emb(ids)  (gather)")
    ax.set_xlabel("vocabulary size V (rows in the table)")
    ax.set_ylabel("time per lookup call (ms, median)")
    ax.set_title("A gather does not care how big the table is")
    ax.legend()
    return ax


def plot_table(weight: torch.Tensor, *, highlight: Sequence[int] = (), row_labels: Sequence[str] | None = None,
               title: str = "embedding table", value_label: str = "weight value", ax=None):
    """Draw a (V, D) table as a heatmap, one row per id, with chosen rows outlined.

    Args:
        weight (Tensor): shape ``(V, D)``; moved to the CPU for drawing.
        highlight (sequence of int, optional): rows to outline (and bold); the other rows
            are faded. Default: none.
        row_labels (sequence of str, optional): a label per row (e.g. words). Default: the ids.
        title (str, optional): the title. Default: ``"embedding table"``.
        value_label (str, optional): the colour bar's label (e.g. ``"gradient"`` when the table
            is ``emb.weight.grad``). Default: ``"weight value"``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_table(torch.eye(4, 3), highlight=[1])
        >>> [p.get_gid() for p in ax.patches]  # row 1 outlined, the others faded
        ['faded', 'highlight', 'faded', 'faded']

    Introduced in notebooks/01_lookup_tables.ipynb.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ValueError(f"weight must be a 2-D (V, D) tensor; got {getattr(weight, 'shape', type(weight))}")
    ax = _axes(ax)
    data = weight.detach().float().cpu().numpy()
    limit = float(abs(data).max()) or 1.0
    image = ax.imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=value_label)
    num_rows, num_cols = data.shape
    ax.set_yticks(range(num_rows), row_labels if row_labels is not None else range(num_rows))
    ax.set_xticks(range(num_cols))
    ax.set_xlabel("dimension d")
    ax.set_ylabel("row (id)")
    ax.grid(False)
    chosen = set(int(r) for r in highlight)
    for row in range(num_rows):
        if row in chosen:  # an outline inset a little, so neighbouring rows stay apart
            ax.add_patch(plt.Rectangle((-0.45, row - 0.42), num_cols - 0.1, 0.84, fill=False,
                                       edgecolor="black", linewidth=2, gid="highlight"))
        elif chosen:  # fade the rows that were not chosen
            ax.add_patch(plt.Rectangle((-0.5, row - 0.5), num_cols, 1, facecolor="white", alpha=0.65,
                                       edgecolor="none", gid="faded"))
    for label in ax.get_yticklabels():
        if chosen and int(label.get_position()[1]) in chosen:
            label.set_fontweight("bold")
    ax.set_title(title)
    return ax


# ---- lesson 02: notebooks/02_gradient_flow.ipynb ----

def plot_gradient_memory(rows: Sequence[dict], ax=None):
    """Bytes of a table's gradient against vocabulary size: dense vs sparse (log-log).

    Args:
        rows (sequence of dict): the output of :func:`course_lib.autograd_lookup.gradient_memory`.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> rows = [{"vocab_size": 100, "dense_bytes": 400, "sparse_bytes": 720},
        ...         {"vocab_size": 1000, "dense_bytes": 4000, "sparse_bytes": 720}]
        >>> [line.get_label() for line in plot_gradient_memory(rows).get_lines()]
        ['dense: a (V, D) tensor', 'sparse COO: one row per lookup']

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    ax = _axes(ax)
    sizes = [r["vocab_size"] for r in rows]
    ax.loglog(sizes, [r["dense_bytes"] / 2**10 for r in rows], "o-", label="dense: a (V, D) tensor")
    ax.loglog(sizes, [r["sparse_bytes"] / 2**10 for r in rows], "s-", label="sparse COO: one row per lookup")
    ax.set_xlabel("vocabulary size V (rows in the table)")
    ax.set_ylabel("gradient size (KiB)")
    ax.set_title("A sparse gradient does not grow with the table")
    ax.legend()
    return ax


def plot_row_drift(moves: dict, *, left_after: int = 1, ax=None):
    """How far one row moves at each step, per optimizer, after it leaves the batch.

    Args:
        moves (dict): optimizer name -> the row's move (distance) at steps 1, 2, ...
        left_after (int, optional): the last step whose batch holds the row. Default: ``1``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_row_drift({"SGD": [0.2, 0.0, 0.0], "Adam": [0.1, 0.1, 0.09]})
        >>> [line.get_label() for line in ax.get_lines()][:2]
        ['SGD', 'Adam']

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    ax = _axes(ax)
    markers = "osD^v<>p"
    for i, (name, values) in enumerate(moves.items()):
        ax.plot(range(1, len(values) + 1), list(values), marker=markers[i % len(markers)], label=name)
    ax.axvspan(0.5, left_after + 0.5, color="grey", alpha=0.15, lw=0)
    ax.text(left_after + 0.6, ax.get_ylim()[1] * 0.95, "the row has left the batch", va="top", fontsize=8)
    ax.set_xlabel("step (shaded: the row is in the batch)")
    ax.set_ylabel("distance the row moves in the step")
    ax.set_title("Rows keep moving after they leave the batch, unless the optimizer is plain SGD")
    ax.legend(fontsize=8)
    return ax



# ---- lesson 03: notebooks/03_parameters.ipynb ----
def _mosaic(tiles: torch.Tensor, ncols: int, gap: int = 1) -> torch.Tensor:
    """Tiles of shape (K, h, w) laid out ``ncols`` per row, separated by NaN gaps."""
    count, h, w = tiles.shape
    nrows = -(-count // ncols)
    out = torch.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), float("nan"))
    for k in range(count):
        r, c = divmod(k, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tiles[k]
    return out


def plot_images(images: torch.Tensor, labels: torch.Tensor | None = None, *,
                class_names: Sequence[str] | None = None, ncols: int = 8, ax=None):
    """Single-channel images side by side, each with its label above it.

    Args:
        images (Tensor): shape ``(K, 1, H, W)``.
        labels (Tensor, optional): shape ``(K,)``. Default: no labels.
        class_names (sequence of str, optional): a name per label value. Default: the numbers.
        ncols (int, optional): images per row. Default: ``8``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_images(torch.zeros(3, 1, 4, 4), torch.tensor([0, 1, 0]), class_names=["a", "b"])
        >>> [t.get_text() for t in ax.texts]
        ['a', 'b', 'a']

    Introduced in notebooks/03_parameters.ipynb.
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(f"images must be a (K, 1, H, W) tensor; got {getattr(images, 'shape', type(images))}")
    ax = _axes(ax)
    data = images.detach().float().cpu()[:, 0]                    # (K, H, W)
    count, h, w = data.shape
    ncols = max(1, min(ncols, count))
    limit = float(data.abs().max()) or 1.0
    ax.imshow(_mosaic(data, ncols, gap=2).numpy(), cmap="gray", vmin=-limit, vmax=limit, interpolation="nearest")
    if labels is not None:
        for k, label in enumerate(labels.tolist()):
            r, c = divmod(k, ncols)
            name = class_names[label] if class_names is not None else str(label)
            ax.text(c * (w + 2) + w / 2 - 0.5, r * (h + 2) - 0.7, name, ha="center", va="bottom", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(f"{count} images of {h} x {w} pixels")
    ax.set_title("Example images with their labels", pad=14 if labels is not None else None)
    return ax


def plot_position_similarity(similarity: torch.Tensor, grid_size: int, *, title: str | None = None, ax=None):
    """One small heatmap per patch: the cosine similarity of its position embedding with every patch's.

    Heatmap ``(r, c)`` sits at row ``r``, column ``c`` of a ``grid_size x grid_size`` layout,
    and its own cell is outlined. This is the figure of the ViT paper (Dosovitskiy et al.,
    2021, figure 7): learned position embeddings of nearby patches look alike.

    Args:
        similarity (Tensor): shape ``(N, N)`` with ``N = grid_size ** 2`` (see
            :func:`course_lib.images.position_similarity`).
        grid_size (int): patches per row.
        title (str, optional): the title. Default: a description of the figure.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_position_similarity(torch.eye(4), 2)
        >>> ax.get_xlabel(), len(ax.patches)
        ('patch column', 4)

    Introduced in notebooks/03_parameters.ipynb.
    """
    n = grid_size * grid_size
    if not isinstance(similarity, torch.Tensor) or tuple(similarity.shape) != (n, n):
        raise ValueError(f"similarity must be an ({n}, {n}) tensor for grid_size={grid_size}; "
                         f"got {getattr(similarity, 'shape', type(similarity))}")
    ax = _axes(ax)
    tiles = similarity.detach().float().cpu().reshape(n, grid_size, grid_size)   # one (g, g) map per patch
    step = grid_size + 1
    image = ax.imshow(_mosaic(tiles, grid_size).numpy(), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="cosine similarity")
    for k in range(n):
        r, c = divmod(k, grid_size)
        ax.add_patch(plt.Rectangle((c * step + c - 0.5, r * step + r - 0.5), 1, 1, fill=False,
                                   edgecolor="black", linewidth=1))
    centres = [c * step + (grid_size - 1) / 2 for c in range(grid_size)]
    ax.set_xticks(centres, range(grid_size))
    ax.set_yticks(centres, range(grid_size))
    ax.set_xlabel("patch column")
    ax.set_ylabel("patch row")
    ax.grid(False)
    ax.set_title(title or "Each small map: one patch's position embedding vs every patch's")
    return ax



# ---- lesson 04: notebooks/04_init_and_pretrained.ipynb ----
def plot_init_histograms(tables: Mapping[str, torch.Tensor], *, value_range: tuple[float, float] | None = None,
                         bins: int = 200, title: str = "Default N(0, 1) rows are far wider than Xavier's or Keras'",
                         ax=None):
    """Histograms of the numbers in several initial tables, on one axis with a log density scale.

    A log density axis shows a wide N(0, 1) bell and narrow, tall inits together.

    Args:
        tables (mapping): label -> a tensor of any shape (its numbers are histogrammed).
        value_range (tuple, optional): ``(low, high)`` to histogram, e.g. to zoom in on the
            narrow inits; values outside are left out. Default: all values.
        bins (int, optional): bins over the range. Default: ``200``.
        title (str, optional): the title. Default: a comparison of the three usual inits.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_init_histograms({"N(0, 1)": torch.randn(1000), "U(-0.05, 0.05)": torch.rand(1000) * 0.1 - 0.05})
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['N(0, 1)', 'U(-0.05, 0.05)']

    Introduced in notebooks/04_init_and_pretrained.ipynb.
    """
    ax = _axes(ax)
    values = {label: t.detach().float().cpu().flatten() for label, t in tables.items()}
    low, high = value_range or (min(float(v.min()) for v in values.values()),
                                max(float(v.max()) for v in values.values()))
    edges = torch.linspace(low, high, bins + 1).tolist()
    for label, v in values.items():  # density over all of v, so a zoom keeps the heights
        counts = torch.histogram(v, bins=torch.tensor(edges)).hist
        widths = torch.diff(torch.tensor(edges))
        ax.stairs((counts / (len(v) * widths)).numpy(), edges, linewidth=1.5, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("initial value of a table entry")
    ax.set_ylabel("density (log scale)")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_histories(histories: Mapping[str, object], *, metric: str = "acc", ax=None):
    """Training and validation curves of several runs: one colour per run, dashed = train, solid = validation.

    Args:
        histories (mapping): run name -> a :class:`course_lib.train.History` that records
            ``"train_" + metric`` and ``"val_" + metric``.
        metric (str, optional): the metric after its ``train_`` / ``val_`` prefix. Default: ``"acc"``.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> from course_lib.train import History
        >>> h = History([{"epoch": 1, "train_loss": 1.0, "train_acc": 0.6, "val_acc": 0.5},
        ...              {"epoch": 2, "train_loss": 0.5, "train_acc": 1.0, "val_acc": 0.7}])
        >>> ax = plot_histories({"random": h})
        >>> [line.get_label() for line in ax.get_lines()]
        ['random (train)', 'random (validation)']

    Introduced in notebooks/04_init_and_pretrained.ipynb.
    """
    ax = _axes(ax)
    for i, (name, history) in enumerate(histories.items()):
        colour = f"C{i}"
        epochs = history["epoch"]
        ax.plot(epochs, history[f"train_{metric}"], "--", color=colour, alpha=0.7, label=f"{name} (train)")
        ax.plot(epochs, history[f"val_{metric}"], "-", color=colour, linewidth=2, label=f"{name} (validation)")
    ax.set_xlabel("epoch")
    ax.set_ylabel({"acc": "accuracy"}.get(metric, metric))
    ax.set_title(f"Train (dashed) and validation (solid) {({'acc': 'accuracy'}.get(metric, metric))}")
    ax.legend(fontsize="small", ncol=2)
    return ax


# ---- lesson 07: notebooks/07_embeddings_at_scale.ipynb ----

def plot_scaling(rows: Sequence[dict], x: str, series: Mapping[str, str], *, xlabel: str, ylabel: str, title: str,
                 ax=None):
    """A cost (time, bytes) against a size, one line per method, on log-log axes.

    Args:
        rows (sequence of dict): measurements, e.g. from :func:`course_lib.step_costs.time_training_steps`.
        x (str): the key of the size on the x axis.
        series (mapping): line label -> the key of its values.
        xlabel, ylabel, title (str): the axis labels and the title.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> rows = [{"V": 10, "a_ms": 1.0, "b_ms": 0.5}, {"V": 100, "a_ms": 9.0, "b_ms": 0.6}]
        >>> ax = plot_scaling(rows, "V", {"dense": "a_ms", "sparse": "b_ms"}, xlabel="V", ylabel="ms", title="t")
        >>> [line.get_label() for line in ax.get_lines()], ax.get_yscale()
        (['dense', 'sparse'], 'log')

    Introduced in notebooks/07_embeddings_at_scale.ipynb.
    """
    ax = _axes(ax)
    sizes = [r[x] for r in rows]
    for (label, key), marker in zip(series.items(), "osD^v"):
        ax.loglog(sizes, [r[key] for r in rows], marker=marker, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_memory_breakdown(estimates: Mapping[str, object], ax=None):
    """Stacked bars of what a table costs in training (table, gradient, optimizer, master copy), in GiB.

    Args:
        estimates (mapping): bar label -> a :class:`course_lib.memory.MemoryEstimate`.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> from course_lib.memory import embedding_memory
        >>> ax = plot_memory_breakdown({"fp32, Adam": embedding_memory(10**6, 64)})
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['table', 'gradient', 'optimizer state', 'fp32 master copy']

    Introduced in notebooks/07_embeddings_at_scale.ipynb.
    """
    ax = _axes(ax)
    labels = list(estimates)
    left = [0.0] * len(labels)
    for part, name in (("table", "table"), ("gradient", "gradient"), ("optimizer", "optimizer state"),
                       ("master", "fp32 master copy")):
        sizes = [getattr(estimates[label], part) / 2**30 for label in labels]
        ax.barh(labels, sizes, left=left, label=name)
        left = [a + b for a, b in zip(left, sizes)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:.1f} GiB", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left) * 1.2)
    ax.set_xlabel("memory (GiB)")
    ax.set_title("What one table costs in training")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_collisions(rows: Sequence[dict], ax=None):
    """Colliding keys as a fraction of all keys against the number of buckets: measured and expected.

    Args:
        rows (sequence of dict): ``num_buckets``, ``num_keys``, ``measured`` and ``expected``
            (numbers of colliding keys), one per bucket count.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_collisions([{"num_buckets": 10, "num_keys": 10, "measured": 4, "expected": 3.5}])
        >>> [line.get_label() for line in ax.get_lines()]
        ['measured', 'expected: n - m(1 - (1 - 1/m)^n)']

    Introduced in notebooks/07_embeddings_at_scale.ipynb.
    """
    ax = _axes(ax)
    buckets = [r["num_buckets"] for r in rows]
    ax.semilogx(buckets, [r["measured"] / r["num_keys"] for r in rows], "o", markersize=8, label="measured")
    ax.semilogx(buckets, [r["expected"] / r["num_keys"] for r in rows], "-", label="expected: n - m(1 - (1 - 1/m)^n)")
    ax.set_xlabel("buckets m (rows in the hashed table)")
    ax.set_ylabel("fraction of keys that share a row")
    ax.set_title(f"Collisions of {rows[0]['num_keys']:,} keys hashed into m rows")
    ax.legend()
    return ax
