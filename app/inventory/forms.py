"""The campaign form. The questionnaire itself is read field by field (services.read_values)
because its questions are data."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from app.web import strip

REQUIRED = "Ce champ est obligatoire."


class CampaignForm(FlaskForm):
    title = StringField(
        "Titre du recensement",
        validators=[DataRequired(REQUIRED), Length(max=200, message="200 caractères au plus.")],
        filters=[strip],
        description="Par exemple : « Recensement des pratiques d’accueil 2026 ».",
    )
    questionnaire = SelectField("Questionnaire", validators=[InputRequired(REQUIRED)])
    opens_on = DateField("Ouverture", validators=[InputRequired("Saisissez une date valide.")])
    closes_on = DateField("Clôture", validators=[InputRequired("Saisissez une date valide.")],
                          description="Les employeurs peuvent répondre jusqu’à ce jour inclus.")
