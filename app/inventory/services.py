"""What people do with the inventory: open a campaign, answer it as they go, submit,
and turn a described practice into a draft sheet.

Services check the policy, own the single commit and raise InventoryError.
"""

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app import files
from app.accounts.models import Organisation, User, utcnow
from app.extensions import db
from app.inventory import policy
from app.inventory.models import AnswerStatus, Campaign, DescribedPractice, InventoryAnswer
from app.inventory.questionnaire import MAX_PRACTICES, Question, Questionnaire, available
from app.library import services as library
from app.library import taxonomy
from app.library.models import PracticeFile
from app.mailer import external_url, send_mail

log = logging.getLogger(__name__)


class InventoryError(Exception):
    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class PermissionDenied(InventoryError):
    pass


@dataclass
class PracticeInput:
    """One « describe a practice » block as typed in the form."""

    id: int | None
    title: str
    description: str
    phase: str
    category: str
    upload: FileStorage | None = None


def open_campaign(actor: User, title: str, questionnaire_slug: str, opens_on: date,
                  closes_on: date) -> Campaign:
    """Open a campaign with a copy of the questionnaire (admins and trainers)."""
    if not policy.can_open_campaign(actor):
        raise PermissionDenied("Seul·es les formateur·rices et administrateur·rices ouvrent "
                               "un recensement.")
    questionnaire = available().get(questionnaire_slug)
    if questionnaire is None:
        raise InventoryError("Choisissez un questionnaire dans la liste.",
                             {"questionnaire": "Choisissez un questionnaire dans la liste."})
    if closes_on < opens_on:
        message = "La date de clôture doit suivre la date d’ouverture."
        raise InventoryError(message, {"closes_on": message})
    campaign = Campaign(title=title.strip(), questionnaire_slug=questionnaire.slug,
                        questionnaire_data=questionnaire.as_data(), opens_on=opens_on,
                        closes_on=closes_on, created_by_id=actor.id)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def find_answer(campaign: Campaign, organisation: Organisation) -> InventoryAnswer | None:
    return db.session.scalar(select(InventoryAnswer).where(
        InventoryAnswer.campaign_id == campaign.id,
        InventoryAnswer.organisation_id == organisation.id))


def read_values(questionnaire: Questionnaire, form) -> dict:
    """The answers of a submitted form, as typed (checking comes at submission)."""
    values = {}
    for question in questionnaire.questions:
        name = f"q-{question.key}"
        if question.type == "practice":
            continue
        if question.type == "multiple_choice":
            allowed = question.choice_labels
            values[question.key] = [v for v in form.getlist(name) if v in allowed]
        else:
            values[question.key] = (form.get(name) or "").strip()[:10_000]
    return values


def read_practices(form, uploads) -> list[PracticeInput]:
    """The « describe a practice » blocks of a form, in order."""
    blocks = []
    for index in range(MAX_PRACTICES):
        prefix = f"pratique-{index}-"
        if prefix + "titre" not in form:
            continue
        raw_id = form.get(prefix + "id", "")
        blocks.append(PracticeInput(
            id=int(raw_id) if raw_id.isdigit() else None,
            title=(form.get(prefix + "titre") or "").strip()[:200],
            description=(form.get(prefix + "description") or "").strip()[:20_000],
            phase=form.get(prefix + "etape", ""),
            category=form.get(prefix + "categorie", ""),
            upload=uploads.get(prefix + "fichier") if uploads else None,
        ))
    return blocks


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        return None


def check(questionnaire: Questionnaire, values: dict,
          practices: list[DescribedPractice]) -> dict[str, str]:
    """Errors that prevent submission, by form field name, in French."""
    errors: dict[str, str] = {}
    for question in questionnaire.questions:
        name = f"q-{question.key}"
        value = values.get(question.key)
        if question.type == "practice":
            if question.required and not any(not p.is_blank for p in practices):
                errors[name] = "Décrivez au moins une pratique."
            continue
        if question.required and not value:
            errors[name] = ("Cochez au moins une réponse." if question.type == "multiple_choice"
                            else "Cette question est obligatoire.")
            continue
        if not value:
            continue
        if question.type == "single_choice" and value not in question.choice_labels:
            errors[name] = "Choisissez une réponse dans la liste."
        if question.type == "number":
            errors.update(_check_number(question, name, value))
    for index, practice in enumerate(practices):
        if practice.is_blank:
            continue
        if not practice.title.strip():
            errors[f"pratique-{index}-titre"] = "Donnez un titre à cette pratique."
        if not practice.description.strip():
            errors[f"pratique-{index}-description"] = "Décrivez la pratique en quelques lignes."
    return errors


def _check_number(question: Question, name: str, value: str) -> dict[str, str]:
    number = _number(value)
    if number is None:
        return {name: "Saisissez un nombre, par exemple 12."}
    if question.min is not None and number < question.min:
        return {name: f"Saisissez un nombre supérieur ou égal à {question.min:g}."}
    if question.max is not None and number > question.max:
        return {name: f"Saisissez un nombre inférieur ou égal à {question.max:g}."}
    return {}


