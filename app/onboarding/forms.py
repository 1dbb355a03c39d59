"""Contract forms. Fixed fields are WTForms fields; the rows that people add (objectives,
skills, one assessment per skill) are read by the functions at the end, by name."""

import re
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.onboarding import services
from app.onboarding.models import (
    CONTRACT_TYPES,
    JOBS,
    NEEDS,
    OUTCOMES,
    SECTIONS,
    SKILL_KINDS,
)
from app.web import strip

REQUIRED = "Ce champ est obligatoire."
BAD_DATE = "Saisissez une date valide, par exemple 15/03/2027."
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
LONG = Length(max=services.MAX_TEXT, message="20 000 caractères au plus.")


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def _date(label, required=True, **kwargs):
    validators = [InputRequired(BAD_DATE)] if required else [Optional()]
    return DateField(label, validators=validators, format=DATE_FORMATS,
                     invalid_value_message=BAD_DATE, **kwargs)


MONTHS = "Indiquez une durée en mois, de 1 à 24."


def _months_in_range(_form, field) -> None:
    """A number out of range; a value that is no number already has its message."""
    if field.data is not None and not 1 <= field.data <= 24:
        raise ValidationError("L’accompagnement dure de 1 à 24 mois.")


def _choices(labels: dict, empty: str | None = None) -> list[SelectChoice]:
    head = [SelectChoice("", empty)] if empty else []
    return head + [SelectChoice(value, label) for value, label in labels.items()]


