"""Plain functions that create rows for tests: make_user(**overrides) and friends."""

from datetime import timedelta
from functools import cache
from itertools import count

from app.accounts.models import (
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    User,
    utcnow,
)
from app.accounts.passwords import hash_password
from app.accounts.services import new_token
from app.extensions import db

PASSWORD = "une phrase de passe solide"
_sequence = count(1)


@cache
def password_hash() -> str:
    """Hashing is slow on purpose: hash the shared test password once."""
    return hash_password(PASSWORD)


def make_organisation(**overrides) -> Organisation:
    n = next(_sequence)
    values = {"name": f"EHPAD Test {n}", "kind": "employer", "sector": "ehpad"}
    values.update(overrides)
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(organisation: Organisation | None = None, role: str = "tutor", **overrides) -> User:
    n = next(_sequence)
    values = {
        "email": f"personne{n}@exemple.fr",
        "full_name": f"Camille Test{n}",
        "password_hash": password_hash(),
    }
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, role=role))
    db.session.commit()
    return user


def make_invitation(organisation: Organisation, invited_by: User | None = None,
                    **overrides) -> tuple[Invitation, str]:
    token, token_hash = new_token()
    n = next(_sequence)
    values = {
        "email": f"invite{n}@exemple.fr",
        "organisation": organisation,
        "role": "tutor",
        "token_hash": token_hash,
        "invited_by": invited_by,
        "expires_at": utcnow() + timedelta(days=14),
    }
    values.update(overrides)
    invitation = Invitation(**values)
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def make_password_reset(user: User, **overrides) -> tuple[PasswordReset, str]:
    token, token_hash = new_token()
    values = {"user": user, "token_hash": token_hash,
              "expires_at": utcnow() + timedelta(hours=2)}
    values.update(overrides)
    reset = PasswordReset(**values)
    db.session.add(reset)
    db.session.commit()
    return reset, token


def make_practice(organisation: Organisation, published: bool = True, author: User | None = None,
                  **overrides):
    """A sheet with one revision, published (as an import would) or a draft."""
    from app.library.models import Practice, PracticeRevision, PracticeStatus, RevisionStatus
    from app.library.services import SheetContent, copy_published, fill_content, unique_slug

    n = next(_sequence)
    values = {"title": f"Le binôme des premiers jours {n}", "summary": "Un résumé court.",
              "body_md": "## Pourquoi\n\nParce que.\n", "category": "integration",
              "phase": "premier-jour", "sector": "ehpad", "tags": ["binôme"]}
    values.update(overrides)
    content = SheetContent(**values)
    practice = Practice(slug=unique_slug(content.title), organisation=organisation,
                        created_by=author, status=PracticeStatus.DRAFT)
    fill_content(practice, content)
    revision = PracticeRevision(number=1, author=author, status=RevisionStatus.DRAFT)
    fill_content(revision, content)
    practice.revisions.append(revision)
    if published:
        revision.status = RevisionStatus.PUBLISHED
        copy_published(practice, revision)
        practice.published_at = utcnow()
    db.session.add(practice)
    db.session.commit()
    return practice


PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def make_practice_file(practice, filename: str = "Livret d’accueil.pdf"):
    from app.files import storage
    from app.library.models import PracticeFile

    key = storage().save(PDF_BYTES, "pdf")
    attachment = PracticeFile(practice=practice, storage_key=key, filename=filename,
                              extension="pdf", content_type="application/pdf",
                              size=len(PDF_BYTES))
    db.session.add(attachment)
    db.session.commit()
    return attachment


