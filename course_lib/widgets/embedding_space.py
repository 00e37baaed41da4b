"""EmbeddingSpaceExplorer: scrub through the training of a 2-D table and watch its categories separate.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import html
import math
import re

import torch

from .canvas import BlitCanvas, PngCache, css, widget_mimebundle
from ..embedding_space import SpaceHistory

__all__ = ["CATEGORY_COLOURS", "DEFAULT_FOLLOW", "MAX_FOLLOW", "EmbeddingSpaceExplorer"]

#: colour of each category's points (Okabe-Ito, as the other explorers); other categories get grey
CATEGORY_COLOURS = {"people": "#0072B2", "animals": "#E69F00", "places": "#009E73", "drinks": "#CC79A7",
                    "sports": "#56B4E9", "weather": "#F0E442"}
#: the words the explorer follows unless told otherwise (those the table has)
DEFAULT_FOLLOW = ("king", "dog", "paris", "tea")
#: the most words followed at once (each gets a label and a trail)
MAX_FOLLOW = 8
_BATCH, _OTHER = "#D55E00", "#999999"
_SPLIT = re.compile(r"[\s,]+")


def _nice(x: float) -> float:
    """The largest of 1, 2, 5 x 10^k that is at most ``x`` (``x > 0``)."""
    power = 10 ** math.floor(math.log10(x))
    return max(m * power for m in (1, 2, 5) if m * power <= x)


def _names(counts: dict[str, int], most: int = 8) -> str:
    names = [f"{w} x{c}" if c > 1 else w for w, c in counts.items()]
    return ", ".join(names) if len(names) <= most else f"{', '.join(names[:most])} and {len(names) - most} more"


class EmbeddingSpaceExplorer:
    r"""Scrub through a recorded training of a 2-D table: the points, the batch, its gradient, the separation.

    The left panel draws every row of the table at the selected step as a point coloured by
    its word's category. The rows the next step's batch looks up are ringed, and each has an
    arrow: its gradient, scaled by :attr:`arrow_scale` to be visible. SGD moves the row the
    other way (with ``lr = 1``, by exactly the unscaled arrow), so the next step shows the ringed
    points moved against their arrows, and every other point where it was. Followed words
    get a label and a trail (their path since step 0). The right panel plots the category
    purity (:func:`~course_lib.embedding_space.category_purity`) of every step, with chance
    dashed and the selected step marked. Everything is computed when the explorer is built,
    so moving the slider only redraws, and a step seen before (with the same followed words)
    is not even redrawn: its PNG is kept. The "play" button moves the slider on by itself (in
    the browser: it is linked to the slider there), about 200 frames at 10 a second.

    Args:
        history (SpaceHistory): what :func:`~course_lib.embedding_space.train_embedding_space` returned.
        follow (sequence of str, optional): words to label and trail, at most :data:`MAX_FOLLOW`.
            Default: those of :data:`DEFAULT_FOLLOW` that the table has.
        step (int, optional): the step to show first, a recorded one. Default: ``0``.

    Attributes:
        step (int): the selected step. index (int): its frame. positions (Tensor): ``(V, 2)`` table
        at that step. batch_rows (list of int): the rows the next batch looks up (sorted,
        without repeats). grad (Tensor): ``(V, 2)`` gradient of the next step. followed (list of
        str): the words followed. arrow_scale (float): arrow length / gradient length.
        reading (str): the one-line reading under the figure. error (str or None): why a word
        typed into "follow" was not followed.

    Examples::

        >>> from course_lib.embedding_space import SpaceConfig, train_embedding_space
        >>> space = train_embedding_space(SpaceConfig(num_steps=40, record_every=10))
        >>> explorer = EmbeddingSpaceExplorer(space, follow=["king", "tea"])
        >>> explorer.slider.value = 40
        >>> explorer.reading.split(";")[0]
        'after 40 of 40 steps: the trained table'
        >>> explorer.follow.value = "king kingg"
        >>> explorer.followed, explorer.error
        (['king'], "'kingg' is not a word of the table; pick from king, queen, man, woman, ... (48 words)")

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    def __init__(self, history: SpaceHistory, follow=None, *, step: int = 0):
        import ipywidgets as widgets

        if not isinstance(history, SpaceHistory):
            raise TypeError(f"history must be the SpaceHistory that train_embedding_space() returns; "
                            f"got {type(history).__name__}")
        self.history = h = history
        if follow is None:
            follow = [w for w in DEFAULT_FOLLOW if w in h.words]
        follow = [follow] if isinstance(follow, str) else list(follow)
        words, error = self._parse(follow)
        if error:
            raise ValueError(f"follow: {error}")
        h.index(step)                                    # a ValueError naming the recorded steps
        self._row = {w: i for i, w in enumerate(h.words)}
        self._colours = [CATEGORY_COLOURS.get(c, _OTHER) for c in h.categories]
        dist = torch.cdist(h.positions, h.positions)                                    # (S, V, V)
        dist.diagonal(dim1=1, dim2=2).fill_(float("inf"))
        self._nearest = dist.argmin(dim=2)                                              # (S, V)
        norms = h.grads[:-1].norm(dim=2)                                                # (S - 1, V)
        norms = norms[norms > 0]
        low, high = h.positions.amin(dim=(0, 1)), h.positions.amax(dim=(0, 1))          # (2,), (2,)
        self._centre, self._half = (low + high) / 2, float((high - low).max()) / 2 * 1.08 + 0.1
        typical = float(norms.quantile(0.9)) if len(norms) else 1.0
        self.arrow_scale = _nice(0.3 * self._half / typical) if typical > 0 else 1.0
        last, every = h.steps[-1], h.config.record_every
        self.slider = css(widgets.IntSlider(value=step, min=0, max=last, step=every, description="step",
                                            continuous_update=True, layout={"width": "520px"}), "course-space-step")
        self.play = css(widgets.Play(value=step, min=0, max=last, step=every * max(1, last // (every * 200)),
                                     interval=100, description="play", show_repeat=False), "course-space-play")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.follow = css(widgets.Text(value=" ".join(words), description="follow", continuous_update=False,
                                       placeholder="words, e.g. king dog tea", layout={"width": "420px"}),
                          "course-space-follow")
        self.followed, self.error = words, None
        self._pngs = PngCache(limit=256)           # (frame, followed words) -> PNG, the figure depends on them alone
        self._build_figure()
        self.image = css(widgets.Image(format="png", layout={"width": f"{self.canvas.width_px}px"}),
                         "course-space-figure")
        self.readout = css(widgets.HTML(), "course-space-readout")
        self.box = css(widgets.VBox([widgets.HBox([self.play, self.slider]), self.follow, self.image, self.readout]),
                       "course-space-explorer")
        self.slider.observe(lambda change: self.update(), names="value")
        self.follow.observe(lambda change: self._set_follow(), names="value")
        self.update()

    # ---------------------------------------------------------------- state
    @property
    def step(self) -> int:
        """The selected step."""
        return self.slider.value

    @property
    def index(self) -> int:
        """The selected step's frame in the history."""
        return self.history.index(self.slider.value)

    @property
    def positions(self) -> torch.Tensor:
        """The table at the selected step, ``(V, 2)``."""
        return self.history.positions[self.index].clone()

    @property
    def grad(self) -> torch.Tensor:
        """The table's gradient at the next step, ``(V, 2)``: zero outside the next batch's rows."""
        return self.history.grads[self.index].clone()

    @property
    def batch_rows(self) -> list[int]:
        """The rows the next step's batch looks up, sorted, each once."""
        return sorted(set(self.history.batches[self.index].tolist()))

    @property
    def reading(self) -> str:
        """The one-line reading under the figure."""
        return self._reading

    def select(self, step: int) -> None:
        """Move the slider to ``step`` (which redraws)."""
        self.history.index(step)
        self.slider.value = step

    def _parse(self, words: list) -> tuple[list[str], str | None]:
        """The known words of ``words`` (each once, at most MAX_FOLLOW) and why the others were left out."""
        table, known = self.history.words, []
        for word in words:
            if not isinstance(word, str) or word not in table:
                shown = ", ".join(table[:4])
                return known, (f"{word!r} is not a word of the table; pick from {shown}, ... ({len(table)} words)")
            if word not in known:
                known.append(word)
            if len(known) > MAX_FOLLOW:
                return known[:MAX_FOLLOW], f"at most {MAX_FOLLOW} words can be followed; got {len(set(words))}"
        return known, None

    def _set_follow(self) -> None:
        words = [w for w in _SPLIT.split(self.follow.value) if w]
        self.followed, self.error = self._parse(words)
        self.update()

    def _read(self) -> str:
        h, i = self.history, self.index
        head = f"after {self.step} of {h.steps[-1]} steps: "
        if i == len(h) - 1:
            parts = [head + "the trained table"]
        else:
            counts: dict[str, int] = {}
            for row in h.batches[i].tolist():
                counts[h.words[row]] = counts.get(h.words[row], 0) + 1
            n = len(counts)
            parts = [head + f"the next batch looks up {n} row{'s' if n > 1 else ''} ({_names(counts)}), "
                     f"only {'they get' if n > 1 else 'it gets'} a gradient"]
        parts.append(f"purity {h.purity[i]:.2f} (chance {h.chance:.2f})")
        if self.followed:
            near = [f"{w} -> {h.words[int(self._nearest[i, self._row[w]])]}" for w in self.followed]
            parts.append("nearest: " + ", ".join(near))
        return "; ".join(parts)

    # ---------------------------------------------------------------- figure
    def _build_figure(self) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import FancyArrowPatch

        h = self.history
        self.canvas = canvas = BlitCanvas((8.8, 4.2))
        fig, animate = canvas.figure, canvas.animate
        ax = self.ax = fig.add_axes((0.055, 0.1, 0.41, 0.82))
        (cx, cy), half = self._centre.tolist(), self._half
        ax.set_xlim(cx - half, cx + half)
        ax.set_ylim(cy - half, cy + half)
        ax.set_aspect("equal", adjustable="box")
        ax.set(xlabel="dimension 0", ylabel="dimension 1", title="the 2-D table: one point per word (row)")
        ax.title.set_fontsize(9)
        # animated artists are drawn in the order they are created: trails under the points, arrows and labels on top
        self.trails = [animate(ax.plot([], [], lw=0.9, alpha=0.6)[0]) for _ in range(MAX_FOLLOW)]
        self.rings = animate(ax.scatter([], [], s=150, facecolors="none", edgecolors=_BATCH, linewidths=1.8))
        self.points = animate(ax.scatter(h.positions[0, :, 0], h.positions[0, :, 1], s=28, c=self._colours,
                                         edgecolors="#333333", linewidths=0.4))
        self.arrows = [animate(ax.add_patch(FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=10,
                                                            shrinkA=0, shrinkB=0, color="black", linewidth=1.1)))
                       for _ in h.words]
        self.labels = [animate(ax.text(0, 0, "", fontsize=8, fontweight="bold", clip_on=True))
                       for _ in range(MAX_FOLLOW)]
        cats = list(dict.fromkeys(h.categories))
        handles = [Line2D([], [], marker="o", ls="", color=CATEGORY_COLOURS.get(c, _OTHER), mec="#333333", mew=0.4,
                          label=c) for c in cats]
        handles += [
            Line2D([], [], marker="o", ls="", mfc="none", mec=_BATCH, mew=1.8, markersize=11,
                   label="looked up by the next batch"),
            Line2D([], [], marker=">", ls="-", color="black", markersize=5,
                   label=f"its gradient (x {self.arrow_scale:g}): SGD\nmoves the row the other way"),
            Line2D([], [], ls="-", color="grey", lw=0.9, label="a followed word's path"),
        ]
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.47, 0.52), fontsize=8, frameon=False)
        pax = self.purity_ax = fig.add_axes((0.77, 0.16, 0.2, 0.7))
        pax.plot(h.steps, h.purity, color="#0072B2", lw=1.4, label="purity")
        pax.axhline(h.chance, color="grey", ls="--", lw=1, label="chance")
        pax.set_xlim(0, max(h.steps[-1], 1))
        pax.set_ylim(0, 1.05)
        pax.set(xlabel="step", ylabel="category purity (k = 3)", title="do the categories separate?")
        pax.title.set_fontsize(9)
        pax.legend(fontsize=7, loc="lower right")
        for a in (ax, pax):
            a.tick_params(labelsize=7)
            a.xaxis.label.set_fontsize(8)
            a.yaxis.label.set_fontsize(8)
        self.marker = animate(pax.axvline(0, color="black", lw=1, ls=":"))
        self.dot = animate(pax.plot([], [], "o", color="black", markersize=4)[0])

    def _set_artists(self) -> None:
        h, i = self.history, self.index
        pos = h.positions[i]                                                         # (V, 2)
        self.points.set_offsets(pos.numpy())
        batch = self.batch_rows
        self.rings.set_offsets(pos[batch].numpy().reshape(-1, 2))
        tips = pos + self.arrow_scale * h.grads[i]                                   # (V, 2)
        shown = set(h.grad_rows(i))
        for row, arrow in enumerate(self.arrows):
            arrow.set_visible(row in shown)
            if row in shown:
                arrow.set_positions(tuple(pos[row].tolist()), tuple(tips[row].tolist()))
        for k, (trail, label) in enumerate(zip(self.trails, self.labels)):
            if k < len(self.followed):
                row = self._row[self.followed[k]]
                path = h.positions[: i + 1, row]                                     # (i + 1, 2)
                trail.set_data(path[:, 0].numpy(), path[:, 1].numpy())
                trail.set_color(self._colours[row])
                x, y = pos[row].tolist()
                label.set_position((x + 0.05 * self._half, y + 0.05 * self._half))
                label.set_text(self.followed[k])
            else:
                trail.set_data([], [])
                label.set_text("")
        self.marker.set_xdata([self.step, self.step])
        self.dot.set_data([self.step], [h.purity[i]])

    def _draw(self) -> bytes:
        """The selected step's PNG: drawn at the first visit, then kept."""
        self._set_artists()
        return self._pngs.get_or_draw((self.index, tuple(self.followed)), self.canvas.render)

    def update(self) -> None:
        """Redraw the selected step (or reuse its picture), then write the reading."""
        self.image.value = self._draw()
        self._reading = self._read()
        error = f"; <b>follow</b>: {html.escape(self.error)}" if self.error else ""
        self.readout.value = html.escape(self._reading) + error   # after the figure, for browser tests

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, and a picture of its current figure where widgets cannot run."""
        return widget_mimebundle(self.box, self.image.value, "EmbeddingSpaceExplorer", **kwargs)
