"""A tiny image task in which position is everything: where is the dark square?

Each 16 x 16 image holds a bright square (+1) and a dark square (-1) on faint noise. The
label says where the dark square lies relative to the bright one: up-left, up-right,
down-left or down-right. Each square sits inside one cell of the patch grid (at a random
offset within it), and the two squares never share a row or a column of that grid. So the
contents of any single patch are the same whatever the label, and a vision transformer can
tell the classes apart only through its position embeddings.

:func:`position_similarity` and :func:`neighbour_similarity` read what those position
embeddings learned: whether neighbouring patches ended up with similar vectors.

Introduced in notebooks/03_parameters.ipynb.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ._util import is_int, is_number, positive_int

__all__ = ["CLASS_NAMES", "make_square_pairs", "neighbour_similarity", "position_similarity"]

#: Label names: where the dark square is, relative to the bright one.
CLASS_NAMES: tuple[str, ...] = ("up-left", "up-right", "down-left", "down-right")


def _ordered_pairs(num_cells: int, after: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Grid coordinates (bright, dark) with dark > bright where ``after``, dark < bright elsewhere."""
    pairs = torch.tensor([(a, b) for a in range(num_cells) for b in range(a + 1, num_cells)])  # (K, 2), a < b
    low, high = pairs[torch.randint(len(pairs), (len(after),), generator=gen)].unbind(1)       # (B,), (B,)
    return torch.where(after, low, high), torch.where(after, high, low)


