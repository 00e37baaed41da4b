"""Slide decks and the static site, built from the real notebooks: every page there, nothing from
the network, no reference to a file that does not exist."""
from __future__ import annotations

import re

import pytest

from course_lib.tools.cli import main
from course_lib.lessons import LESSONS
from course_lib.tools.nbtools import list_notebooks
from course_lib.tools.offline import offline_problems
from course_lib.tools.publish import build_site, build_slides, find_reveal, render_math

NOTEBOOKS = list_notebooks()


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    return out, build_slides(NOTEBOOKS, out)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return out, build_site(NOTEBOOKS, out)


def test_a_deck_per_notebook_and_an_index(slides):
    out, written = slides
    assert [p.name for p in written] == [f"{p.stem}.slides.html" for p in NOTEBOOKS] + ["index.html"]
    for name in ("dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "plugin/notes/notes.js", "LICENSE"):
        assert (out / "reveal.js" / name).is_file()


def test_a_page_per_notebook_and_an_index(site):
    out, written = site
    assert [p.name for p in written] == [f"{p.stem}.html" for p in NOTEBOOKS] + ["index.html"]


@pytest.mark.parametrize("kind", ["slides", "site"])
def test_every_page_opens_offline(kind, request):
    out, written = request.getfixturevalue(kind)
    problems = [problem for path in written for problem in offline_problems(path)]
    assert problems == []
    for path in written:
        text = path.read_text()
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", text), path.name
        assert "cdnjs" not in text and "unpkg" not in text and "require.js" not in text


def test_decks_use_the_local_reveal_and_the_lessons_structure(slides):
    out, _ = slides
    deck = (out / "08_embeddings_at_scale.slides.html").read_text()
    assert '<script src="reveal.js/dist/reveal.js"></script>' in deck
    assert deck.count("<section") >= 20                              # slides and sub-slides
    assert "NBVAL_CHECK_OUTPUT" not in deck                          # the test marker stays off the projector
    assert '<aside class="notes">' in deck and "Ask for predictions" in deck   # For instructors -> speaker notes
    assert 'class="fragment"' in deck                                # exercise answers appear on a key press
    assert "01_lookup_tables.slides.html" in deck                   # links between lessons follow the decks


def test_site_pages_embed_figures_render_math_and_link_each_other(site):
    out, _ = site
    page = (out / "08_embeddings_at_scale.html").read_text()
    assert page.count('src="data:image/png;base64,') >= 4            # the lesson's four figures
    assert 'class="course-math"' in page and "$V \\times D" not in page
    assert 'href="01_lookup_tables.html"' in page and ".ipynb\"" not in page
    assert "An interactive widget" in (out / "02_gradient_flow.html").read_text()
    assert "<title>08 · Embeddings at scale</title>" in page


def test_site_index_is_the_lesson_map(site):
    out, _ = site
    index = (out / "index.html").read_text()
    present = {p.stem for p in NOTEBOOKS}
    for lesson in LESSONS:
        assert lesson.title in index
        assert (f'href="{lesson.stem}.html"' in index) == (lesson.stem in present)
    assert index.count("(in preparation)") == len(LESSONS) - len(present)


def test_offline_problems_catches_what_it_should(tmp_path):
    (tmp_path / "here.css").write_text("@import url(https://fonts.example.com/x.css); .a { background: url(gone.png); }")
    page = tmp_path / "page.html"
    page.write_text('<html><head><script src="https://cdn.example.com/require.js"></script>'
                    '<link rel="stylesheet" href="here.css"><link rel="stylesheet" href="missing.css">'
                    '<style>@import "//fonts.example.com/y.css";</style>'
                    "<script>import('https://cdn.example.com/mermaid.js')</script></head>"
                    '<body><a href="https://example.com">fine</a><a href="other.html#x">gone</a>'
                    '<img src="data:image/png;base64,AAAA"></body></html>')
    problems = "\n".join(offline_problems(page))
    assert "<script> loads https://cdn.example.com/require.js" in problems
    assert "loads https://fonts.example.com/x.css" in problems and "refers to gone.png" in problems
    assert "refers to missing.css" in problems and "refers to other.html#x" in problems
    assert "loads //fonts.example.com/y.css" in problems and "inline script mentions https://cdn" in problems
    assert "example.com\"" not in problems and "data:" not in problems and len(problems.splitlines()) == 7


def test_render_math_leaves_code_and_prices_alone():
    assert render_math("`$HOME` and ```\n$x$\n``` cost $5 or $10") == "`$HOME` and ```\n$x$\n``` cost $5 or $10"
    out = render_math("a $x^2$ b $$\\frac{a}{b}$$ c $\\notacommand{x}$")
    assert out.count('class="course-math"') == 2 and "<code>\\notacommand{x}</code>" in out


def test_cli_writes_slides_and_site(tmp_path, capsys):
    assert main(["slides", "--out", str(tmp_path / "s"), str(NOTEBOOKS[0])]) == 0
    assert main(["site", "--out", str(tmp_path / "w"), str(NOTEBOOKS[0])]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 's' / NOTEBOOKS[0].stem}.slides.html" in out
    assert f"wrote {tmp_path / 'w' / 'index.html'}" in out


def test_reveal_ships_with_course_lib_and_needs_no_sphinx(monkeypatch, tmp_path):
    import sys

    from course_lib.tools.publish import REVEAL_DIR

    monkeypatch.delenv("COURSE_REVEAL_DIR", raising=False)
    monkeypatch.setitem(sys.modules, "sphinx", None)                  # no Sphinx, no sphinx-revealjs
    monkeypatch.setitem(sys.modules, "sphinx_revealjs", None)
    assert find_reveal() == REVEAL_DIR
    assert "MIT" in (REVEAL_DIR / "LICENSE").read_text() and "reveal.js" in (REVEAL_DIR / "README.md").read_text()
    fonts = REVEAL_DIR / "dist/theme/fonts/source-sans-pro"
    assert "Open Font License" in (fonts / "LICENSE").read_text()
    written = build_slides(NOTEBOOKS[:1], tmp_path)
    assert (tmp_path / "reveal.js" / "LICENSE").read_bytes() == (REVEAL_DIR / "LICENSE").read_bytes()
    # one deck alone links to lessons not built here; everything it loads is there, down to the
    # .woff files that the trimmed font CSS names
    assert [p for p in offline_problems(written[0]) if ".ipynb" not in p] == []


def test_a_missing_reveal_folder_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_REVEAL_DIR", str(tmp_path))               # no dist/reveal.js there
    with pytest.raises(FileNotFoundError, match=r"COURSE_REVEAL_DIR=.* has no dist/reveal.js.*unset it"):
        find_reveal()
    monkeypatch.delenv("COURSE_REVEAL_DIR")
    monkeypatch.setattr("course_lib.tools.publish.REVEAL_DIR", tmp_path / "gone")
    with pytest.raises(FileNotFoundError, match="ships with course_lib is missing .*reinstall course_lib"):
        find_reveal()


def test_a_widget_shows_its_picture_on_the_site(tmp_path):
    """An explorer's output carries a PNG of its figure beside the widget view: the site shows it."""
    import base64

    import nbformat

    png = base64.b64encode(b"\x89PNG picture").decode("ascii")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("explorer", outputs=[
        nbformat.v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {
            "model_id": "x", "version_major": 2, "version_minor": 0}, "image/png": png, "text/plain": "Explorer"}),
        nbformat.v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {
            "model_id": "y", "version_major": 2, "version_minor": 0}, "text/plain": "VBox()"})])])
    path = tmp_path / "02_gradient_flow.ipynb"
    nbformat.write(nb, path)
    page = build_site([path], tmp_path / "site")[0].read_text()
    assert f'src="data:image/png;base64,{png}"' in page and "shown here as a picture" in page
    assert page.count("An interactive widget") == 2 and "model_id" not in page