def save_draft(actor: User, campaign: Campaign, organisation: Organisation, values: dict,
               practices: list[PracticeInput]) -> tuple[InventoryAnswer, dict[str, str]]:
    """Save what has been typed so far (never refused for content); returns the answer
    and the refused files' messages by field name."""
    if not policy.can_answer(actor, organisation):
        raise PermissionDenied("Vous ne répondez pas pour cette organisation.")
    if not campaign.is_open(utcnow().date()):
        raise InventoryError("Ce recensement est clos : les réponses ne peuvent plus changer.")
    answer = find_answer(campaign, organisation)
    if answer is None:
        answer = InventoryAnswer(campaign=campaign, organisation=organisation, values={})
        db.session.add(answer)
    if answer.is_submitted:
        raise InventoryError("Votre réponse a déjà été envoyée : elle ne peut plus changer.")
    answer.values = values
    answer.updated_at, answer.updated_by_id = utcnow(), actor.id
    file_errors = _save_practices(answer, practices)
    db.session.commit()
    return answer, file_errors


def _save_practices(answer: InventoryAnswer, blocks: list[PracticeInput]) -> dict[str, str]:
    by_id = {p.id: p for p in answer.practices}
    kept, errors = [], {}
    for position, block in enumerate(blocks):
        practice = by_id.get(block.id) or DescribedPractice()
        practice.position = position
        practice.title, practice.description = block.title, block.description
        practice.phase = block.phase if taxonomy.is_valid("phase", block.phase) else ""
        practice.category = block.category if taxonomy.is_valid("category", block.category) \
            else ""
        if block.upload is not None and block.upload.filename:
            try:
                checked = files.check_upload(block.upload)
            except files.FileRefused as error:
                errors[f"pratique-{position}-fichier"] = error.message
            else:
                practice.storage_key = files.storage().save(checked.data, checked.extension)
                practice.filename, practice.extension = checked.filename, checked.extension
                practice.content_type, practice.size = checked.content_type, checked.size
        kept.append(practice)
    answer.practices = kept
    return errors


def submit(actor: User, campaign: Campaign, organisation: Organisation, values: dict,
           practices: list[PracticeInput]) -> InventoryAnswer:
    """Save, check and send the answer; raises InventoryError with the errors by field."""
    answer, file_errors = save_draft(actor, campaign, organisation, values, practices)
    errors = {**check(campaign.questionnaire, answer.values, answer.practices), **file_errors}
    if errors:
        raise InventoryError("Le questionnaire contient des réponses à compléter ou corriger.",
                             errors)
    answer.practices = [p for p in answer.practices if not p.is_blank]
    answer.status = AnswerStatus.SUBMITTED
    answer.submitted_at, answer.submitted_by_id = utcnow(), actor.id
    db.session.commit()
    return answer


def create_sheet(actor: User, described: DescribedPractice):
    """Turn a described practice into a draft sheet of its organisation, linked to it."""
    if not policy.can_open_campaign(actor):
        raise PermissionDenied("Seul·es les formateur·rices créent des fiches depuis le "
                               "recensement.")
    if described.practice is not None:
        return described.practice
    answer = described.answer
    organisation = answer.organisation
    category = described.category or "accueil"
    phase = described.phase or "tout-au-long"
    summary = described.description.split("\n")[0][:300]
    body = (
        f"{described.description}\n\n"
        f"*Pratique décrite par {organisation.name} lors du recensement "
        f"« {answer.campaign.title} ». À compléter : pourquoi, les étapes, les outils, "
        "qui fait quoi, ce qui n’a pas marché.*\n"
    )
    content = library.SheetContent(
        title=described.title or "Pratique sans titre", summary=summary, body_md=body,
        category=category, phase=phase, sector=organisation.sector or "tous", tags=[],
    )
    practice = library.create_practice(actor, organisation, content, origin="inventory")
    if described.storage_key:
        with files.storage().open(described.storage_key) as stored:
            data = stored.read()
        key = files.storage().save(data, described.extension or "pdf")
        db.session.add(PracticeFile(
            practice=practice, storage_key=key, filename=described.filename or "document",
            extension=described.extension or "pdf",
            content_type=described.content_type or "application/octet-stream",
            size=described.size or len(data), uploaded_by_id=actor.id,
        ))
    described.practice = practice
    db.session.commit()
    _tell_employer(answer, described, practice, actor)
    return practice


def _tell_employer(answer, described, practice, trainer: User) -> None:
    """The employer who described the practice learns it is becoming a shared sheet."""
    employer = answer.submitted_by
    if employer is None or not employer.active:
        return
    try:
        send_mail(employer.email, f"Votre pratique « {described.title} » devient une fiche",
                  "practice_from_inventory", employer=employer, trainer=trainer,
                  described=described, link=external_url("library.detail", slug=practice.slug))
    except Exception:  # the sheet exists; a mail server failure must not undo it
        log.exception("inventory: could not tell %s about sheet %s", employer.email,
                      practice.slug)
