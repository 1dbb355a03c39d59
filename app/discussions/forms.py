"""Discussion forms. Every message a person reads is French; the services check again."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.discussions.models import EMAIL_FREQUENCY_LABELS, REPORT_REASONS
from app.web import strip

REQUIRED = "Ce champ est obligatoire."
BODY_HELP = ("Mise en forme Markdown : **gras**, *italique*, - liste, > citation ; une adresse "
             "collée (https://…) devient un lien ; les images se joignent en fichiers. "
             "Mentionnez quelqu’un en tapant @ suivi de son prénom et de son nom.")
FILES_HELP = ("Jusqu’à 5 fichiers, 10 Mo chacun et 20 Mo en tout : PDF, DOCX, ODT, XLSX, ODS, "
              "PNG ou JPEG.")
CATEGORY_CHOICE = "Choisissez une catégorie ouverte dans la liste."


def no_nul(value):
    """A NUL character is never stored (PostgreSQL refuses it), nor shown back."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _body(label: str, rows: int = 8, id: str | None = None):
    return TextAreaField(
        label, id=id, filters=[no_nul],
        validators=[InputRequired("Écrivez votre message avant de l’envoyer."),
                    Length(max=20_000, message="20 000 caractères au plus.")],
        description=BODY_HELP, render_kw={"rows": rows},
    )


class ThreadForm(FlaskForm):
    category_id = SelectField("Catégorie", coerce=int, validate_choice=True,
                              invalid_choice_message=CATEGORY_CHOICE,
                              invalid_value_message=CATEGORY_CHOICE)
    title = StringField(
        "Titre de la discussion",
        validators=[DataRequired("Donnez un titre à votre discussion."),
                    Length(max=200, message="200 caractères au plus.")],
        filters=[strip, no_nul],
        description="Une question ou un sujet, en une phrase : « Comment organisez-vous "
                    "le premier week-end d’un·e nouveau·elle salarié·e ? »",
    )
    body = _body("Votre message", rows=10)
    files = MultipleFileField("Joindre des fichiers (facultatif)", description=FILES_HELP)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice(c.id, c.name) for c in categories]


class ReplyForm(FlaskForm):
    body = _body("Votre réponse", rows=6, id="reply-body")
    files = MultipleFileField("Joindre des fichiers (facultatif)", description=FILES_HELP)
    # The last post the page shows: an htmx reply is appended only when nothing is missing.
    shown_until = HiddenField()
    # "1" when the box sits on another page (a contract's): back there afterwards.
    embedded = HiddenField()


class EditPostForm(FlaskForm):
    """Built with prefix="m<post id>": two messages edited in place never share an id.
    The title is there for the question of a public thread only."""

    title = StringField(
        "Titre de la discussion", filters=[strip, no_nul],
        validators=[DataRequired("Donnez un titre à votre discussion."),
                    Length(max=200, message="200 caractères au plus.")],
    )
    body = _body("Votre message", rows=10)

    def __init__(self, *args, with_title: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.title


class ReportForm(FlaskForm):
    reason = RadioField("Pourquoi signalez-vous ce message ?",
                        choices=[SelectChoice(k, v) for k, v in REPORT_REASONS.items()],
                        validators=[InputRequired("Choisissez une raison dans la liste.")],
                        validate_choice=True,
                        invalid_choice_message="Choisissez une raison dans la liste.")
    comment = TextAreaField(
        "Précisions (facultatif, obligatoire pour « Autre raison »)",
        validators=[Optional(), Length(max=1000, message="1 000 caractères au plus.")],
        description="Seule l’équipe de modération les lit.", render_kw={"rows": 3},
    )


class ModerationForm(FlaskForm):
    reason = TextAreaField(
        "Raison",
        validators=[Optional(), Length(max=1000, message="1 000 caractères au plus.")],
        description="La personne concernée la reçoit avec la décision.",
        render_kw={"rows": 2},
    )


class MoveForm(FlaskForm):
    category_id = SelectField("Nouvelle catégorie", coerce=int, validate_choice=True,
                              invalid_choice_message=CATEGORY_CHOICE,
                              invalid_value_message=CATEGORY_CHOICE)
    reason = StringField("Raison (facultatif)", filters=[strip],
                         validators=[Optional(),
                                     Length(max=1000, message="1 000 caractères au plus.")])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice(c.id, c.name) for c in categories]


class CategoryForm(FlaskForm):
    name = StringField("Nom", filters=[strip],
                       validators=[DataRequired("Donnez un nom à la catégorie."),
                                   Length(max=120, message="120 caractères au plus.")])
    description = TextAreaField("Description", filters=[strip],
                                validators=[Optional(),
                                            Length(max=400, message="400 caractères au plus.")],
                                description="Une phrase pour dire ce qu’on y trouve.",
                                render_kw={"rows": 2})
    archived = BooleanField("Archivée (plus de nouvelle discussion ; les anciennes restent "
                            "lisibles)")


class PreferencesForm(FlaskForm):
    email_frequency = RadioField(
        "Recevoir mes notifications par e-mail",
        choices=[SelectChoice(k.value, v) for k, v in EMAIL_FREQUENCY_LABELS.items()],
        validators=[InputRequired("Choisissez une des possibilités.")],
        validate_choice=True, invalid_choice_message="Choisissez une des possibilités.",
    )
