"""Figures of notebooks/03_parameters.ipynb.

Introduced in notebooks/03_parameters.ipynb.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from .axes import axes_or_new

__all__ = ["plot_images", "plot_position_similarity"]


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
    ax = axes_or_new(ax)
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
    ax = axes_or_new(ax)
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