def test_a_failed_write_leaves_the_old_page_whole(monkeypatch, tmp_path):
    """Pages are written to a temporary file and renamed: a failure keeps the old page, no debris."""
    import os

    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the old index")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        build_site(NOTEBOOKS[:1], out)
    assert (out / "index.html").read_text() == "the old index"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]


def test_help_lists_the_classroom_commands():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "course_lib", "--help"], capture_output=True, text=True).stdout
    for command in ("student", "slides", "site", "setup-cell", "bench"):
        assert command in out


def test_an_incomplete_reveal_folder_is_named(monkeypatch, tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "reveal.js").write_text("")
    monkeypatch.setenv("COURSE_REVEAL_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="lacks LICENSE, dist/reveal.css"):
        build_slides(NOTEBOOKS[:1], tmp_path / "out")


def _explorers():
    import torch

    from course_lib.embedding_space import SpaceConfig, train_embedding_space
    from course_lib.widgets import EmbeddingSpaceExplorer, GradientExplorer, PromptInspector, TrainingStepper

    table = torch.eye(4) * 2.0
    history = {"step": [1, 2], "loss": [2.0, 1.0], "snapshot_steps": [0, 2],
               "snapshots": [torch.eye(4)[:2].clone(), torch.eye(4)[2:].clone()], "seconds": [0.1]}
    return {"GradientExplorer": GradientExplorer(), "TrainingStepper": TrainingStepper(),
            "PromptInspector": PromptInspector(history, table, list("abcd")),
            "EmbeddingSpaceExplorer": EmbeddingSpaceExplorer(train_embedding_space(SpaceConfig(num_steps=20)))}


def test_each_explorer_shows_a_picture_of_its_current_figure_where_widgets_cannot_run():
    """Beside the live widget view, the display carries the figure as image/png (what GitHub and the
    site show) and a sentence instead of VBox(children=...); a move changes the picture."""
    import base64

    for name, explorer in _explorers().items():
        bundle = explorer._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle, name
        png = base64.b64decode(bundle["image/png"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png == explorer.image.value, name
        assert bundle["text/plain"].startswith(f"{name}: an interactive widget"), name
    stepper = _explorers()["TrainingStepper"]
    before = stepper._repr_mimebundle_()["image/png"]
    stepper.step_button.click()
    assert stepper._repr_mimebundle_()["image/png"] != before
