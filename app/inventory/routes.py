"""URLs under /recensement: campaigns, each employer's answer, the trainers' dashboard."""

from datetime import timedelta

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Organisation, utcnow
from app.extensions import db
from app.files import send_stored_file
from app.inventory import bp, dashboard, policy, services
from app.inventory.forms import CampaignForm
from app.inventory.models import Campaign, DescribedPractice, InventoryAnswer
from app.inventory.questionnaire import MAX_PRACTICES, available
from app.library import taxonomy
from app.web import render


def get_campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def get_answering(campaign_id: int, organisation_id: int) -> tuple[Campaign, Organisation]:
    """The campaign and an organisation the person answers for (404/403)."""
    campaign = get_campaign(campaign_id)
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    if not policy.can_answer(current_user, organisation):
        abort(403)
    return campaign, organisation


def require_reviewer() -> None:
    if not policy.can_open_campaign(current_user):
        abort(403)


@bp.get("")
@login_required
def index():
    """Campaigns: employers see what to answer, trainers and admins follow them."""
    reviewer = policy.can_open_campaign(current_user)
    organisations = policy.answering_organisations(current_user)
    if not reviewer and not organisations:
        abort(403)
    campaigns = db.session.scalars(
        select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id.desc())
    ).all()
    answers = {}
    if organisations:
        rows = db.session.scalars(select(InventoryAnswer).where(
            InventoryAnswer.organisation_id.in_([o.id for o in organisations])))
        answers = {(a.campaign_id, a.organisation_id): a for a in rows}
    return render("inventory/index.html", campaigns=campaigns, organisations=organisations,
                  answers=answers, reviewer=reviewer, today=utcnow().date())


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new():
    """Open a campaign with one of the questionnaires of content/inventory/."""
    require_reviewer()
    form = CampaignForm()
    form.questionnaire.choices = [(slug, q.title) for slug, q in available().items()]
    if request.method == "GET":
        today = utcnow().date()
        form.opens_on.data, form.closes_on.data = today, today + timedelta(days=45)
    if form.validate_on_submit():
        try:
            campaign = services.open_campaign(current_user, form.title.data,
                                              form.questionnaire.data, form.opens_on.data,
                                              form.closes_on.data)
        except services.InventoryError as error:
            for name, message in error.errors.items():
                getattr(form, name).errors = [message]
        else:
            flash("Le recensement est ouvert : les employeur·es peuvent y répondre.", "success")
            return redirect(url_for("inventory.campaign", campaign_id=campaign.id), 303)
    return render("inventory/new.html", form=form, status=422 if form.is_submitted() else 200)


