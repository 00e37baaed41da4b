"""Does a static page open offline? Scripts, styles and images loaded from the network, and
references to local files that do not exist, found in the HTML and in the CSS it loads.

Used on the slide decks and the site of :mod:`course_lib.tools.publish`, and by their tests.

Introduced in INSTRUCTORS.md.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["offline_problems"]

class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []   # (kind, url)
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for kind, key in (("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
                          ("link", "href"), ("a", "href")):
            if tag == kind and attrs.get(key):
                self.refs.append((tag, attrs[key]))
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        self._in = tag if tag in ("style", "script") else None

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in = None


_CSS_URL = re.compile(r"""(?:url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"])""")
_REMOTE = re.compile(r"^(https?:)?//", re.I)


def _local_target(base: Path, url: str) -> Path | None:
    url = url.split("#")[0].split("?")[0]
    if not url or url.startswith(("data:", "mailto:", "javascript:")) or _REMOTE.match(url):
        return None
    return (base / url).resolve()


def _local_problems(base: Path, url: str, where: str, what: str, seen: set[Path]) -> list[str]:
    """A local reference ``url`` made by ``what`` in ``where``: missing, or a stylesheet to read too."""
    target = _local_target(base, url)
    if target is None:
        return []
    if not target.exists():
        return [f"{where}: {what} refers to {url}, which does not exist"]
    if target.suffix == ".css" and target not in seen:
        seen.add(target)
        return _css_problems(target.read_text(encoding="utf-8", errors="replace"), target.parent, str(target), seen)
    return []


def _css_problems(css: str, base: Path, where: str, seen: set[Path]) -> list[str]:
    problems = []
    for m in _CSS_URL.finditer(css):
        url = m.group(1) or m.group(2)
        if _REMOTE.match(url):
            problems.append(f"{where}: a style loads {url} from the network")
        else:
            problems += _local_problems(base, url, where, "a style", seen)
    return problems


def offline_problems(path) -> list[str]:
    """Why the page at ``path`` would not open offline: scripts, styles or images loaded from the
    network, and references (links included) to local files that do not exist. Empty when it opens.

    Links to web pages (``<a href="https://...">``) are fine: they are for the reader to follow.

    Introduced in INSTRUCTORS.md.
    """
    path = Path(path)
    parser = _References()
    parser.feed(path.read_text(encoding="utf-8"))
    problems, seen = [], set()
    for tag, url in parser.refs:
        if _REMOTE.match(url):
            if tag != "a":
                problems.append(f"{path.name}: <{tag}> loads {url} from the network")
        else:
            problems += _local_problems(path.parent, url, path.name, f"<{tag}>", seen)
    for css in parser.styles:
        problems += _css_problems(css, path.parent, path.name, seen)
    for script in parser.scripts:
        for url in re.findall(r"""https?://[^\s'"<>)]+""", script):
            problems.append(f"{path.name}: an inline script mentions {url}")
    return problems
