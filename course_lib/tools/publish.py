"""The course as static pages that open offline: reveal.js slide decks and an HTML site.

``python -m course_lib slides`` writes ``build/slides/NN_name.slides.html`` per notebook, with
the reveal.js files beside them; ``python -m course_lib site`` writes ``build/site/index.html``
(the lesson map) and ``NN_name.html`` per notebook, figures embedded. Both are rendered from
the committed, executed notebooks and load nothing from the network:

- nbconvert's templates load require.js, MathJax and reveal.js from CDNs; the templates here
  drop those scripts, and the decks load reveal.js from the copy that ships inside course_lib
  (``course_lib/tools/revealjs/``, MIT licence, see its README; :func:`find_reveal`), so
  building slides needs neither Sphinx nor a download;
- math in Markdown (``$...$``, ``$$...$$``) is drawn at build time by matplotlib's mathtext
  as inline SVG (a TeX subset; what it cannot draw stays as TeX source in ``<code>``);
- widgets need a kernel, so a widget output becomes a note saying so, with the picture of its
  figure that the explorer's display carries (``image/png``) when there is one.

Every file is written whole or not at all (:func:`course_lib._util.write_atomic`).

:func:`course_lib.tools.offline.offline_problems` checks the pages.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

import base64
import copy
import html
import io
import os
import re
from pathlib import Path

from .._util import write_atomic
from .classroom import slide_types, split_at_headings

__all__ = ["REVEAL_DIR", "build_site", "build_slides", "find_reveal", "render_math"]

_WIDGET = "application/vnd.jupyter.widget-view+json"
_WIDGET_NOTE = ('<div class="course-widget-note">An interactive widget: run this notebook in JupyterLab '
                "(<code>make lab</code>) to use it.</div>")
_WIDGET_PICTURE = ('<div class="course-widget-note">An interactive widget, shown here as a picture of its figure: '
                   "run this notebook in JupyterLab (<code>make lab</code>) to use it.</div>"
                   '<img alt="the widget\'s figure" src="data:image/png;base64,{}">')
#: the copy of reveal.js that ships with course_lib (MIT licence; README.md there says what and whence)
REVEAL_DIR = Path(__file__).resolve().parent / "revealjs"
_CSS = """<style>
.course-nav { font: 15px/1.4 system-ui, sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd;
  display: flex; gap: 16px; }
.course-widget-note { border-left: 4px solid #888; background: #f4f4f4; padding: 6px 10px; }
</style>"""

_PAGE = """{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block extra_css %}""" + _CSS + """{% endblock extra_css %}
{% block body_header %}{{ super() }}{{ resources.course_nav }}{% endblock body_header %}
"""

_DECK = """{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_css %}""" + _CSS + """<style>
.reveal .slides > section, .reveal .slides > section > section { height: 100%; overflow-y: auto; }
.reveal pre { box-shadow: none; }
:root { --jp-code-font-size: 15px; --jp-content-font-size1: 18px; }
.reveal img.course-math { margin: 0; display: inline; }
</style>{% endblock html_head_css %}
{% block footer_js %}
<script src="reveal.js/dist/reveal.js"></script>
<script src="reveal.js/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({controls: true, progress: true, hash: true, center: false, transition: "none",
                   slideNumber: "c/t", width: 1100, height: 800, margin: 0.03, plugins: [RevealNotes]});
