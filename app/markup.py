"""The only place where HTML is made from user text: Markdown → HTML → nh3 allowlist.

Call it when saving, store the result, and render the stored HTML: Markdown costs
about 2 ms per 2 KB post, nh3 0.1 ms (MEASUREMENTS.md).
"""

import html as html_module
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.util import AtomicString
from markupsafe import Markup

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del",
    "ins", "mark", "sub", "sup", "blockquote", "q", "cite", "code", "pre", "ul", "ol", "li",
    "dl", "dt", "dd", "a", "table", "thead", "tbody", "tr", "th", "td", "caption", "abbr",
}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# python-markdown's link and image patterns scan forward to the matching `]` and `)` for
# every `[`, starting again at the next one, so unclosed brackets cost O(n²)
# (Python-Markdown/markdown#798): 20 KB of `[`, a valid post, took 95 s to render.
# Their scans share this many characters per text (legitimate Markdown uses a fraction
# of it); once it is spent, the remaining brackets stay plain text.
LINK_SCAN_BUDGET = 2_000_000
# The longest `(destination "title")` looked for after a link's `]`.
LINK_DESTINATION_MAX = 4_000
# python-markdown's names and priorities for its patterns built on LinkInlineProcessor.
_LINK_PATTERNS = {
    "reference": 170, "link": 160, "image_link": 150, "image_reference": 140,
    "short_reference": 130, "short_image_ref": 125,
}


class _BoundedScan:
    """Mixin for the link patterns: the same parsing, charged to the text's scan budget."""

    def getText(self, data, index):
        if self.md.link_scan_left <= 0:
            return "", index, False
        text, end, handled = super().getText(data, index)
        self.md.link_scan_left -= end - index
        return text, end, handled

    def getLink(self, data, index):
        if not data.startswith("(", index):
            return super().getLink(data, index)  # not an inline link: nothing is scanned
        if self.md.link_scan_left <= 0:
            return "", None, index, False
        window = data[index:index + LINK_DESTINATION_MAX]
        href, title, end, handled = super().getLink(window, 0)
        if handled and end < 0:
            # python-markdown answers index -1 when a quote and a `(` leave the destination
            # open; that -1 counts from the end of the whole text, so ask it about all of it.
            self.md.link_scan_left -= len(data) - index
            return super().getLink(data, index)
        # Failing, or meeting a quote that makes no title, scans to the window's end.
        quoted = '"' in window[:end] or "'" in window[:end]
        scanned_all = not handled or (title is None and quoted)
        self.md.link_scan_left -= len(window) if scanned_all else end
        return href, title, index + end, handled


class _ResetScanBudget(Preprocessor):
    def run(self, lines):
        self.md.link_scan_left = LINK_SCAN_BUDGET
        return lines


class _BoundedLinkScans(Extension):
    """python-markdown's link and image patterns, with a bounded amount of scanning."""

    def extendMarkdown(self, md):
        md.link_scan_left = LINK_SCAN_BUDGET
        md.preprocessors.register(_ResetScanBudget(md), "link_scan_budget", 1000)
        for name, priority in _LINK_PATTERNS.items():
            original = md.inlinePatterns[name]
            bounded = type(f"Bounded{type(original).__name__}", (_BoundedScan, type(original)), {})
            md.inlinePatterns.register(bounded(original.pattern, md), name, priority)


class _RawHtmlAsText(Extension):
    """Raw HTML in a text is shown as typed, never parsed as HTML.

    Nobody writes HTML in a post or a sheet (content/ has none), and python-markdown's
    raw-HTML extractors are slow on hostile input (20 KB of « <a » took 5 s, nested
    `markdown="1"` blocks overflowed the stack): without them, « <script> » is text.
    """

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


# An address typed as is, « https://… » or « www.… »: its characters up to a space, a
# double quote, a bracket or a star (\x02 and \x03 wrap python-markdown's placeholders).
# Not after a letter, a digit or « /@.- » (the middle of a word, an e-mail, a path).
BARE_URL = r"(?<![^\W_]|[/@.-])(?:https?://|www\.)[^\s<>\"`\[\]{}*\x02\x03]+"
# What usually ends the sentence rather than the address: « voir https://a.fr/guide. »
URL_TRAILERS = ".,;:!?'’”)_»…"


def _address_end(url: str) -> str:
    """The address without the punctuation of its sentence; a closing parenthesis stays
    when it closes one of the address's own (https://fr.wikipedia.org/wiki/Tutorat_(x))."""
    end, opened, closed = len(url), url.count("("), url.count(")")
    while end and url[end - 1] in URL_TRAILERS:
        if url[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return url[:end]


def _is_address(href: str) -> bool:
    """An address nh3 keeps, with a dotted host: else the text stays as typed (nh3 would
    drop the target and leave a link that goes nowhere)."""
    try:
        host = urlsplit(href).hostname or ""
    except ValueError:
        return False
    if "." not in host:
        return False
    probe = nh3.clean(f'<a href="{html_module.escape(href)}">x</a>', tags={"a"},
                      attributes={"a": {"href"}}, url_schemes=URL_SCHEMES)
    return "href=" in probe


class _BareUrlPattern(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)  # the text of a link is never made a second link

    def handleMatch(self, m, data):
        url = _address_end(m.group(0))
        href = url if url.startswith(("http://", "https://")) else "https://" + url
        if not _is_address(href):
            return None, None, None
        link = etree.Element("a")
        link.set("href", href)
        # Atomic: the address is shown as typed, its « _x_ » never read as emphasis (which
        # would also cost python-markdown's inline patterns a pass per address).
        link.text = AtomicString(url)
        return link, m.start(0), m.start(0) + len(url)


class _BareUrls(Extension):
    """An address pasted as is becomes a link, as in Discourse: nobody types <https://…>."""

    def extendMarkdown(self, md):
        # After code spans, links and <autolinks> (190 to 120), before emphasis (60), so
        # that the « _ » of an address never turns into italics.
        md.inlinePatterns.register(_BareUrlPattern(BARE_URL, md), "bare_url", 95)


def _markdown(text: str) -> str:
    # "extra" without abbreviations (slow on hostile input: 4 s for 20 KB), attribute
    # lists (they could only add attributes nh3 removes), footnotes and HTML blocks.
    return markdown.markdown(
        text or "",
        extensions=["fenced_code", "tables", "def_list", "sane_lists", _RawHtmlAsText(),
                    _BoundedLinkScans(), _BareUrls()],
        output_format="html",
    )


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML: no scripts, event handlers, styles, iframes or javascript: links.

    Headings are shifted down one level so that a text's `#` never competes with
    the page's own <h1>.
    """
    html = _markdown(text)
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}", f"<h{level + 1}").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704  (sanitised by nh3 just above)


def plain_text(text: str, limit: int | None = None) -> str:
    """The text of some Markdown without its markup (excerpts, e-mails, the index): plain
    characters, « & » and « < » included; whatever shows it escapes it again if HTML."""
    words = html_module.unescape(nh3.clean(_markdown(text), tags=set())).split()
    result = " ".join(words)
    if limit and len(result) > limit:
        result = result[: limit - 1].rsplit(" ", 1)[0] + "…"
    return result


def html_text(html: str) -> str:
    """The words of some sanitised HTML (stored at save: no Markdown to run again)."""
    return " ".join(html_module.unescape(nh3.clean(html or "", tags=set())).split())


def html_excerpt(html: str, limit: int = 300) -> str:
    """The words of some sanitised HTML, cut at a word boundary (escaped again when shown)."""
    text = html_text(html)
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text
