"""Figures of notebooks/08_embeddings_at_scale.ipynb.

Introduced in notebooks/08_embeddings_at_scale.ipynb.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from .axes import axes_or_new

__all__ = ["plot_collisions", "plot_memory_breakdown", "plot_scaling"]


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

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    ax = axes_or_new(ax)
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

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    ax = axes_or_new(ax)
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
    """Keys that land in a row an earlier key already took, as a fraction of all keys, against the
    number of buckets: measured and expected. (Keys that are not alone in their row, the first of
    each shared row included, are more: up to twice as many when collisions are rare.)

    Args:
        rows (sequence of dict): ``num_buckets``, ``num_keys``, ``measured`` and ``expected``
            (numbers of keys in a row already taken, as ``count_collisions`` counts them), one per
            bucket count.
        ax (matplotlib Axes, optional): where to draw. Default: a new figure.

    Returns:
        matplotlib Axes.

    Examples::

        >>> ax = plot_collisions([{"num_buckets": 10, "num_keys": 10, "measured": 4, "expected": 3.5}])
        >>> [line.get_label() for line in ax.get_lines()]
        ['measured', 'expected: n - m(1 - (1 - 1/m)^n)']

    Introduced in notebooks/08_embeddings_at_scale.ipynb.
    """
    ax = axes_or_new(ax)
    buckets = [r["num_buckets"] for r in rows]
    ax.semilogx(buckets, [r["measured"] / r["num_keys"] for r in rows], "o", markersize=8, label="measured")
    ax.semilogx(buckets, [r["expected"] / r["num_keys"] for r in rows], "-", label="expected: n - m(1 - (1 - 1/m)^n)")
    ax.set_xlabel("buckets m (rows in the hashed table)")
    ax.set_ylabel("fraction of keys landing in a taken row")
    ax.set_title(f"Collisions of {rows[0]['num_keys']:,} keys hashed into m rows")
    ax.legend()
    return ax
