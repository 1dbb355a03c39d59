"""Practice sheet forms. Choices come from the taxonomy tables at request time."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.library import taxonomy
from app.library.models import TaxonomyKind
from app.web import strip

MAX_TAGS = 10
REQUIRED = "Ce champ est obligatoire."
NOT_YOURS = "Choisissez une des structures dont vous êtes employeur·e."


def _choices(kind: str, empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(slug, label) for slug, label in taxonomy.terms(kind)
    ]


class PracticeForm(FlaskForm):
    organisation_id = SelectField("Organisation qui partage cette pratique", coerce=int,
                                  validate_choice=True,
                                  invalid_value_message=NOT_YOURS, invalid_choice_message=NOT_YOURS)
    title = StringField(
        "Titre",
        validators=[DataRequired(REQUIRED), Length(max=200, message="200 caractères au plus.")],
        filters=[strip],
        description="Ce que fait la pratique, en quelques mots : « Le binôme des deux "
                    "premières semaines à domicile ».",
    )
    summary = TextAreaField(
        "Résumé",
        validators=[InputRequired(REQUIRED), Length(max=600, message="600 caractères au plus.")],
        description="Une ou deux phrases : elles apparaissent dans la liste des fiches.",
        render_kw={"rows": 3},
    )
    body_md = TextAreaField(
        "Contenu de la fiche",
        validators=[InputRequired(REQUIRED),
                    Length(max=50_000, message="50 000 caractères au plus.")],
        description="Pourquoi, comment (les étapes), les outils, qui fait quoi, ce qui n’a pas "
                    "marché. Mise en forme Markdown : ## Titre, **gras**, - liste, > citation.",
        render_kw={"rows": 18},
    )
    # A forged value gets the same French message as the service would give.
    category = SelectField("Catégorie", validators=[InputRequired(REQUIRED)],
                           invalid_choice_message="Choisissez une catégorie dans la liste.")
    phase = SelectField("Étape de l’accueil", validators=[InputRequired(REQUIRED)],
                        invalid_choice_message="Choisissez une étape de l’accueil dans la liste.")
    sector = SelectField("Secteur", validators=[InputRequired(REQUIRED)],
                         invalid_choice_message="Choisissez un secteur dans la liste.")
    tags = StringField(
        "Mots-clés (facultatif)",
        validators=[Optional(), Length(max=400, message="400 caractères au plus.")],
        description="Séparés par des virgules, par exemple : livret, binôme, rapport "
                    "d’étonnement. Dix au plus.",
    )

    def validate_tags(self, field):
        if len([t for t in (field.data or "").split(",") if t.strip()]) > MAX_TAGS:
            raise ValidationError(f"{MAX_TAGS} mots-clés au plus : retirez-en quelques-uns.")

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = _choices(TaxonomyKind.CATEGORY, "— Choisir une catégorie —")
        self.phase.choices = _choices(TaxonomyKind.PHASE, "— Choisir une étape —")
        self.sector.choices = _choices(TaxonomyKind.SECTOR, "— Choisir un secteur —")
        self.organisation_id.choices = [SelectChoice(o.id, o.name) for o in organisations]
        if not organisations:
            del self.organisation_id


class ReviewForm(FlaskForm):
    comment = TextAreaField(
        "Ce qui est à reprendre",
        validators=[Optional(), Length(max=5000, message="5 000 caractères au plus.")],
        description="Visible par les auteur·es de la fiche. Obligatoire pour renvoyer la fiche.",
        render_kw={"rows": 4},
    )


class FileForm(FlaskForm):
    file = FileField(
        "Ajouter un outil (fichier)",
        description="PDF, DOCX, ODT, XLSX, ODS, PNG ou JPEG, 10 Mo au plus.",
    )


class AdoptForm(FlaskForm):
    organisation_id = SelectField("Pour l’organisation", coerce=int)
