"""French text analysis for the index and the queries.

Measured (MEASUREMENTS.md): fold accents *before* stemming, or unaccented
queries miss accented words. But the Snowball stemmer alone, on folded words,
keeps many feminine forms apart from their masculine (salariée/salarié,
première/premier, infirmière/infirmier, veilleuse/veilleur) and crushes sector
abbreviations (« VAE » → « va », « TMS » → « tm »). So the chain, for
« Les tuteur·rices d’intégration » :

tokenize (apostrophes, hyphens, the middle dot handled) → keep the word before
the middle dot → lower-case → fold accents → drop elided articles and stop
words → bring plurals and feminine forms to the masculine singular → Snowball
stem, only for words of five letters or more (short words are mostly
abbreviations: AS, ASH, AES, IDEC, VAE, TMS, PEC).

The class names below are stored, pickled, in the index schema: keep them.
"""

import re
from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
)
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

# Words with an inner middle dot (inclusive writing) stay one token: salarié·es;
# the dotted form with full stops too (salarié.e.s), for the usual endings only.
WORD_PATTERN = (r"\w+(?:[·⋅•∙]\w+)*"
                r"(?:\.(?:e|es|s|rice|rices|se|ses|le|les|ne|nes|te|tes|x)\b)*")
MIDDLE_DOTS = re.compile(r"(?:[·⋅•∙]|\.(?=[a-z]))\w*", re.IGNORECASE)

# Stop words, accents folded, without the ones that are sector abbreviations
# (« AS », « ASH », « IDE »). Elided forms (l’, d’, qu’, jusqu’) are here too.
STOP_WORDS = frozenset({
    "a", "afin", "ai", "alors", "au", "aux", "avec", "avoir", "c", "ca", "car", "ce", "ceci",
    "cela", "celle", "celles", "celui", "ces", "cet", "cette", "ceux", "chez", "comme",
    "comment", "d", "dans", "de", "des", "donc", "dont", "du", "e", "elle", "elles", "en",
    "entre", "es", "est", "et", "etaient", "etait", "ete", "etre", "eux", "il", "ils", "j",
    "je", "jusqu", "l", "la", "le", "les", "leur", "leurs", "lors", "lorsqu", "lui", "m",
    "ma", "mais", "me", "meme", "mes", "moi", "mon", "n", "ne", "ni", "nos", "notre", "nous",
    "on", "ont", "ou", "par", "pas", "plus", "pour", "puisqu", "qu", "quand", "que", "quel",
    "quelle", "quelles", "quels", "qui", "quoi", "quoiqu", "s", "sa", "sans", "se", "ses",
    "si", "son", "sont", "sous", "sur", "t", "ta", "te", "tes", "toi", "ton", "tres", "tu",
    "un", "une", "vers", "vos", "votre", "vous", "y",
})

# Irregular forms the rules below cannot guess.
IRREGULAR = {
    "nouvel": "nouveau", "nouvelle": "nouveau", "nouvelles": "nouveau", "nouveaux": "nouveau",
    "belle": "beau", "belles": "beau", "bel": "beau", "beaux": "beau",
    "vieille": "vieux", "vieilles": "vieux", "vieil": "vieux",
    "travaux": "travail", "cheffe": "chef", "cheffes": "chef", "oeil": "yeux",
    "fils": "fils", "mois": "mois", "fois": "fois", "temps": "temps", "corps": "corps",
    "cas": "cas", "tous": "tout", "toute": "tout", "toutes": "tout",
}

_snowball = stemmer_for_language("fr")


