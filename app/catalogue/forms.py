"""Trainers' forms for modules, lessons and questions."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.catalogue.models import AUDIENCES
from app.library import taxonomy
from app.web import strip

REQUIRED = "Ce champ est obligatoire."


def _minutes(low: int, high: int):
    """A duration between low and high minutes; one typed in letters has its own message
    already (invalid_value_message), not this one besides."""
    def check(_form, field) -> None:
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(f"Entre {low} et {high} minutes.")
    return check


class ModuleForm(FlaskForm):
    title = StringField("Titre", filters=[strip], validators=[
        DataRequired(REQUIRED), Length(max=200, message="200 caractères au plus.")])
    summary = TextAreaField("Résumé", filters=[strip], render_kw={"rows": 3}, validators=[
        DataRequired(REQUIRED), Length(max=600, message="600 caractères au plus.")])
    duration_minutes = IntegerField(
        "Durée (minutes)", validators=[
            InputRequired("Indiquez une durée en minutes."), _minutes(5, 240)],
        invalid_value_message="Indiquez une durée en minutes, en chiffres (par exemple 30).",
        render_kw={"inputmode": "numeric"})
    audience = SelectField("Public", choices=[SelectChoice(k, v) for k, v in AUDIENCES.items()])
    theme = SelectField("Thème")
    objectives = TextAreaField("Objectifs (un par ligne)", render_kw={"rows": 4},
                               validators=[Optional(), Length(max=3000)])
    intro_md = TextAreaField("Introduction (Markdown, facultatif)", render_kw={"rows": 5},
                             validators=[Optional(), Length(max=20_000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme.choices = [SelectChoice(s, label) for s, label in taxonomy.terms("category")]


class LessonForm(FlaskForm):
    title = StringField("Titre de la leçon", filters=[strip], validators=[
        DataRequired(REQUIRED), Length(max=200, message="200 caractères au plus.")])
    duration_minutes = IntegerField(
        "Durée (minutes)", default=10, validators=[
            InputRequired("Indiquez une durée en minutes."), _minutes(1, 120)],
        invalid_value_message="Indiquez une durée en minutes, en chiffres (par exemple 10).",
        render_kw={"inputmode": "numeric"})
    body_md = TextAreaField(
        "Texte de la leçon", render_kw={"rows": 18},
        description="Markdown : ## Titre, **gras**, - liste, > citation. 300 à 900 mots.",
        validators=[Optional(), Length(max=50_000, message="50 000 caractères au plus.")])


class QuestionForm(FlaskForm):
    prompt = TextAreaField("Question", filters=[strip], render_kw={"rows": 2},
                           validators=[DataRequired(REQUIRED), Length(max=1000)])
    kind = SelectField("Type", choices=[SelectChoice("single", "Une seule bonne réponse"),
                                        SelectChoice("multiple", "Plusieurs bonnes réponses")])
    choices = TextAreaField(
        "Réponses possibles", render_kw={"rows": 4},
        description="Une par ligne ; commencez la ou les bonnes réponses par un astérisque (*).",
        validators=[DataRequired(REQUIRED), Length(max=3000)])
    explanation = TextAreaField("Explication montrée après la réponse", render_kw={"rows": 2},
                                validators=[Optional(), Length(max=2000)])
