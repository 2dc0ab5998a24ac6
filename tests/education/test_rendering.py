"""Sanitising: nothing executable typed into a page body reaches the page."""

from html.parser import HTMLParser

import pytest

from education.rendering import plain_text, render_markdown
from tests.conftest import signed_in_client
from tests.education.factories import PageFactory

ATTACKS = [
    "<script>alert(1)</script>",
    "Hello <img src=x onerror=alert(1)>",
    '<a href="#" onclick="steal()">click</a>',
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<svg onload=alert(1)>",
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
]


class _Tags(HTMLParser):
    """Collects the real elements and attributes (escaped text does not count: it is harmless)."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def elements(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def assert_inert(html: str) -> None:
    found = elements(html)
    assert not set(found.tags) & {"script", "iframe", "svg", "img", "style", "object", "embed", "div"}
    for name, value in found.attrs:
        assert not name.startswith("on")
        assert name != "style"
        if name in ("href", "src"):
            assert value.split(":")[0].strip().lower() in ("https", "http", "mailto", "tel") or value.startswith("#")


@pytest.mark.parametrize("attack", ATTACKS)
def test_dangerous_markup_never_survives(attack):
    html = render_markdown(attack)
    assert_inert(html)
    assert "<script" not in html.lower()


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown("<b>bold?</b> and <script>x()</script>")
    assert "<b>" not in html and "<script>" not in html
    assert "&lt;b&gt;" in html and "&lt;script&gt;" in html


def test_markdown_still_works_and_links_are_safe():
    html = render_markdown("# Title\n\nSome **bold** text and a [link](https://example.org).\n\n- one\n- two")
    assert "<h2>Title</h2>" in html  # the page's own title is the only h1
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html
    assert "<li>one</li>" in html


def test_plain_text_drops_markup():
    assert plain_text("Some **bold** [link](https://x.org)").strip() == "Some bold link"


@pytest.mark.django_db
def test_attacks_never_reach_the_family_page(family_user):
    page = PageFactory(body="\n\n".join(ATTACKS), slug="attack")
    response = signed_in_client(family_user).get(f"/learn/en/{page.slug}/")
    assert response.status_code == 200
    article = response.content.decode().split('<div class="edu-body">')[1].split("</div>")[0]
    assert_inert(article)
    assert "&lt;script&gt;" in article  # shown as text, not run


def test_body_headings_start_at_h2_and_keep_their_order():
    """Authors write '## Section' under the page title: it must become h2, not h3 (no skipped level)."""
    html = render_markdown("Intro\n\n## Section\n\n### Detail\n\n## Next")
    assert "<h2>Section</h2>" in html and "<h3>Detail</h3>" in html and "<h2>Next</h2>" in html
    assert "<h4>" not in html