class PersonForm(FlaskForm):
    """Step 1: the newcomer and the job (and, at creation, the organisation and template)."""

    organisation_id = SelectField("Organisation employeuse", coerce=int,
                                  invalid_value_message="Choisissez une organisation de la liste.",
                                  invalid_choice_message="Choisissez une organisation de la liste.")
    template_id = SelectField("Modèle de livret", coerce=_optional_int,
                              invalid_value_message="Choisissez un modèle dans la liste.",
                              invalid_choice_message="Choisissez un modèle dans la liste.",
                              description="Le modèle remplit le livret, les objectifs et la "
                                          "grille de compétences : vous les adaptez ensuite.")
    newcomer_name = StringField(
        "Prénom et nom de la personne accueillie",
        validators=[InputRequired(REQUIRED), Length(max=120, message="120 caractères au plus.")],
        filters=[strip], render_kw={"autocomplete": "off"})
    newcomer_email = EmailField(
        "Son adresse e-mail (facultatif)",
        validators=[Optional(), Email("Saisissez une adresse e-mail valide, par exemple "
                                      "prenom.nom@exemple.fr."), Length(max=254)],
        filters=[strip], description="Beaucoup de nouveaux·elles salarié·es n’en ont pas : "
        "sans adresse, la personne signe en présence de son tuteur ou de sa tutrice.",
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    job = SelectField("Métier", choices=_choices(JOBS),
                      invalid_choice_message="Choisissez un métier dans la liste.")
    job_title = StringField("Intitulé du poste (facultatif)", filters=[strip],
                            validators=[Length(max=120, message="120 caractères au plus.")],
                            description="Par exemple : « Aide-soignante de nuit, unité "
                                        "protégée ».")
    contract_type = RadioField("Type de contrat", choices=_choices(CONTRACT_TYPES),
                               validators=[InputRequired("Choisissez le type de contrat.")],
                               invalid_choice_message="Choisissez un type de contrat "
                                                      "dans la liste.")

    def __init__(self, *args, organisations=None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.organisation_id
            del self.template_id
            return
        self.organisation_id.choices = [SelectChoice(o.id, o.name) for o in organisations]
        # At creation the job may come from the template (left empty: the template's).
        self.job.choices = _choices(JOBS, empty="Celui du modèle choisi")
        self.template_id.choices = [SelectChoice("", "Sans modèle : un livret vierge")] + [
            SelectChoice(t.id, f"{t.title}" + ("" if t.is_shared else " (votre modèle)"))
            for t in templates or []]


class DatesForm(FlaskForm):
    start_on = _date("Date de début du contrat")
    end_on = _date("Date de fin du contrat", required=False,
                   description="Laissez vide pour un CDI.")
    accompaniment_months = IntegerField(
        "Durée de l’accompagnement (en mois)",
        validators=[InputRequired(MONTHS), _months_in_range],
        invalid_value_message=MONTHS,
        description="Six mois d’ordinaire : la rencontre de bilan a lieu au plus tard six mois "
                    "après le début, ou deux semaines avant la fin du contrat.",
        render_kw={"inputmode": "numeric"})


class PartiesForm(FlaskForm):
    tutor_id = SelectField("Tuteur ou tutrice", coerce=_optional_int,
                           invalid_value_message="Choisissez un·e tuteur·rice de la liste.",
                           invalid_choice_message="Choisissez un·e tuteur·rice parmi les "
                                                  "membres de l’organisation.")
    referent_id = SelectField("Référent·e du service d’accompagnement (facultatif)",
                              coerce=_optional_int,
                              invalid_value_message="Choisissez un·e référent·e dans la liste.",
                              invalid_choice_message="Choisissez un·e référent·e dans la liste.",
                              description="Mission Locale, SIAE, France Travail, PLIE… quand la "
                                          "personne est accompagnée par un service.")
    newcomer_id = SelectField("Compte Compagnon de la personne (facultatif)",
                              coerce=_optional_int,
                              invalid_value_message="Choisissez un compte dans la liste.",
                              invalid_choice_message="Choisissez un compte dans la liste.",
                              description="Seulement si elle a déjà un compte : elle pourra lire "
                                          "son contrat et le signer elle-même.")

    def __init__(self, *args, tutors=(), referents=(), newcomers=None, **kwargs):
        """`newcomers` None: the person may not see the organisation's newcomer accounts,
        and the form has no such field."""
        super().__init__(*args, **kwargs)
        self.tutor_id.choices = [SelectChoice("", "— Choisir —")] + [
            SelectChoice(u.id, u.full_name) for u in tutors]
        self.referent_id.choices = [SelectChoice("", "Pas de référent·e")] + [
            SelectChoice(u.id, u.full_name) for u in referents]
        if newcomers is None:
            del self.newcomer_id
            return
        self.newcomer_id.choices = [SelectChoice("", "Pas de compte")] + [
            SelectChoice(u.id, u.full_name) for u in newcomers]


class LivretForm(FlaskForm):
    job_description = TextAreaField(SECTIONS["job_description"], validators=[LONG],
                                    description="Missions, activités, horaires types, "
                                                "personnes accompagnées.",
                                    render_kw={"rows": 8})
    conditions = TextAreaField(SECTIONS["conditions"], validators=[LONG],
                               description="Horaires, lieu(x), temps de travail, tenue, "
                                           "déplacements.", render_kw={"rows": 5})
    roles = TextAreaField(SECTIONS["roles"], validators=[LONG],
                          description="Ce que fait la personne accueillie, son tuteur ou sa "
                                      "tutrice, la ou le référent·e, l’employeur·e.",
                          render_kw={"rows": 6})
    newcomer_skills = TextAreaField(SECTIONS["newcomer_skills"], validators=[LONG],
                                    description="Expériences, formations, savoir-faire et "
                                                "points d’appui de la personne.",
                                    render_kw={"rows": 5})


class NeedsForm(FlaskForm):
    needs = SelectMultipleField("Besoins au démarrage", choices=_choices(NEEDS),
                                validate_choice=True,
                                invalid_choice_message="Cochez des besoins de la liste.")
    needs_note = TextAreaField("Précisions (facultatif)", validators=[LONG],
                               description="Ce qui est prévu, par qui, avant quelle date.",
                               render_kw={"rows": 4})


class MeetingDateForm(FlaskForm):
    planned_on = _date("Date de la rencontre")
    planned_at = TimeField("Heure (facultatif)", validators=[Optional()],
                           invalid_value_message="Saisissez une heure, par exemple 14:30.")


class MeetingRecordForm(FlaskForm):
    held_on = _date("Date à laquelle la rencontre a eu lieu")
    other_attendees = StringField("Autres personnes présentes (facultatif)", filters=[strip],
                                  validators=[Length(max=300, message="300 caractères au plus.")],
                                  description="Séparées par des virgules.")
    points_acquired = TextAreaField("Points acquis", validators=[LONG], render_kw={"rows": 4})
    progress_axes = TextAreaField("Axes de progrès", validators=[LONG], render_kw={"rows": 4})
    decisions = TextAreaField("Décisions prises", validators=[LONG],
                              description="Qui fait quoi d’ici la prochaine rencontre.",
                              render_kw={"rows": 4})


class CloseForm(FlaskForm):
    outcome = RadioField("Issue de l’accompagnement",
                         choices=[SelectChoice(k, label) for k, (label, _) in OUTCOMES.items()],
                         validators=[InputRequired("Choisissez l’issue de l’accompagnement.")],
                         invalid_choice_message="Choisissez l’issue de l’accompagnement.")
    closed_on = _date("Date de fin de l’accompagnement")
    reason = TextAreaField("Raison ou précisions", validators=[Length(
        max=2000, message="2 000 caractères au plus.")],
        description="Obligatoire pour un départ anticipé : ce qui s’est passé, ce qui aurait "
                    "pu l’éviter.", render_kw={"rows": 4})


class ConfirmForm(FlaskForm):
    """A confirmation: the CSRF token alone."""


class InviteNewcomerForm(FlaskForm):
    email = EmailField("Adresse e-mail de la personne",
                       validators=[InputRequired(REQUIRED), Email(
                           "Saisissez une adresse e-mail valide, par exemple "
                           "prenom.nom@exemple.fr."), Length(max=254)],
                       filters=[strip], render_kw={"spellcheck": "false"})


class TemplateForm(FlaskForm):
    title = StringField("Titre du modèle", filters=[strip], validators=[
        InputRequired(REQUIRED), Length(max=200, message="200 caractères au plus.")])
    job = SelectField("Métier", choices=_choices(JOBS),
                      invalid_choice_message="Choisissez un métier dans la liste.")
    summary = TextAreaField("Présentation", validators=[Length(
        max=600, message="600 caractères au plus.")], render_kw={"rows": 2})
    job_description = LivretForm.job_description
    conditions = LivretForm.conditions
    roles = LivretForm.roles
    newcomer_skills = LivretForm.newcomer_skills
    objectives = TextAreaField(
        "Objectifs proposés", validators=[LONG], render_kw={"rows": 6},
        description="Un objectif par ligne ; l’indicateur après une barre verticale : "
                    "« Réaliser seul·e les toilettes du matin | 6 résident·es sans aide ».")
    savoir_faire = TextAreaField("Savoir-faire", validators=[LONG], render_kw={"rows": 8},
                                 description="Une compétence par ligne.")
    savoir_etre = TextAreaField("Savoir-être", validators=[LONG], render_kw={"rows": 6},
                                description="Une compétence par ligne.")

    def fill_from(self, template) -> None:
        self.title.data, self.job.data, self.summary.data = (
            template.title, template.job, template.summary)
        for name in SECTIONS:
            getattr(self, name).data = template.sections.get(name, "")
        self.objectives.data = "\n".join(
            o["text"] + (f" | {o['indicator']}" if o.get("indicator") else "")
            for o in template.objectives)
        self.savoir_faire.data = "\n".join(s["label"] for s in template.skills_of("savoir-faire"))
        self.savoir_etre.data = "\n".join(s["label"] for s in template.skills_of("savoir-etre"))

    def content(self) -> services.TemplateContent:
        # Every line that holds something, with its number: the service refuses a line it
        # cannot take (an indicator without its objective, a line too long) by its number.
        objectives = []
        for number, raw in enumerate((self.objectives.data or "").splitlines(), start=1):
            text, _, indicator = raw.partition("|")
            if raw.strip():
                objectives.append({"text": text, "indicator": indicator, "line": number})
        skills = [{"kind": kind, "label": raw, "line": number}
                  for kind in SKILL_KINDS
                  for number, raw in enumerate(
                      (getattr(self, kind.replace("-", "_")).data or "").splitlines(), start=1)
                  if raw.strip()]
        return services.TemplateContent(
            title=self.title.data or "", job=self.job.data or "", summary=self.summary.data or "",
            sections={name: getattr(self, name).data or "" for name in SECTIONS},
            objectives=objectives, skills=skills)


# --- Rows read by name ----------------------------------------------------------------


def parse_date(text: str | None) -> date | None:
    """A date typed as 2027-03-15 or 15/03/2027; raises ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def row_count(form, prefix: str, limit: int) -> int:
    """How many rows the form sent (the « n » of `prefix-n-…`), within a limit: at least
    the rows whose fields it holds, so that a forged or missing count erases nothing."""
    pattern = re.compile(rf"{re.escape(prefix)}-(\d{{1,3}})-[a-z]+")
    sent = [int(found.group(1)) for key in form if (found := pattern.fullmatch(key))]
    try:
        count = int(form.get(f"{prefix}-lignes", "0"))
    except ValueError:
        count = 0
    return max(0, min(max(count, max(sent, default=-1) + 1), limit))


def read_objectives(form) -> tuple[list[services.Objective], dict[str, str]]:
    rows, errors = [], {}
    for i in range(row_count(form, "objectif", services.MAX_ROWS)):
        name = f"objectif-{i}-echeance"
        try:
            target = parse_date(form.get(name))
        except ValueError:
            errors[name] = BAD_DATE
            target = None
        rows.append(services.Objective(key=form.get(f"objectif-{i}-cle", ""),
                                       text=form.get(f"objectif-{i}-texte", ""),
                                       indicator=form.get(f"objectif-{i}-indicateur", ""),
                                       target_on=target))
    return rows, errors


def objective_rows(form) -> list[dict]:
    """The objectives' rows exactly as typed, to show them again (a refused step, or one
    more row asked for): nothing typed is lost."""
    return [{"key": _typed(form, f"objectif-{i}-cle"), "text": _typed(form, f"objectif-{i}-texte"),
             "indicator": _typed(form, f"objectif-{i}-indicateur"),
             "target_on": _typed(form, f"objectif-{i}-echeance")}
            for i in range(row_count(form, "objectif", services.MAX_ROWS))]


def skill_rows(form) -> dict[str, list[dict]]:
    """The skills' rows as typed, by kind, in the order they were sent."""
    rows = {kind: [] for kind in SKILL_KINDS}
    for i in range(row_count(form, "competence", services.MAX_ROWS * 2)):
        kind = form.get(f"competence-{i}-type", "")
        if kind in rows:  # another kind is a forgery: refused, and not shown again
            rows[kind].append({"key": _typed(form, f"competence-{i}-cle"),
                               "label": _typed(form, f"competence-{i}-libelle")})
    return rows


def _typed(form, name: str) -> str:
    return (form.get(name) or "").replace("\x00", "")


def read_skills(form) -> list[services.Skill]:
    return [services.Skill(key=form.get(f"competence-{i}-cle", ""),
                           kind=form.get(f"competence-{i}-type", ""),
                           label=form.get(f"competence-{i}-libelle", ""))
            for i in range(row_count(form, "competence", services.MAX_ROWS * 2))]


def read_record(form, contract, held_on: date | None) -> services.MeetingRecord:
    """The parts of a meeting record that depend on the contract's skills and objectives."""
    attendees = [a for a in form.getlist("attendees") if a in attendee_choices(contract)]
    attendees += [a.strip() for a in (form.get("other_attendees") or "").split(",")
                  if a.strip()]
    return services.MeetingRecord(
        held_on=held_on, attendees=attendees,
        assessments={s["key"]: {"level": form.get(f"niveau-{s['key']}", ""),
                                "comment": form.get(f"commentaire-{s['key']}", "")}
                     for s in contract.skills},
        objectives_status={o["key"]: form.get(f"objectif-{o['key']}", "")
                           for o in contract.objectives},
        points_acquired=form.get("points_acquired", ""),
        progress_axes=form.get("progress_axes", ""), decisions=form.get("decisions", ""),
    )


def attendee_choices(contract) -> list[str]:
    """The parties one ticks as present, as « Name (role) »."""
    choices = [f"{contract.newcomer_name} (personne accueillie)"]
    if contract.tutor:
        choices.append(f"{contract.tutor.full_name} (tuteur·rice)")
    if contract.referent:
        choices.append(f"{contract.referent.full_name} (référent·e)")
    return choices
