"""French as people type it: each case finds the sheet that says it otherwise, and only it."""

import pytest

from app.search.analysis import analyse
from tests.search import community, found, make_sheet, results


@pytest.fixture
def org(app):
    return community(app).org


def sheet(app, org, title, body, **fields):
    """A published sheet filed so that its labels add no word of the cases below."""
    values = {"summary": "", "tags": [], "category": "recrutement", "phase": "avant-arrivee",
              "sector": "tous"}
    values.update(fields)
    return make_sheet(app, org, title=title, body_md=body, **values)


def test_accents_or_none_and_plural_find_the_same_sheet(app, org):
    target = sheet(app, org, "Sécurité des interventions", "La sécurité avant tout.")
    decoy = sheet(app, org, "Le café du lundi", "Un moment convivial.")
    for query in ("securite", "sécurités", "SECURITES", "Sécurité"):
        assert found(app, query) == [target], query
    assert decoy not in found(app, "securite")


@pytest.mark.parametrize(("written", "typed"), [
    ("Nos tuteurs se relaient", "tutrice"),
    ("Une tutrice par personne", "tuteurs"),
    ("Les nouveaux arrivent lundi", "nouvelles"),
    ("La nouvelle recrue arrive", "nouveaux"),
    ("Chaque salarié reçoit un livret", "salariées"),
    ("Le premier entretien", "première"),
    ("Le veilleur de nuit", "veilleuses"),
    ("Une infirmière référente", "infirmiers"),
    ("Des gestes sociaux", "sociale"),
    ("Les milieux professionnels", "milieu"),
])
def test_plural_and_feminine_forms_find_each_other(app, org, written, typed):
    target = sheet(app, org, "Une pratique", written)
    sheet(app, org, "Autre chose", "Rien à voir avec la question.")
    assert found(app, typed) == [target]


@pytest.mark.parametrize("typed", ["l'accueil", "l’accueil", "L’ACCUEIL", "d’accueil",
                                   "d'accueil"])
def test_elisions_with_both_apostrophes(app, org, typed):
    target = sheet(app, org, "Le livret", "Pensé pour l’accueil des personnes.")
    sheet(app, org, "Autre chose", "Les lundis et les jeudis.")  # « l » and « d » are not words
    assert found(app, typed) == [target]


def test_elided_article_is_not_a_word(app, org):
    sheet(app, org, "Le livret", "Le livret d’intégration.")
    assert found(app, "l'") == []
    assert found(app, "d’intégration") == found(app, "intégration") != []


@pytest.mark.parametrize(("written", "typed"), [
    ("Tous les salariés sont invités", "salarié·es"),
    ("Les tutrices se forment", "tuteur·rices"),
    ("Les nouvelles arrivent lundi", "nouveaux·elles"),
    ("Chaque salarié·e reçoit un livret", "salariés"),
    ("Les référent·es de proximité", "référente"),
    ("Chaque salarié.e reçoit un livret", "salariée"),
])
def test_middle_dot_inclusive_writing(app, org, written, typed):
    target = sheet(app, org, "Une pratique", written)
    sheet(app, org, "Autre chose", "Rien à voir avec la question.")
    assert found(app, typed) == [target]


def test_hyphenated_words_match_side_by_side_only(app, org):
    plural = sheet(app, org, "Doublure", "Les aides-soignantes en doublure.")
    spaced = sheet(app, org, "Binôme", "Une aide soignante expérimentée.")
    apart = sheet(app, org, "Domicile", "Une aide à domicile et un infirmier soignant.")
    hits = found(app, "aide-soignante")
    assert sorted(hits) == sorted([plural, spaced])
    assert apart not in hits


def test_abbreviations_are_kept_as_words(app, org):
    aide = sheet(app, org, "Le binôme AS", "Chaque AS nouvellement recrutée a un binôme.")
    vae = sheet(app, org, "Parcours VAE", "Une VAE accompagnée par l’IDEC.")
    sheet(app, org, "Tout va bien", "Ça va, on a le temps.")
    assert found(app, "AS") == [aide]  # not a stop word
    assert found(app, "VAE") == [vae]  # not stemmed to « va »
    assert found(app, "idec") == [vae]
    assert analyse("TMS AES MRS ASH") == [["tms"], ["aes"], ["mrs"], ["ash"]]


def test_typo_is_corrected_and_said(app, org):
    first = sheet(app, org, "Journée d’intégration", "Une intégration réussie.",
                  summary="L’intégration des nouveaux salariés.")
    second = sheet(app, org, "Intégration en équipe de nuit", "Intégrer la nuit.")
    sheet(app, org, "Le café du lundi", "Un moment convivial.")
    answer = results(app, "integartion")
    assert sorted(hit.slug for hit in answer.hits) == sorted([first, second])
    assert answer.corrected_from == "integartion"
    assert answer.request.text == "integration"
    # A word the sheets hold is never « corrected ».
    assert results(app, "intégration").corrected_from is None


def test_synonym_finds_the_sheet_that_uses_another_word(app, org):
    tutorat = sheet(app, org, "Temps dédié", "Le tutorat est inscrit au planning.")
    sheet(app, org, "Le café du lundi", "Un moment convivial.")
    assert found(app, "parrainage") == [tutorat]
    assert found(app, "mentorat") == [tutorat]
    assert results(app, "parrainage").corrected_from is None  # a thesaurus word, not a typo


def test_exact_word_ranks_above_a_synonym_only_match(app, org):
    # The two sheets are alike but for the word: the one that says it comes first.
    synonym = sheet(app, org, "Accompagner les arrivées", "Le tutorat dure six mois.")
    exact = sheet(app, org, "Accompagner les arrivées", "Le parrainage dure six mois.")
    assert found(app, "parrainage") == [exact, synonym]
    assert found(app, "tutorat") == [synonym, exact]


def test_rare_synonym_never_outweighs_a_common_word_typed(app, org):
    # « tuteur » is in every sheet; « marraine » (its synonym) in one only.
    sheets = [sheet(app, org, f"Pratique {n}", f"Le tuteur accompagne, étape {n}.")
              for n in range(4)]
    marraine = sheet(app, org, "Marraine", "Une marraine pour chaque arrivée.")
    titled = sheet(app, org, "Former le tuteur", "Trois demi-journées.")
    hits = found(app, "tuteur")
    assert hits[0] == titled
    assert hits.index(marraine) == len(hits) - 1
    assert set(sheets) <= set(hits)


def test_quoted_phrase_needs_the_words_side_by_side(app, org):
    together = sheet(app, org, "Étonnement", "Le rapport d’étonnement du premier mois.")
    apart = sheet(app, org, "Bilan", "Un rapport écrit, sans étonnement.")
    assert found(app, '"rapport d’étonnement"') == [together]
    assert set(found(app, "rapport étonnement")) == {together, apart}
    assert found(app, "rapport étonnement")[0] == together  # side by side ranks first


def test_prefix_search(app, org):
    tutorat = sheet(app, org, "Temps dédié", "Le tutorat au planning.")
    sheet(app, org, "Le café du lundi", "Un moment convivial.")
    assert found(app, "tuto*") == [tutorat]
