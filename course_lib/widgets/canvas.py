"""A reused matplotlib figure rendered to PNG bytes fast enough for a widget callback.

The course's explorers redraw on every slider move, so they never create a figure per
update: each owns one Agg figure, draws its static parts (axes, ticks, legend) once into a
cached background, and on every update restores that background and redraws only the
artists marked as animated, then encodes the pixels as PNG. Artists that change seldom
(row labels, a title) sit in a middle layer, cached on top of the background until
``invalidate("slow")``. Text is the costly part of a redraw (FreeType renders every
glyph), so the fewer letters an update redraws, the faster it is. ``python -m course_lib
bench widgets`` measures the result.

Introduced in notebooks/02_gradient_flow.ipynb.
"""
from __future__ import annotations

import io

__all__ = ["BlitCanvas", "PngCache", "css", "widget_mimebundle"]


def css(widget, name: str):
    """Add the CSS class ``name`` to ``widget`` and return the widget (for browser tests).

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    widget.add_class(name)
    return widget


def widget_mimebundle(box, png: bytes, name: str, **kwargs) -> dict:
    """An explorer's display: the live widget ``box``, and beside it the picture ``png`` of its current
    figure (``image/png``) and a line of text.

    JupyterLab draws the widget; GitHub, the static site and front ends without the widget
    extension show the picture instead of ``VBox(children=...)``.

    Introduced in notebooks/02_gradient_flow.ipynb.
    """
    import base64

    bundle = dict(box._repr_mimebundle_(**kwargs) or {})
    bundle["image/png"] = base64.b64encode(png).decode("ascii")
    bundle["text/plain"] = f"{name}: an interactive widget (run the notebook in JupyterLab to use it)"
    return bundle


class BlitCanvas:
    """One Agg figure in three layers: static (drawn once), slow (cached), fast (every render).

    Args:
        figsize (tuple of float): the figure size in inches.
        dpi (int, optional): pixels per inch of the PNG. Default: ``100``.

    Examples::

        >>> canvas = BlitCanvas((2, 2))
        >>> ax = canvas.figure.add_subplot()
        >>> line = canvas.animate(ax.plot([0, 1], [0, 1])[0])
        >>> canvas.render()[:4]
        b'\\x89PNG'
        >>> line.set_ydata([1, 0]); canvas.render()[:4]  # only the line is redrawn
        b'\\x89PNG'
        >>> canvas.full_draws
        1

    Introduced in notebooks/02_gradient_flow.ipynb.
    """

    def __init__(self, figsize: tuple[float, float], dpi: int = 100):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # layout="none": a layout engine would re-run at every draw (and course_lib.setup
        # turns constrained layout on by default); explorers place their axes by hand.
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="none")
        FigureCanvasAgg(self.figure)
        self._layers: dict[str, list] = {"slow": [], "fast": []}
        self._static = self._slow = None  # cached pixels of the static layer, and of static + slow
        self.full_draws = 0  #: how often the static layer was redrawn (for tests and benchmarks)

    @property
    def width_px(self) -> int:
        """The PNG's width in pixels: show it at this width (``Image(layout={"width": ...})``) to keep it sharp."""
        return round(self.figure.get_figwidth() * self.figure.dpi)

    def animate(self, artist, *, layer: str = "fast"):
        """Take ``artist`` out of the static layer: redraw it at every :meth:`render`
        (``layer="fast"``) or only after :meth:`invalidate` (``"slow"``); return it."""
        artist.set_animated(True)
        self._layers[layer].append(artist)
        return artist

    def forget(self) -> None:
        """Drop every animated artist (before rebuilding them)."""
        for artists in self._layers.values():
            artists.clear()
        self.invalidate()

    def invalidate(self, layer: str = "static") -> None:
        """Say that an artist of ``layer`` ("static" or "slow") changed, so the next render redraws it."""
        if layer == "static":
            self._static = None
        self._slow = None

    def _draw(self, layer: str) -> None:
        for artist in self._layers[layer]:
            if artist.get_visible():
                self.figure.draw_artist(artist)

    def render(self) -> bytes:
        """Draw and return the figure as PNG bytes."""
        canvas = self.figure.canvas
        if self._static is None:
            canvas.draw()  # skips animated artists
            self._static = canvas.copy_from_bbox(self.figure.bbox)
            self.full_draws += 1
        if self._slow is None:
            canvas.restore_region(self._static)
            self._draw("slow")
            self._slow = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._slow)
        self._draw("fast")
        return _png(canvas)


class PngCache(dict):
    """Pictures already drawn, by key (a step, say), at most ``limit`` of them: the oldest goes first.

    An explorer whose figure depends on the key alone draws each picture once and shows it again
    at once when the learner comes back to it.

    Examples::

        >>> cache = PngCache(limit=2)
        >>> [cache.get_or_draw(step, lambda: b"png %d" % step) for step in (1, 2, 1, 3)]
        [b'png 1', b'png 2', b'png 1', b'png 3']
        >>> sorted(cache)
        [2, 3]
    """

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def get_or_draw(self, key, draw) -> bytes:
        """The picture kept for ``key``, or ``draw()``'s, kept from now on."""
        if key not in self:
            if len(self) >= self.limit:                                            # a bound on memory
                del self[next(iter(self))]
            self[key] = draw()
        return self[key]


def _png(canvas) -> bytes:
    from PIL import Image  # a dependency of matplotlib

    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="png", compress_level=1)  # fast over small
    return out.getvalue()
