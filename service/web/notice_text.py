"""Notice texts as safe HTML: the small Markdown subset of docs/notice-format.md.

markdown-it-py (CommonMark) with raw HTML off: paragraphs, line breaks kept, bullet and
numbered lists, links (http, https, mailto, tel; bare addresses linkified), emphasis. Every
other construct stays literal text. The output is safe to mark as Markup: markdown-it escapes all
text, and links with other schemes are not made.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

SCHEMES = ("http:", "https:", "mailto:", "tel:")


@cache
def _renderer() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": True, "typographer": False})
    md.enable(["list", "link", "emphasis", "newline", "linkify", "autolink", "escape"])
    md.validateLink = lambda url: url.strip().lower().startswith(SCHEMES)  # type: ignore[method-assign]
    return md


def localized(value: Any, lang: str) -> str:
    """A localized text in `lang`, falling back to Finnish, then to any language given."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("fi") or next(iter(value.values()), "") or "")
    return str(value or "")


def render_text(value: Any, lang: str) -> Markup:
    text = localized(value, lang).replace("\r\n", "\n")
    if not text.strip():
        return Markup("")
    return Markup(_renderer().render(text))  # noqa: S704 - markdown-it escapes, html is off