@bp.get("/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    """The dashboard for trainers; an employer goes to their organisation's answer."""
    campaign = get_campaign(campaign_id)
    if not policy.can_open_campaign(current_user):
        organisations = policy.answering_organisations(current_user)
        if not organisations:
            abort(403)
        return redirect(url_for("inventory.answer", campaign_id=campaign.id,
                                organisation_id=organisations[0].id))
    answers = dashboard.answers_of(campaign)
    return render("inventory/dashboard.html", campaign=campaign,
                  rates=dashboard.response_rates(answers),
                  stats=dashboard.question_stats(campaign, answers),
                  coverage=dashboard.coverage(), today=utcnow().date())


# --- Answering ---------------------------------------------------------------------


def _answer_page(campaign, organisation, answer, values, practices, errors, status=200):
    return render(
        "inventory/answer.html", status=status, campaign=campaign,
        questionnaire=campaign.questionnaire, organisation=organisation, answer=answer,
        values=values, practices=practices, errors=errors, max_practices=MAX_PRACTICES,
        phases=taxonomy.terms("phase"), categories=taxonomy.terms("category"),
        is_open=campaign.is_open(utcnow().date()),
    )


@bp.route("/<int:campaign_id>/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def answer(campaign_id: int, organisation_id: int):
    """Answer the questionnaire for an organisation: save as a draft, add a practice, send."""
    campaign, organisation = get_answering(campaign_id, organisation_id)
    answer = services.find_answer(campaign, organisation)
    if request.method == "GET" or (answer and answer.is_submitted):
        values = answer.values if answer else {}
        practices = list(answer.practices) if answer else []
        return _answer_page(campaign, organisation, answer, values, practices, {})
    questionnaire = campaign.questionnaire
    values = services.read_values(questionnaire, request.form)
    blocks = services.read_practices(request.form, request.files)
    action = request.form.get("action", "enregistrer")
    if action == "ajouter" and len(blocks) < MAX_PRACTICES:
        blocks.append(services.PracticeInput(None, "", "", "", ""))
    elif action.startswith("retirer-"):
        index = action.removeprefix("retirer-")
        blocks = [b for i, b in enumerate(blocks) if str(i) != index]
    try:
        if action == "envoyer":
            services.submit(current_user, campaign, organisation, values, blocks)
            flash("Merci ! Votre réponse est envoyée à l’équipe du recensement.", "success")
            return redirect(url_for("inventory.answer", campaign_id=campaign.id,
                                    organisation_id=organisation.id), 303)
        answer, file_errors = services.save_draft(current_user, campaign, organisation,
                                                  values, blocks)
    except services.InventoryError as error:
        answer = services.find_answer(campaign, organisation)
        if not error.errors:
            flash(error.message, "error")
            return redirect(url_for("inventory.answer", campaign_id=campaign.id,
                                    organisation_id=organisation.id), 303)
        return _answer_page(campaign, organisation, answer, values, list(answer.practices),
                            error.errors, status=422)
    if file_errors:
        return _answer_page(campaign, organisation, answer, values, list(answer.practices),
                            file_errors, status=422)
    if action == "enregistrer":
        flash("Brouillon enregistré. Vous pouvez revenir le compléter à tout moment.", "success")
        return redirect(url_for("inventory.answer", campaign_id=campaign.id,
                                organisation_id=organisation.id), 303)
    anchor = f"#pratique-{len(answer.practices) - 1}" if action == "ajouter" else "#pratiques"
    return redirect(url_for("inventory.answer", campaign_id=campaign.id,
                            organisation_id=organisation.id) + anchor, 303)


@bp.post("/<int:campaign_id>/organisations/<int:organisation_id>/brouillon")
@login_required
def autosave(campaign_id: int, organisation_id: int):
    """htmx autosave while typing: saves the draft, answers a one-line status."""
    campaign, organisation = get_answering(campaign_id, organisation_id)
    values = services.read_values(campaign.questionnaire, request.form)
    blocks = services.read_practices(request.form, None)
    try:
        services.save_draft(current_user, campaign, organisation, values, blocks)
    except services.InventoryError as error:
        return render("inventory/_autosave.html", message=error.message, failed=True)
    return render("inventory/_autosave.html", saved_at=utcnow(), failed=False)


# --- Reviewing ------------------------------------------------------------------------


@bp.get("/<int:campaign_id>/reponses")
@login_required
def answers(campaign_id: int):
    """Every organisation's answer to a campaign (trainers and admins)."""
    require_reviewer()
    campaign = get_campaign(campaign_id)
    return render("inventory/answers.html", campaign=campaign,
                  answers=dashboard.answers_of(campaign))


@bp.get("/<int:campaign_id>/reponses/<int:answer_id>")
@login_required
def answer_detail(campaign_id: int, answer_id: int):
    """One answer, read-only, with « Créer une fiche » on each described practice."""
    answer = db.session.scalar(
        select(InventoryAnswer).options(joinedload(InventoryAnswer.organisation))
        .where(InventoryAnswer.id == answer_id, InventoryAnswer.campaign_id == campaign_id)
    ) or abort(404)
    if not policy.can_view_answer(current_user, answer):
        abort(403)
    return render("inventory/answer_detail.html", campaign=answer.campaign, answer=answer,
                  questionnaire=answer.campaign.questionnaire,
                  reviewer=policy.can_open_campaign(current_user), label=taxonomy.label)


def get_described(described_id: int) -> DescribedPractice:
    described = db.session.get(DescribedPractice, described_id) or abort(404)
    if not policy.can_view_answer(current_user, described.answer):
        abort(403)
    return described


@bp.post("/pratiques/<int:described_id>/fiche")
@login_required
def create_sheet(described_id: int):
    """Create a draft sheet from a described practice, prefilled and linked to it."""
    require_reviewer()
    described = get_described(described_id)
    practice = services.create_sheet(current_user, described)
    flash("Fiche brouillon créée à partir du recensement : complétez-la puis publiez-la.",
          "success")
    return redirect(url_for("library.edit", slug=practice.slug), 303)


@bp.get("/pratiques/<int:described_id>/fichier")
@login_required
def described_file(described_id: int):
    """The file attached to a described practice."""
    described = get_described(described_id)
    if not described.storage_key:
        abort(404)
    return send_stored_file(described.storage_key, described.filename or "document",
                            described.content_type or "application/octet-stream")


@bp.get("/<int:campaign_id>/export.csv")
@login_required
def export(campaign_id: int):
    """The answers as a CSV file for a spreadsheet."""
    require_reviewer()
    campaign = get_campaign(campaign_id)
    body = dashboard.export_csv(campaign, dashboard.answers_of(campaign))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="recensement-{campaign.id}.csv"'
    )
    return response