@lru_cache(maxsize=200_000)
def stems(word: str) -> tuple[str, ...]:
    """The indexed forms of a folded, lower-case word (two for -euse: -eur and -eux)."""
    if word in IRREGULAR:
        word = IRREGULAR[word]
        return (_snowball(word) if len(word) > 4 else word,)
    size = len(word)
    if size > 3 and word[-1] == "s" and word[-2] != "s":
        word, size = word[:-1], size - 1          # plurals: aides → aide
    elif size > 3 and word.endswith(("eaux", "eux", "oux")):
        word, size = word[:-1], size - 1          # bureaux, lieux, milieux
    elif size > 4 and word.endswith("aux"):
        word = word[:-3] + "al"                   # sociaux → social
    if size > 5 and word.endswith("ee"):
        word = word[:-1]                          # salariée → salarié
    elif size > 5 and word.endswith("ere"):
        word = word[:-3] + "er"                   # première → premier, étrangère
    elif size > 5 and word.endswith("rice"):
        word = word[:-4] + "eur"                  # tutrice → tuteur
    elif size > 5 and word.endswith("euse"):
        # veilleuse ~ veilleur, but heureuse ~ heureux: index both forms.
        return _stem(word[:-4] + "eur"), _stem(word[:-4] + "eu")
    return (_stem(word),)


def _stem(word: str) -> str:
    if len(word) <= 4:
        return word
    stem = _snowball(word)
    if stem.endswith("at") and word.endswith("ation") and len(stem) > 5:
        # Snowball leaves « format » for formation but « form » for former, « situat »
        # for situation but « situ » for situer: the noun of the action finds its verb.
        stem = stem[:-2]
    return stem


class InclusiveFilter(Filter):
    """salarié·es → salarié, tuteur·rices → tuteur: the word before the middle dot."""

    def __call__(self, tokens):
        for token in tokens:
            if "·" in token.text or "." in token.text or "⋅" in token.text \
                    or "•" in token.text or "∙" in token.text:
                token.text = MIDDLE_DOTS.sub("", token.text)
            yield token


class FeminineFilter(Filter):
    """Plurals and feminine forms to the masculine singular, then the French stem.

    A word with two forms (veilleuse: veilleur and veilleux) gives two tokens at
    the same position. Skipped in "no_morph" mode (the spelling words).
    """

    is_morph = True

    def __call__(self, tokens):
        for token in tokens:
            forms = stems(token.text)
            token.text = forms[0]
            token.alternative = False
            yield token
            for other in forms[1:]:
                token.text = other
                token.alternative = True
                yield token


class PairFilter(Filter):
    """After each word, the pair it makes with the word before (« livret accueil »).

    Indexed as terms of their own, pairs answer "quoted phrases", hyphenated
    words (aide-soignante) and words typed side by side without the positions
    that would make every posting list several times bigger and slower to read.
    Stop words are already gone: « équipe de nuit » gives the pair « equip nuit ».
    """

    is_morph = True

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            if token.alternative:
                yield token  # a second form of the same word (veilleuse): no pair
                continue
            word = token.text
            yield token
            if previous is not None:
                token.text = f"{previous} {word}"
                yield token
            previous = word


def french_analyzer(stem: bool = True, pairs: bool = False):
    """The analysis chain; pairs=True for the indexed text fields (not for queries)."""
    chain = (
        RegexTokenizer(WORD_PATTERN)
        | InclusiveFilter()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
    )
    if not stem:
        return chain
    chain = chain | FeminineFilter()
    return chain | PairFilter() if pairs else chain


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, ...]:
    """The indexed forms of one word as written in a text (none for a stop word)."""
    if "·" in word or "." in word or "⋅" in word or "•" in word or "∙" in word:
        word = MIDDLE_DOTS.sub("", word)
    folded = word.lower().translate(accent_map)
    if not folded or folded in STOP_WORDS:
        return ()
    return stems(folded)


def fold(text: str) -> list[str]:
    """The words of a text as the analyzer sees them before stemming."""
    return [token.text for token in french_analyzer(stem=False)(text)]


def analyse(text: str) -> list[list[str]]:
    """The indexed forms of a text, position by position (query side)."""
    positions: list[list[str]] = []
    last = None
    for token in french_analyzer()(text, positions=True):
        if token.pos == last:
            positions[-1].append(token.text)
        else:
            positions.append([token.text])
            last = token.pos
    return positions