def make_square_pairs(num_images: int, *, seed: int = 0, image_size: int = 16, patch_size: int = 4,
                      square_size: int = 2, noise: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of a bright and a dark square, labelled by where the dark one is (see :data:`CLASS_NAMES`).

    The label is ``2 * (dark below bright) + (dark right of bright)``, measured in cells of
    the ``patch_size`` grid; the two squares always differ in both grid row and grid column.
    Classes are balanced (their counts differ by at most one) and shuffled. The same
    arguments give the same tensors on every machine (a seeded CPU generator).

    Args:
        num_images (int): how many images.
        seed (int, optional): seed of the generator. Default: ``0``.
        image_size (int, optional): height and width in pixels. Default: ``16``.
        patch_size (int, optional): side of the grid cells that squares stay inside; use the
            model's patch size. Default: ``4``.
        square_size (int, optional): side of each square in pixels. Default: ``2``.
        noise (float, optional): standard deviation of the background noise. Default: ``0.1``.

    Returns:
        (images, labels): float images of shape ``(B, 1, H, W)`` and long labels of shape ``(B,)``.

    Shape:
        - images: :math:`(B, 1, H, W)` with ``B = num_images``, ``H = W = image_size``
        - labels: :math:`(B,)`, values in ``0..3``

    Examples::

        >>> images, labels = make_square_pairs(8, seed=0)
        >>> tuple(images.shape), labels.bincount().tolist()
        ((8, 1, 16, 16), [2, 2, 2, 2])
        >>> images.amax().item() > 0.5 and images.amin().item() < -0.5
        True
        >>> torch.equal(make_square_pairs(8, seed=0)[0], images)
        True

    Introduced in notebooks/03_parameters.ipynb.
    """
    positive_int("num_images", num_images)
    positive_int("image_size", image_size)
    positive_int("patch_size", patch_size)
    positive_int("square_size", square_size)
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    if image_size % patch_size:
        raise ValueError(f"image_size={image_size} must be a multiple of patch_size={patch_size}, so that "
                         "patches tile the image; e.g. image_size=16, patch_size=4.")
    if image_size // patch_size < 2:
        raise ValueError(f"image_size={image_size} with patch_size={patch_size} gives a grid of "
                         f"{image_size // patch_size} cell(s); the task needs at least 2 x 2. Use a smaller patch_size.")
    if square_size > patch_size:
        raise ValueError(f"square_size={square_size} must not exceed patch_size={patch_size}: a square must fit "
                         "inside one patch.")
    if not is_number(noise) or noise < 0:
        raise ValueError(f"noise must be a non-negative number; got {noise!r}")
    gen = torch.Generator().manual_seed(seed)
    grid = image_size // patch_size
    labels = (torch.arange(num_images) % len(CLASS_NAMES))[torch.randperm(num_images, generator=gen)]  # (B,)
    below, right = labels >= 2, labels % 2 == 1                                                  # (B,), (B,)
    bright_row, dark_row = _ordered_pairs(grid, below, gen)                                      # grid rows
    bright_col, dark_col = _ordered_pairs(grid, right, gen)                                      # grid columns
    offsets = torch.randint(patch_size - square_size + 1, (num_images, 4), generator=gen)       # (B, 4) in pixels
    images = noise * torch.randn(num_images, 1, image_size, image_size, generator=gen)           # (B, 1, H, W)
    # Mark each square's top-left pixel, then stamp a square of ones there (a transposed convolution).
    corners = torch.zeros(2, num_images, 1, image_size - square_size + 1, image_size - square_size + 1)
    batch = torch.arange(num_images)
    corners[0, batch, 0, bright_row * patch_size + offsets[:, 0], bright_col * patch_size + offsets[:, 1]] = 1.0
    corners[1, batch, 0, dark_row * patch_size + offsets[:, 2], dark_col * patch_size + offsets[:, 3]] = 1.0
    stamp = torch.ones(1, 1, square_size, square_size)
    images += F.conv_transpose2d(corners[0], stamp) - F.conv_transpose2d(corners[1], stamp)     # (B, 1, H, W)
    return images, labels


def position_similarity(pos_embedding: torch.Tensor, *, include_cls: bool = False) -> torch.Tensor:
    """Cosine similarity between every pair of position embeddings.

    Args:
        pos_embedding (Tensor): shape ``(1, N + 1, D)`` or ``(N + 1, D)``; row 0 is the cls position.
        include_cls (bool, optional): keep row 0. Default: ``False`` (patches only).

    Returns:
        Tensor: shape ``(N, N)`` (or ``(N + 1, N + 1)``), on the CPU, detached.

    Examples::

        >>> sim = position_similarity(torch.tensor([[9.0, 9.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0]]))
        >>> sim
        tensor([[1., 1., 0.],
                [1., 1., 0.],
                [0., 0., 1.]])

    Introduced in notebooks/03_parameters.ipynb.
    """
    pos = pos_embedding.detach().float().cpu()
    pos = pos[0] if pos.dim() == 3 else pos                           # (N+1, D)
    if pos.dim() != 2:
        raise ValueError(f"pos_embedding must have shape (1, N+1, D) or (N+1, D); got {tuple(pos_embedding.shape)}")
    pos = pos if include_cls else pos[1:]                             # (N, D)
    unit = F.normalize(pos, dim=-1)                                   # (N, D)
    return unit @ unit.T                                              # (N, N)


def neighbour_similarity(similarity: torch.Tensor, grid_size: int) -> dict[str, float]:
    """Mean similarity of neighbouring patches vs distant ones, on a ``grid_size x grid_size`` grid.

    Neighbours share an edge (grid distance 1); distant patches are at least ``grid_size - 1``
    steps apart (horizontal plus vertical steps), e.g. opposite corners and edges.

    Args:
        similarity (Tensor): shape ``(N, N)`` with ``N = grid_size ** 2``, patches in row-major order.
        grid_size (int): patches per row.

    Returns:
        dict: ``{"neighbours": mean, "distant": mean}``.

    Examples::

        >>> rows = torch.arange(4.0).repeat_interleave(4)          # a 4 x 4 grid: similar rows
        >>> sim = -(rows[:, None] - rows[None]).abs() / 3 + 1
        >>> {k: round(v, 2) for k, v in neighbour_similarity(sim, 4).items()}
        {'neighbours': 0.83, 'distant': 0.39}

    Introduced in notebooks/03_parameters.ipynb.
    """
    n = grid_size * grid_size
    if similarity.shape != (n, n):
        raise ValueError(f"similarity must have shape ({n}, {n}) for grid_size={grid_size}; "
                         f"got {tuple(similarity.shape)}")
    rows, cols = torch.arange(n) // grid_size, torch.arange(n) % grid_size
    distance = (rows[:, None] - rows[None]).abs() + (cols[:, None] - cols[None]).abs()   # (N, N)
    return {"neighbours": similarity[distance == 1].mean().item(),
            "distant": similarity[distance >= grid_size - 1].mean().item()}