</script>
{% endblock footer_js %}
"""

# reveal.js files a deck needs, relative to a reveal.js folder (the theme's fonts come along)
_REVEAL_FILES = ["LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                 "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js"]


def find_reveal() -> Path:
    """The folder of the reveal.js copy the decks use: ``$COURSE_REVEAL_DIR`` when set (another
    reveal.js 4 or 5), else :data:`REVEAL_DIR`, the copy that ships with course_lib.

    Raises:
        FileNotFoundError: that folder has no ``dist/reveal.js``; the message says what to do.
    """
    folder = Path(os.environ.get("COURSE_REVEAL_DIR") or REVEAL_DIR)
    if (folder / "dist" / "reveal.js").is_file():
        return folder
    if os.environ.get("COURSE_REVEAL_DIR"):
        raise FileNotFoundError(f"COURSE_REVEAL_DIR={folder} has no dist/reveal.js: point it at a reveal.js "
                                "folder (its dist/ and plugin/), or unset it to use the copy in course_lib")
    raise FileNotFoundError(f"the copy of reveal.js that ships with course_lib is missing ({folder}): "
                            "reinstall course_lib, or set COURSE_REVEAL_DIR to a reveal.js folder")


# ---- Markdown: math and links -------------------------------------------------------------------------
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")
_NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[a-z0-9_]+)\.ipynb(#[^)\s]*)?\)")
_NOTEBOOK_HREF = re.compile(r'href="(\d\d_[a-z0-9_]+)\.ipynb(#[^"]*)?"')


def _math_image(tex: str, display: bool) -> str:
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser, math_to_image

    source, prop, buffer = f"${tex.strip()}$", FontProperties(size=12), io.BytesIO()
    try:
        _, height, depth, _, _ = MathTextParser("path").parse(source, dpi=72, prop=prop)
        math_to_image(source, buffer, format="svg", prop=prop)
    except ValueError:  # outside mathtext's subset of TeX: show the source
        return f"<code>{html.escape(tex.strip())}</code>"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    scale = 1.25 if display else 1.0  # the image is drawn at 12 pt: 1 em of the text around it
    tag = (f'<img class="course-math" alt="{html.escape(tex.strip())}" src="data:image/svg+xml;base64,{data}" '
           f'style="height: {scale * height / 12:.3f}em; vertical-align: {-scale * depth / 12:.3f}em">')
    return f'<div style="text-align: center">{tag}</div>' if display else tag


def render_math(markdown: str) -> str:
    """Replace ``$$...$$`` and ``$...$`` in Markdown (not in code) by inline SVG images.

    Examples::

        >>> render_math("cost $V \\\\times D$ and `$HOME`").startswith('cost <img class="course-math"')
        True
        >>> render_math("`$x$` costs $5 and $10")
        '`$x$` costs $5 and $10'

    Introduced in INSTRUCTORS.md.
    """
    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = _DISPLAY_MATH.sub(lambda m: _math_image(m.group(1), True), parts[i])
        parts[i] = _INLINE_MATH.sub(lambda m: _math_image(m.group(1), False), text)
    return "".join(parts)


def _prepare(nb, link_suffix: str, present: set[str], slides: bool):
    """A copy of ``nb`` ready to export: links, math, widget notes, title and slide types."""
    nb = copy.deepcopy(nb)
    if slides and not any("slideshow" in cell.metadata for cell in nb.cells):
        nb = split_at_headings(nb)    # a heading in the middle of a cell still starts its slide
        for cell, kind in zip(nb.cells, slide_types(nb)):
            cell.metadata["slideshow"] = {"slide_type": kind}

    def link(m):
        if m.group(1) not in present:
            return m.group(0)
        opening, closing = ('href="', '"') if m.group(0).startswith("href") else ("](", ")")
        return f"{opening}{m.group(1)}{link_suffix}{m.group(2) or ''}{closing}"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = render_math(_NOTEBOOK_LINK.sub(link, cell.source))
        elif slides:  # the test suite's marker is noise on a projector
            cell.source = "\n".join(line for line in cell.source.split("\n") if line.strip() != "# NBVAL_CHECK_OUTPUT")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _WIDGET in data:
                picture = data.get("image/png")
                picture = "".join(picture) if isinstance(picture, list) else picture
                output["data"] = {"text/html": _WIDGET_PICTURE.format(picture.replace("\n", "")) if picture
                                  else _WIDGET_NOTE}
            for mime, pattern in (("text/markdown", _NOTEBOOK_LINK), ("text/html", _NOTEBOOK_HREF)):
                if mime in data:
                    text = "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
                    data[mime] = pattern.sub(link, text)
    title = next((line[2:].strip() for line in nb.cells[0].source.splitlines() if line.startswith("# ")), None) \
        if nb.cells and nb.cells[0].cell_type == "markdown" else None
    if title:
        nb.metadata["title"] = title.replace("`", "")
    return nb


def _exporter(kind: str):
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter, SlidesExporter

    if kind == "slides":
        return SlidesExporter(extra_loaders=[DictLoader({"course_deck.j2": _DECK})], template_file="course_deck.j2",
                              reveal_url_prefix="reveal.js", reveal_theme="white",
                              exclude_input_prompt=True, exclude_output_prompt=True)
    return HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"course_page.j2": _PAGE})],
                        template_file="course_page.j2")


def _copy_reveal(out_dir: Path) -> None:
    source, target = find_reveal(), out_dir / "reveal.js"
    missing = [name for name in _REVEAL_FILES if not (source / name).exists()]
    if missing:
        raise FileNotFoundError(f"the reveal.js folder {source} lacks {', '.join(missing)}; point COURSE_REVEAL_DIR "
                                "at a complete reveal.js 4 or 5 (its dist/ and plugin/ folders)")
    for name in _REVEAL_FILES:
        src = source / name
        for path in sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]:
            write_atomic(target / path.relative_to(source), path.read_bytes())


def _index_page(title: str, intro: str, rows: list[tuple[str, str, str | None, str]]) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    def inline(markdown: str) -> str:
        return markdown2html_mistune(markdown).strip().removeprefix("<p>").removesuffix("</p>")

    def row(number, name, href, outcome):
        title = f'<a href="{href}">{html.escape(name)}</a>' if href else f"{html.escape(name)} <em>(in preparation)</em>"
        return f"<tr><td>{number}</td><td>{title}</td><td>{inline(outcome)}</td></tr>"

    body = "\n".join(row(*r) for r in rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 6px 10px; text-align: left;
vertical-align: top; }} code {{ background: #f4f4f4; padding: 0 3px; }}</style></head>
<body><h1>{html.escape(title)}</h1><p>{intro}</p>
<table><tr><th>#</th><th>lesson</th><th>you leave with</th></tr>
{body}
</table></body></html>
"""