def make_campaign(opened_by: User | None = None, days_left: int = 30, **overrides):
    """An open campaign with the default questionnaire of content/inventory/."""
    from app.inventory.models import Campaign
    from app.inventory.questionnaire import available

    questionnaire = available()["recensement-pratiques"]
    today = utcnow().date()
    values = {"title": "Recensement 2026", "questionnaire_slug": questionnaire.slug,
              "questionnaire_data": questionnaire.as_data(),
              "opens_on": today - timedelta(days=1),
              "closes_on": today + timedelta(days=days_left)}
    values.update(overrides)
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_answer(campaign, organisation: Organisation, submitted: bool = False,
                practices: int = 1, with_file: bool = False, **values):
    """An answer with `practices` described practices (the first with a file if asked)."""
    from app.files import storage
    from app.inventory.models import DescribedPractice, InventoryAnswer

    answer = InventoryAnswer(campaign=campaign, organisation=organisation, values=values,
                             status="submitted" if submitted else "draft",
                             submitted_at=utcnow() if submitted else None)
    for position in range(practices):
        described = DescribedPractice(
            position=position, title=f"Le café d’accueil {position + 1}",
            description="Chaque lundi, un café avec la direction.\nOn remet le livret.",
            phase="premier-jour", category="accueil",
        )
        if with_file and position == 0:
            described.storage_key = storage().save(PDF_BYTES, "pdf")
            described.filename, described.extension = "Livret.pdf", "pdf"
            described.content_type, described.size = "application/pdf", len(PDF_BYTES)
        answer.practices.append(described)
    db.session.add(answer)
    db.session.commit()
    return answer


def make_module(status: str = "published", lessons: int = 2, questions: int = 1, **overrides):
    """A module with `lessons` lessons; the first lesson has `questions` questions."""
    from app.catalogue.models import Lesson, Module, Question

    n = next(_sequence)
    values = {"slug": f"module-{n}", "title": f"Transmettre les gestes {n}",
              "summary": "Montrer, faire ensemble, laisser faire.", "duration_minutes": 30,
              "audience": "tuteur", "theme": "transmission", "objectives": ["Transmettre"],
              "status": status, "published_at": utcnow()}
    values.update(overrides)
    module = Module(**values)
    for position in range(lessons):
        lesson = Lesson(slug=f"lecon-{position + 1}", position=position,
                        title=f"Leçon {position + 1}", body_md="Du texte.",
                        body_html="<p>Du texte.</p>")
        if position == 0:
            lesson.questions = [Question(
                position=i, prompt=f"Qui accueille ? {i}", kind="single",
                choices=[{"text": "Toute l’équipe", "correct": True},
                         {"text": "Personne", "correct": False}],
                explanation="L’accueil est l’affaire de tous.") for i in range(questions)]
        module.lessons.append(lesson)
    db.session.add(module)
    db.session.commit()
    return module


def make_path(*modules, **overrides):
    from app.catalogue.models import LearningPath, PathStep

    n = next(_sequence)
    values = {"slug": f"parcours-{n}", "title": "Parcours tuteur accueil salarié·e",
              "summary": "Les modules du tuteur."}
    values.update(overrides)
    path = LearningPath(**values)
    path.steps = [PathStep(module=m, position=i) for i, m in enumerate(modules)]
    db.session.add(path)
    db.session.commit()
    return path


def complete_module(user: User, module):
    """Follow a module to the end through the services; returns the attestation."""
    from sqlalchemy import select

    from app.catalogue import services
    from app.catalogue.models import Attestation

    for lesson in module.lessons:
        services.set_lesson_done(user, lesson, True)
        for question in lesson.questions:
            services.answer(user, question, sorted(question.correct_indexes))
    return db.session.scalar(select(Attestation).where(
        Attestation.user_id == user.id, Attestation.module_id == module.id))


def category(slug: str = "questions-de-tuteurs"):
    """One of the discussion categories the migration creates."""
    from sqlalchemy import select

    from app.discussions.models import Category

    return db.session.scalar(select(Category).where(Category.slug == slug))


def make_thread(author: User, title: str | None = None, body: str = "Comment faites-vous ?",
                category_slug: str = "questions-de-tuteurs", subject=None, uploads=()):
    """A public thread asked by `author`, through the service (notifications included)."""
    from app.discussions import services

    n = next(_sequence)
    return services.start_thread(author, category(category_slug),
                                 title or f"Le premier week-end seul·e {n}", body, uploads,
                                 subject=subject)


def make_reply(author: User, thread, body: str = "Chez nous, un binôme joignable.", uploads=()):
    from app.discussions import services

    return services.reply(author, thread, body, uploads)


def pdf_upload(filename: str = "Grille.pdf"):
    """A file as a browser sends it, that the upload checks accept."""
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(PDF_BYTES), filename=filename, content_type="application/pdf")
