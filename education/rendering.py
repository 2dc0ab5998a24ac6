"""Markdown → HTML that is safe to show families.

Two layers: Markdown itself never passes raw HTML through (its HTML block and inline HTML
processors are removed, so `<script>` typed in the body is escaped as text), and nh3 then keeps
only an allow-list of tags, attributes and URL schemes (no script, no event handlers, no
javascript: links). Body headings are shifted below the page's own h1.
"""

from __future__ import annotations

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "ul", "ol", "li",
    "blockquote", "code", "pre", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


class _NoRawHtml(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ShiftHeadings(md), "shift_headings", 5)


class _ShiftHeadings(Treeprocessor):
    """The page title is the only h1, and headings go down one level at a time (WCAG 1.3.1): the
    body's top heading level becomes h2, whether the author wrote '# Heading' or '## Heading'."""

    def run(self, root):
        headings = [el for el in root.iter() if el.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]
        if not headings:
            return
        offset = 2 - min(int(el.tag[1]) for el in headings)
        for el in headings:
            el.tag = f"h{min(6, int(el.tag[1]) + offset)}"


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Editors' Markdown as sanitised HTML (safe to mark_safe in templates)."""
    html = markdown.markdown(text or "", extensions=[_NoRawHtml(), "sane_lists", "tables"], output_format="html")
    return sanitise_html(html)


def plain_text(text: str) -> str:
    """The words of a Markdown body, without markup (for readability scores)."""
    return nh3.clean(render_markdown(text), tags=set()).replace("&amp;", "&")