def _rows(written: dict[str, Path]):
    from ..lessons import LESSONS

    return [(lesson.stem[:2], lesson.title, written[lesson.stem].name if lesson.stem in written else None,
             lesson.outcome) for lesson in LESSONS]


def build_slides(paths, out_dir) -> list[Path]:
    """Write a reveal.js deck per notebook, ``NN_name.slides.html``, an ``index.html`` and a copy of
    reveal.js into ``out_dir``. Slide types come from each cell's ``slideshow`` metadata, or from
    :func:`course_lib.tools.classroom.slide_types` when a notebook has none.

    Returns:
        list of Path: the files written (decks, then the index).
    """
    import nbformat

    out_dir, paths = Path(out_dir), [Path(p) for p in paths]
    out_dir.mkdir(parents=True, exist_ok=True)
    _copy_reveal(out_dir)
    exporter, present, written = _exporter("slides"), {p.stem for p in paths}, {}
    for path in paths:
        nb = _prepare(nbformat.read(path, as_version=4), ".slides.html", present, slides=True)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        written[path.stem] = out_dir / f"{path.stem}.slides.html"
        write_atomic(written[path.stem], body.encode("utf-8"))
    index = out_dir / "index.html"
    write_atomic(index, _index_page("Embedding Layers, Hands-On: slides",
                                    "One deck per lesson; arrows move, <kbd>S</kbd> opens the speaker notes "
                                    "(the lesson's notes for instructors), <kbd>Esc</kbd> shows all slides.",
                                    _rows(written)).encode("utf-8"))
    return [*written.values(), index]


def build_site(paths, out_dir) -> list[Path]:
    """Write an HTML page per notebook, ``NN_name.html``, with its outputs and figures, and an
    ``index.html`` with the lesson map, into ``out_dir``.

    Returns:
        list of Path: the files written (pages, then the index).
    """
    import nbformat

    out_dir, paths = Path(out_dir), [Path(p) for p in paths]
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter, present, written = _exporter("site"), {p.stem for p in paths}, {}
    for i, path in enumerate(paths):
        links = ['<a href="index.html">Course map</a>']
        if i > 0:
            links.append(f'<a href="{paths[i - 1].stem}.html">&larr; {paths[i - 1].stem[:2]}</a>')
        if i + 1 < len(paths):
            links.append(f'<a href="{paths[i + 1].stem}.html">{paths[i + 1].stem[:2]} &rarr;</a>')
        nb = _prepare(nbformat.read(path, as_version=4), ".html", present, slides=False)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem},
                                                             "course_nav": f'<nav class="course-nav">{" ".join(links)}</nav>'})
        written[path.stem] = out_dir / f"{path.stem}.html"
        write_atomic(written[path.stem], body.encode("utf-8"))
    index = out_dir / "index.html"
    write_atomic(index, _index_page("Embedding Layers, Hands-On",
                                    "PyTorch's embedding layers taken apart, one executed notebook per lesson. To run "
                                    "them yourself, clone the course and <code>make lab</code>.",
                                    _rows(written)).encode("utf-8"))
    return [*written.values(), index]
