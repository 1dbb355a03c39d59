"""The vendored and hand-written static files are whole (a merge once dropped a brace,
and every rule after it silently stopped applying)."""

from app.config import ROOT


def test_the_stylesheet_has_balanced_braces_and_no_merge_markers():
    css = (ROOT / "static" / "css" / "compagnon.css").read_text()
    depth = 0
    for number, line in enumerate(css.splitlines(), 1):
        assert not line.startswith(("<<<<<<<", "=======", ">>>>>>>")), f"line {number}"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"line {number}: a closing brace too many"
    assert depth == 0, "a block is never closed"
