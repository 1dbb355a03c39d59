"""The only place where HTML is made from user text: Markdown → HTML → nh3 allowlist.

Call it when saving, store the result, and render the stored HTML: Markdown costs
about 2 ms per 2 KB post, nh3 0.1 ms (MEASUREMENTS.md).
"""

import html as html_module

import markdown
import nh3
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del",
    "ins", "mark", "sub", "sup", "blockquote", "q", "cite", "code", "pre", "ul", "ol", "li",
    "dl", "dt", "dd", "a", "table", "thead", "tbody", "tr", "th", "td", "caption", "abbr",
}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Characters that python-markdown's link and image patterns may scan in one text.
# Legitimate Markdown uses a small fraction of it; 20 KB of `[` would otherwise need
# 400 million steps (a worker pinned for minutes), see _BoundedLinkScans.
LINK_SCAN_BUDGET = 2_000_000
# Longest `(destination "title")` looked for after a link's `]`.
LINK_DESTINATION_MAX = 4_000
# python-markdown's names and priorities for the patterns built on LinkInlineProcessor.
_LINK_PATTERNS = {
    "reference": 170, "link": 160, "image_link": 150, "image_reference": 140,
    "short_reference": 130, "short_image_ref": 125,
}


class _BoundedScan:
    """Mixin for python-markdown's link patterns: their scans share a per-text budget.

    For every `[` they scan forward to the matching `]` and then to the `)`, and start
    again from scratch at the next `[`: unclosed brackets cost O(n²)
    (Python-Markdown/markdown#798). Within the budget nothing changes; once it is
    spent, the remaining brackets are plain text.
    """

    def getText(self, data, index):
        if self.md.link_scan_left <= 0:
            return "", index, False
        text, end, handled = super().getText(data, index)
        self.md.link_scan_left -= end - index
        return text, end, handled

    def getLink(self, data, index):
        if data[index:index + 1] != "(":
            return super().getLink(data, index)  # no scan: not an inline link
        if self.md.link_scan_left <= 0:
            return "", None, index, False
        window = data[: index + LINK_DESTINATION_MAX]
        href, title, end, handled = super().getLink(window, index)
        unresolved_quote = title is None and ('"' in window[index:end] or "'" in window[index:end])
        # A failure, or a quote that did not make a title, means a scan to the window's end.
        self.md.link_scan_left -= end - index if handled and not unresolved_quote else (
            len(window) - index)
        return href, title, end, handled


class _ResetBudget(Preprocessor):
    def run(self, lines):
        self.md.link_scan_left = LINK_SCAN_BUDGET
        return lines


class _BoundedLinkScans(Extension):
    """The link and image patterns of python-markdown, with a bounded amount of scanning."""

    def extendMarkdown(self, md):
        md.link_scan_left = LINK_SCAN_BUDGET
        md.preprocessors.register(_ResetBudget(md), "compagnon_link_budget", 1000)
        for name, priority in _LINK_PATTERNS.items():
            original = md.inlinePatterns[name]
            bounded = type(f"Bounded{type(original).__name__}", (_BoundedScan, type(original)), {})
            md.inlinePatterns.register(bounded(original.pattern, md), name, priority)


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML: no scripts, event handlers, styles, iframes or javascript: links.

    Headings are shifted down one level so that a text's `#` never competes with
    the page's own <h1>.
    """
    html = markdown.markdown(
        text or "",
        extensions=["extra", "sane_lists", _BoundedLinkScans()],
        output_format="html",
    )
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
    """The text of some Markdown without its markup (excerpts, e-mails)."""
    html = markdown.markdown(text or "", extensions=["extra"])
    words = nh3.clean(html, tags=set()).split()
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
