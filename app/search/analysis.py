"""French text analysis for the index and the queries.

Measured (MEASUREMENTS.md): fold accents *before* stemming, or unaccented
queries miss accented words. The chain, for « Les tuteur·rices d’intégration » :
tokenize (apostrophes, hyphens and the middle dot handled) → lower-case →
drop elided articles and stop words → fold accents → feminine to masculine →
French Snowball stem.
"""

import re

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

# Words with an inner middle dot (inclusive writing) stay one token: salarié·es.
WORD_PATTERN = r"\w+(?:[·⋅•]\w+)*"
MIDDLE_DOTS = re.compile(r"[·⋅•]\w*")

# Stop words, without the ones that are sector abbreviations (« AS », « ASH »).
STOP_WORDS = frozenset({
    "a", "au", "aux", "avec", "ce", "ces", "c", "d", "dans", "de", "des", "du", "elle", "en",
    "et", "eux", "il", "ils", "je", "j", "l", "la", "le", "les", "leur", "leurs", "lui", "m",
    "ma", "mais", "me", "même", "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous", "on",
    "ou", "où", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sur",
    "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
    "été", "être", "avoir", "ont", "est", "sont", "cette", "cet", "sans", "sous", "si", "plus",
    "ni", "ceux", "celle", "celles", "dont", "comme", "chez", "entre", "vers", "lors",
    "afin",
})

_FEMININE = [
    (re.compile(r"rices?$"), "eur"),   # tutrice → tuteur, formatrices → formateur
    (re.compile(r"euses?$"), "eur"),   # soigneuse → soigneur
    (re.compile(r"^nouvel(le)?s?$"), "nouveau"),
    (re.compile(r"^nouveaux$"), "nouveau"),
]


class InclusiveFilter(Filter):
    """salarié·es → salarié, tuteur·rices → tuteur: the word before the middle dot."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = MIDDLE_DOTS.sub("", token.text)
            yield token


class FeminineFilter(Filter):
    """Bring feminine forms to the masculine before stemming (the stemmer keeps them apart)."""

    def __call__(self, tokens):
        for token in tokens:
            for pattern, replacement in _FEMININE:
                if pattern.search(token.text):
                    token.text = pattern.sub(replacement, token.text)
                    break
            yield token


def french_analyzer(stem: bool = True):
    chain = (
        RegexTokenizer(WORD_PATTERN)
        | InclusiveFilter()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | CharsetFilter(accent_map)
        | FeminineFilter()
    )
    return chain | StemFilter(lang="fr") if stem else chain


def fold(text: str) -> list[str]:
    """The words of a text as the analyzer sees them before stemming (for synonyms)."""
    return [token.text for token in french_analyzer(stem=False)(text)]
