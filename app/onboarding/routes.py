"""URLs under /contrats: templates, the opening wizard, contracts, meetings, exports, audit;
and /compte/mes-donnees.json, a person's own data.

Every contract URL goes through get_contract(): an unknown reference and a
contract the person may not see (or not change) get the same 404.
"""

import json
import re

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import Organisation, OrganisationKind, Role, utcnow
from app.extensions import db
from app.mailer import external_url
from app.onboarding import (
    bp,
    exports,
    forms,
    policy,
    queries,
    schedule,
    services,
    thread,
    wording,
)
from app.onboarding.calendar import meetings_ics
from app.onboarding.models import (
    CONTRACT_PARTIES,
    JOBS,
    LEVELS,
    NEEDS,
    NO_SHOW,
    OBJECTIVE_STATES,
    OUTCOMES,
    SECTIONS,
    SKILL_KINDS,
    STATUS_LABELS,
    AuditEntry,
    Contract,
    ContractTemplate,
)
from app.web import field_error, french_date, render, wants_fragment

REF = re.compile(r"[A-Za-z0-9_-]{16}")


@bp.after_request
def private(response: Response) -> Response:
    """Contract pages hold personal data: never stored by any cache, the browser's included."""
    response.headers["Cache-Control"] = "no-store"
    return response


def get_contract(ref: str, allowed=policy.can_view) -> Contract:
    """The contract, or 404 — the same 404 when the person may not see (or do) this."""
    if not REF.fullmatch(ref):
        abort(404)
    contract = db.session.scalar(
        select(Contract)
        .options(joinedload(Contract.organisation), joinedload(Contract.tutor),
                 joinedload(Contract.referent), joinedload(Contract.newcomer),
                 selectinload(Contract.meetings), selectinload(Contract.signatures))
        .where(Contract.ref == ref)
    )
    if contract is None or not allowed(current_user, contract):
        abort(404)
    return contract


def get_meeting(contract: Contract, number: int):
    return contract.meeting(number) or abort(404)


def _today():
    return utcnow().date()


def _labels() -> dict:
    return {"jobs": JOBS, "levels": LEVELS, "needs": NEEDS, "sections": SECTIONS,
            "skill_kinds": SKILL_KINDS, "objective_states": OBJECTIVE_STATES,
            "outcomes": OUTCOMES, "parties": CONTRACT_PARTIES, "statuses": STATUS_LABELS}


# --- Lists -----------------------------------------------------------------------------


@bp.get("/contrats")
@login_required
def index():
    """« Mes accompagnements »: the person's contracts, next meeting, overdue ones first."""
    if current_user.has_role(Role.NEWCOMER):
        services.link_newcomer_accounts(current_user)
    page = queries.my_contracts(current_user, queries.page_number(request.args))
    organisations = [o for o in current_user.organisations_where(Role.EMPLOYER)
                     if o.kind == OrganisationKind.EMPLOYER]
    return render("onboarding/index.html", block="contracts_list", page=page, today=_today(),
                  organisations=organisations, can_open=policy.can_open(current_user),
                  counts=queries.organisation_counts([o.id for o in organisations], _today()),
                  can_stats=policy.can_view_statistics(current_user), **_labels())


@bp.get("/contrats/organisations/<int(max=2147483647):organisation_id>")
@login_required
def organisation(organisation_id: int):
    """Every contract of an organisation with its state (its employers and admins)."""
    org = db.session.get(Organisation, organisation_id) or abort(404)
    if not policy.can_view_organisation(current_user, org):
        abort(403)
    status = request.args.get("etat", "")
    page = queries.organisation_contracts(org.id, status, queries.page_number(request.args))
    return render("onboarding/organisation.html", block="contracts_list", page=page,
                  organisation=org, etat=status, today=_today(),
                  can_open=org in policy.opening_organisations(current_user), **_labels())


@bp.get("/contrats/statistiques")
@login_required
def statistics():
    """Anonymous figures across employers, by sector (admins)."""
    if not policy.can_view_statistics(current_user):
        abort(403)
    rows = queries.statistics(_today())
    sectors, overall = rows[1:], rows[0]

    def count(label, n):  # (label, bar length or None, the value as shown)
        return (label, None if 0 < n < queries.SMALL else n, queries.shown(n))

    def percent(label, part, whole):
        value = queries.share(part, whole)
        return (label, value, queries.share_text(part, whole))

    charts = [
        ("ouverts", "Contrats ouverts par secteur", ("Secteur", "Contrats ouverts"),
         [count(r.label, r.opened) for r in sectors]),
        ("issues", "Issue des accompagnements clôturés", ("Issue", "Contrats", "Part"),
         [(*count(OUTCOMES[k][0], n), queries.share_text(n, overall.closed))
          for k, n in overall.outcomes.items()]),
        ("a-temps", "Rencontres tenues à temps, en % des rencontres dues",
         ("Secteur", "Part des rencontres tenues à temps"),
         [percent(r.label, r.meetings_on_time, r.meetings_due) for r in sectors]),
        ("en-poste", "Personnes en poste six mois après le début, en %",
         ("Secteur", "Part en poste à six mois"),
         [percent(r.label, r.employed_six_months, r.eligible_six_months) for r in sectors]),
    ]
    return render("onboarding/statistics.html", rows=rows, charts=charts, shown=queries.shown,
                  share_text=queries.share_text, hidden=queries.HIDDEN, **_labels())


@bp.get("/contrats/statistiques.csv")
@login_required
def statistics_csv():
    """The same figures as a CSV file."""
    if not policy.can_view_statistics(current_user):
        abort(403)
    response = Response(exports.statistics_csv(queries.statistics(_today())),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="contrats-accueil.csv"'
    return response


# --- Opening: the wizard ---------------------------------------------------------------


def _template_by_ref(ref: str | None) -> ContractTemplate | None:
    if not ref or not REF.fullmatch(ref):
        return None
    return db.session.scalar(select(ContractTemplate).where(ContractTemplate.ref == ref))


@bp.route("/contrats/nouveau", methods=["GET", "POST"])
@login_required
def new():
    """Step 1 of the opening: the organisation, the template, the person and the job."""
    if not policy.can_open(current_user):
        abort(403)
    organisations = policy.opening_organisations(current_user)
    chosen = request.form.get("organisation_id", type=int) or (
        organisations[0].id if organisations else None)
    organisation = next((o for o in organisations if o.id == chosen), None)
    templates = services.template_choices(organisation)
    form = forms.PersonForm(organisations=organisations, templates=templates)
    if request.method == "GET":
        form.contract_type.data, form.job.data = "cdd", ""
        template = _template_by_ref(request.args.get("modele"))
        if template is not None and template in templates:
            form.template_id.data, form.job.data = template.id, template.job
    if form.validate_on_submit():
        template = next((t for t in templates if t.id == form.template_id.data), None)
        try:
            if organisation is None:
                raise services.ContractError("Choisissez une organisation de la liste.",
                                             "organisation_id")
            contract = services.start_contract(current_user, organisation, template,
                                               _identity(form))
        except services.ContractError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Brouillon enregistré. Étape suivante : les dates.", "success")
            return redirect(url_for("onboarding.step", ref=contract.ref, step="dates"), 303)
    return render("onboarding/wizard.html", block="wizard", form=form, contract=None,
                  step="personne", steps=services.STEPS, step_labels=services.STEP_LABELS,
                  status=422 if form.is_submitted() else 200, **_labels())


def _identity(form) -> services.Identity:
    return services.Identity(newcomer_name=form.newcomer_name.data or "",
                             newcomer_email=form.newcomer_email.data or "",
                             job=form.job.data or "", job_title=form.job_title.data or "",
                             contract_type=form.contract_type.data or "")


def _parties_form(contract: Contract, **kwargs) -> forms.PartiesForm:
    newcomers = (services.newcomer_choices(contract.organisation)
                 if policy.sees_newcomer_accounts(current_user, contract) else None)
    return forms.PartiesForm(tutors=services.tutor_choices(contract.organisation),
                             referents=services.referent_choices(), newcomers=newcomers,
                             **kwargs)


def _step_form(contract: Contract, step: str):
    """The step's form, filled from the contract on GET, from the request on POST."""
    obj = contract if request.method == "GET" else None
    if step == "personne":
        return forms.PersonForm(obj=obj)
    if step == "dates":
        return forms.DatesForm(obj=obj)
    if step == "parties":
        return _parties_form(contract, obj=obj)
    if step == "livret":
        return forms.LivretForm(obj=obj)
    if step == "besoins":
        return forms.NeedsForm(obj=obj)
    return forms.FlaskForm()  # rows steps and the summary: the CSRF token alone


def _save_step(contract: Contract, step: str, form) -> tuple[dict[str, str] | None, bool]:
    """Call the step's service: (errors, changed). Errors None: saved; otherwise the
    errors of the rows by field name (empty when they are on the form's own fields)."""
    user = current_user._get_current_object()
    if step == "objectifs":
        rows, errors = forms.read_objectives(request.form)
        # Every row's problems at once, each next to its field (the service checks again).
        errors = services.objective_problems(rows, contract) | errors
        if errors:
            return errors, False
        return None, services.save_objectives(user, contract, rows)
    if step == "competences":
        return None, services.save_skills(user, contract, forms.read_skills(request.form))
    if not form.validate_on_submit():
        return {}, False
    changed = False
    if step == "personne":
        changed = services.save_identity(user, contract, _identity(form))
    elif step == "dates":
        changed = services.save_dates(user, contract, form.start_on.data, form.end_on.data,
                                      form.accompaniment_months.data)
        if changed.replanned:
            flash(_replanned_message(changed.replanned), "info")
    elif step == "parties":
        changed = services.save_parties(user, contract, form.tutor_id.data,
                                        form.referent_id.data, form.newcomer_id.data
                                        if form.newcomer_id else services.UNCHANGED)
        if policy.sees_staff_details(user, contract):
            for warning in services.tutor_warnings(contract, contract.tutor):
                flash(f"À noter : {warning}", "info")
    elif step == "livret":
        changed = services.save_livret(user, contract,
                                       {n: getattr(form, n).data for n in SECTIONS})
    elif step == "besoins":
        changed = services.save_needs(user, contract, form.needs.data or [],
                                      form.needs_note.data or "")
    return None, changed


def _replanned_message(replanned) -> str:
    """« Les rencontres pas encore tenues suivent les nouvelles dates : … »."""
    parts = [f"{meeting.kind_label.lower()} " + (
        "retirée (elle ne tient plus dans le contrat)" if what == "removed"
        else f"{'ajoutée' if what == 'added' else 'déplacée'} au "
             f"{french_date(meeting.planned_on)}") for what, meeting in replanned]
    return ("Les rencontres pas encore tenues suivent les nouvelles dates : " + " ; ".join(parts)
            + ". Les rencontres tenues et les rencontres supplémentaires ne changent pas.")


# Where the contract's page shows what a step edits.
SECTION_OF_STEP = {"personne": "parties", "dates": "parties", "parties": "parties",
                   "livret": "livret", "objectifs": "objectifs", "competences": "competences",
                   "besoins": "besoins"}


ROW_STEPS = ("objectifs", "competences")
BLANK_ROWS = {"objectifs": 3, "competences": 2}


def _stored_rows(contract: Contract) -> dict:
    """The rows of the contract, and a few empty ones to add to them."""
    return {
        "objective_rows": (list(contract.objectives) + [{}] * BLANK_ROWS["objectifs"])[
            :max(services.MAX_ROWS, len(contract.objectives))],
        "skill_rows": {kind: contract.skills_of(kind) + [{}] * BLANK_ROWS["competences"]
                       for kind in SKILL_KINDS},
        "focus": None,
    }


def _typed_rows(step: str, more: str | None = None) -> dict:
    """The rows as the person sent them (a refused step, or « Ajouter une ligne »), with
    one empty row more where asked; `focus` names the field of that new row."""
    rows = {"objective_rows": forms.objective_rows(request.form) if step == "objectifs"
            else [], "skill_rows": forms.skill_rows(request.form) if step == "competences"
            else {kind: [] for kind in SKILL_KINDS}, "focus": None}
    if more == "objectifs" and len(rows["objective_rows"]) < services.MAX_ROWS:
        rows["focus"] = f"objectif-{len(rows['objective_rows'])}-texte"
        rows["objective_rows"].append({})
    elif more in SKILL_KINDS and sum(map(len, rows["skill_rows"].values())) < (
            services.MAX_ROWS * 2):
        rows["skill_rows"][more].append({"new": True})
        rows["focus"] = "new"
    return rows


def _wizard_page(contract: Contract, step: str, form, errors=None, status=200,
                 block="wizard", tutor=None, rows=None, no_tutor=False):
    tutor = None if no_tutor else tutor or contract.tutor
    return render(
        "onboarding/wizard.html", block=block, status=status, contract=contract, step=step,
        form=form, errors=errors or {}, steps=services.STEPS, step_labels=services.STEP_LABELS,
        warnings=services.tutor_warnings(contract, tutor) if step == "parties" and (
            policy.sees_staff_details(current_user, contract)) else [],
        missing=services.missing_for_opening(contract) if step == "recapitulatif" else [],
        can_delete=policy.can_delete(current_user, contract),
        planned=(schedule.default_meetings(contract.start_on, contract.end_on,
                                           contract.accompaniment_months)
                 if step == "recapitulatif" and contract.start_on else []),
        max_rows=services.MAX_ROWS, **(rows or _stored_rows(contract)), **_labels())


@bp.route("/contrats/<ref>/etapes/<step>", methods=["GET", "POST"])
@login_required
def step(ref: str, step: str):
    """One step of the opening (or, once open, one section to edit); each step is saved."""
    contract = get_contract(ref, policy.can_edit)
    if step not in services.STEPS or (step == "recapitulatif" and not contract.is_draft):
        abort(404)
    form = _step_form(contract, step)
    if request.method == "GET":
        if step == "parties" and "tutor_id" in request.args:
            # htmx asks for the warnings of the tutor just chosen (no JavaScript: after
            # saving). « — Choisir — » again, or anything else than a member: no warning.
            tutor_id = request.args.get("tutor_id", type=int)
            tutor = next((u for u in services.tutor_choices(contract.organisation)
                          if u.id == tutor_id), None)
            if tutor is not None:
                form.tutor_id.data = tutor.id
            return _wizard_page(contract, step, form, block="tutor_warnings", tutor=tutor,
                                no_tutor=tutor is None)
        return _wizard_page(contract, step, form)
    if step == "recapitulatif":
        return redirect(url_for("onboarding.step", ref=ref, step=step), 303)
    action = request.form.get("action", "")
    if step in ROW_STEPS and action.startswith("ligne"):
        # « Ajouter une ligne » (works without JavaScript): nothing saved yet, the rows
        # come back as typed with one empty row more.
        more = "objectifs" if step == "objectifs" else action.removeprefix("ligne-")
        return _wizard_page(contract, step, form, rows=_typed_rows(step, more))
    # Signatures that hold before the change: a change makes them lapse (never a save that
    # changed nothing).
    signed = bool(services.valid_signatures(contract)) and not contract.is_draft
    try:
        errors, changed = _save_step(contract, step, form)
    except services.ContractError as error:
        db.session.rollback()
        errors, changed = {}, False
        if error.field and error.field in form:
            field_error(form, error.message, error.field)
        elif error.field:
            errors = {error.field: error.message}
        else:
            field_error(form, error.message)
    if errors is not None:
        return _wizard_page(contract, step, form, errors=errors, status=422,
                            rows=_typed_rows(step) if step in ROW_STEPS else None)
    if not contract.is_draft:
        if not changed:
            flash("Aucune modification à enregistrer.", "info")
        else:
            flash("Modifications enregistrées." + (
                " Les signatures précédentes du contrat sont à renouveler." if signed
                and not services.valid_signatures(contract) else ""), "success")
        return redirect(url_for("onboarding.detail", ref=ref) + "#" + SECTION_OF_STEP[step],
                        303)
    following = services.STEPS[services.STEPS.index(step) + 1]
    flash(f"Étape enregistrée. Étape suivante : {services.STEP_LABELS[following].lower()}.",
          "success")
    return redirect(url_for("onboarding.step", ref=ref, step=following), 303)


@bp.post("/contrats/<ref>/ouvrir")
@login_required
def open_contract(ref: str):
    """Open the accompaniment: the three meetings are planned."""
    contract = get_contract(ref, policy.can_edit)
    try:
        services.open_contract(current_user, contract)
    except services.ContractError as error:
        flash(error.message, "error")
        return redirect(url_for("onboarding.step", ref=ref, step="recapitulatif"), 303)
    flash("Le contrat est ouvert et les rencontres sont planifiées. Chaque partie peut "
          "maintenant le signer.", "success")
    return redirect(url_for("onboarding.detail", ref=ref), 303)


# --- The contract ----------------------------------------------------------------------


def _detail_context(contract: Contract, add_form=None, invite_form=None) -> dict:
    user = current_user._get_current_object()
    return {
        "contract": contract, "today": _today(),
        "signatures": services.valid_signatures(contract),
        "lapsed": services.lapsed_signatures(contract),
        "signable": policy.signable_parties(user, contract, contract.parties()),
        "can_edit": policy.can_edit(user, contract),
        "can_record": policy.can_record(user, contract),
        "can_close": policy.can_close(user, contract),
        "can_delete": policy.can_delete(user, contract),
        "can_audit": policy.can_view_audit(user, contract),
        "can_invite": policy.can_invite_newcomer(user, contract),
        "add_form": add_form or forms.MeetingDateForm(formdata=None),
        "invite_form": invite_form or forms.InviteNewcomerForm(
            formdata=None, email=contract.newcomer_email or ""),
        "progress": _progress(contract),
        **_labels(),
    }


def _progress(contract: Contract) -> dict[str, list[tuple]]:
    """For each skill, its level at each recorded meeting, in date order."""
    held = sorted((m for m in contract.meetings if m.is_recorded),
                  key=lambda m: (m.held_on or m.planned_on, m.number))
    return {s["key"]: [(m, m.level(s["key"])) for m in held] for s in contract.skills}


@bp.get("/contrats/<ref>")
@login_required
def detail(ref: str):
    """The contract: parties, livret, objectives, skills and their progress, meetings,
    signatures."""
    contract = get_contract(ref)
    private = thread.section(contract, current_user)  # marks its messages read
    services.record_read(current_user, contract, "Page du contrat consultée")
    return render("onboarding/detail.html", block="signatures", private=private,
                  **_detail_context(contract))


@bp.post("/contrats/<ref>/signer")
@login_required
def sign(ref: str):
    """Acknowledge the contract for a party (oneself, or a newcomer in one's presence)."""
    contract = get_contract(ref)
    party = request.form.get("party", "")
    try:
        services.sign(current_user, contract, party)
    except services.ContractError as error:
        flash(error.message, "error")
    else:
        flash("Signature enregistrée : " + CONTRACT_PARTIES[party].lower()
              + " a pris connaissance du contrat.", "success")
    if wants_fragment():
        return render("onboarding/detail.html", block="signatures", **_detail_context(contract))
    return redirect(url_for("onboarding.detail", ref=ref) + "#signatures", 303)


@bp.post("/contrats/<ref>/inviter")
@login_required
def invite(ref: str):
    """Invite the newcomer to see and acknowledge their own contract (a refused address:
    422, the error next to the field, the address kept)."""
    contract = get_contract(ref, policy.is_employer_of)
    form = forms.InviteNewcomerForm()
    if form.validate_on_submit():
        try:
            done = services.invite_newcomer(current_user, contract, form.email.data)
        except services.PermissionDenied as error:
            flash(error.message, "error")
            return redirect(url_for("onboarding.detail", ref=ref) + "#parties", 303)
        except services.ContractError as error:
            field_error(form, error.message, "email")
        else:
            if done == "linked":
                flash(f"{contract.newcomer_name} a déjà un compte dans "
                      f"{contract.organisation.name} : le contrat lui est relié, et la "
                      "personne le voit dès maintenant dans « Mes accompagnements ».",
                      "success")
            else:
                flash(f"Invitation envoyée à {contract.newcomer_email}. La personne verra son "
                      f"contrat dans « Mes accompagnements » dès qu’elle aura accepté "
                      f"l’invitation à rejoindre {contract.organisation.name}, en créant son "
                      "compte ou avec celui qu’elle a déjà.", "success")
            return redirect(url_for("onboarding.detail", ref=ref) + "#parties", 303)
    return render("onboarding/detail.html", status=422,
                  **_detail_context(contract, invite_form=form))


@bp.route("/contrats/<ref>/cloture", methods=["GET", "POST"])
@login_required
def close(ref: str):
    """Close the accompaniment and record its outcome."""
    contract = get_contract(ref, policy.can_close)
    form = forms.CloseForm()
    if request.method == "GET":
        form.closed_on.data = _today()
    if form.validate_on_submit():
        try:
            services.close_contract(current_user, contract, form.outcome.data,
                                    form.reason.data or "", form.closed_on.data, _today())
        except services.ContractError as error:
            field_error(form, error.message, error.field)
        else:
            flash(f"Accompagnement clôturé : {contract.outcome_label.lower()}.", "success")
            return redirect(url_for("onboarding.detail", ref=ref), 303)
    return render("onboarding/close.html", contract=contract, form=form, today=_today(),
                  no_show=OUTCOMES[NO_SHOW][0], status=422 if form.is_submitted() else 200)


@bp.route("/contrats/<ref>/supprimer", methods=["GET", "POST"])
@login_required
def delete(ref: str):
    """Delete a draft, once confirmed on this page (a plain form: no JavaScript needed)."""
    contract = get_contract(ref, policy.can_delete)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        name = contract.newcomer_name
        services.delete_draft(current_user, contract)
        flash(f"Le brouillon du contrat {wording.de(name)} est supprimé, avec son fil privé.",
              "success")
        return redirect(url_for("onboarding.index"), 303)
    return render("onboarding/delete.html", contract=contract, form=form,
                  status=422 if form.is_submitted() else 200)


# --- Meetings --------------------------------------------------------------------------


@bp.post("/contrats/<ref>/rencontres")
@login_required
def add_meeting(ref: str):
    """Add an extra meeting."""
    contract = get_contract(ref, policy.can_record)
    form = forms.MeetingDateForm()
    if form.validate_on_submit():
        try:
            meeting = services.add_meeting(current_user, contract, form.planned_on.data,
                                           form.planned_at.data)
        except services.ContractError as error:
            field_error(form, error.message, error.field)
        else:
            flash(f"Rencontre supplémentaire planifiée le "
                  f"{meeting.planned_on.strftime('%d/%m/%Y')}.", "success")
            return redirect(url_for("onboarding.detail", ref=ref) + "#rencontres", 303)
    return render("onboarding/detail.html", status=422,
                  **_detail_context(contract, add_form=form))


def _meeting_context(contract, meeting, form=None, date_form=None) -> dict:
    user = current_user._get_current_object()
    can_record = policy.can_record(user, contract)
    previous = services.previous_record(contract, meeting)
    source = meeting if meeting.is_recorded else previous
    if form is None and can_record:
        form = forms.MeetingRecordForm(formdata=None, obj=meeting if meeting.is_recorded
                                       else None)
        if not meeting.is_recorded:
            form.held_on.data = meeting.planned_on if meeting.planned_on <= _today() else None
    choices = forms.attendee_choices(contract)
    if request.method == "POST" and form is not None and form.is_submitted():
        values = forms.read_record(request.form, contract, None)
        ticked = set(values.attendees)
        assessments, states = values.assessments, values.objectives_status
    else:
        ticked = set(meeting.attendees) if meeting.is_recorded else set(choices)
        assessments = source.assessments if source else {}
        states = source.objectives_status if source else {}
        if form is not None and meeting.is_recorded:
            form.other_attendees.data = ", ".join(a for a in meeting.attendees
                                                  if a not in choices)
    return {
        "contract": contract, "meeting": meeting, "form": form, "previous": previous,
        "prefilled": not meeting.is_recorded and previous is not None,
        "assessments": assessments, "states": states, "attendee_choices": choices,
        "ticked": ticked, "can_record": can_record, "today": _today(),
        "date_form": date_form or forms.MeetingDateForm(formdata=None, obj=meeting),
        "signatures": services.valid_signatures(contract, meeting),
        "lapsed": services.lapsed_signatures(contract, meeting),
        "signable": policy.signable_parties(user, contract, contract.meeting_parties()),
        **_labels(),
    }


@bp.route("/contrats/<ref>/rencontres/<int:number>", methods=["GET", "POST"])
@login_required
def meeting(ref: str, number: int):
    """A meeting: its record (prefilled from the previous meeting) and its signatures."""
    contract = get_contract(ref)
    meeting = get_meeting(contract, number)
    if request.method == "GET":
        services.record_read(current_user, contract, f"Rencontre {number} consultée")
        return render("onboarding/meeting.html", block="meeting_signatures",
                      **_meeting_context(contract, meeting))
    if not policy.can_record(current_user, contract):
        abort(404)
    form = forms.MeetingRecordForm()
    errors: dict[str, str] = {}  # a skill's or an objective's field: next to it
    if form.validate_on_submit():
        record = forms.read_record(request.form, contract, form.held_on.data)
        was_signed = bool(services.valid_signatures(contract, meeting))
        try:
            changed = services.record_meeting(current_user, contract, meeting, record, _today())
        except services.ContractError as error:
            db.session.rollback()
            if hasattr(form, error.field or ""):
                field_error(form, error.message, error.field)
            else:
                field_error(form, error.message)
                if error.field:
                    errors[error.field] = error.message
        else:
            if not changed:
                message = "Aucune modification à enregistrer."
            elif was_signed:
                message = ("Compte rendu modifié : les signatures déjà données sont à "
                           "renouveler, chaque partie peut le signer à nouveau.")
            else:
                message = "Compte rendu enregistré. Chaque partie peut maintenant le signer."
            flash(message, "success")
            return redirect(url_for("onboarding.meeting", ref=ref, number=number)
                            + "#meeting_signatures", 303)
    return render("onboarding/meeting.html", status=422,
                  **_meeting_context(contract, meeting, form=form), errors=errors)


@bp.post("/contrats/<ref>/rencontres/<int:number>/date")
@login_required
def move_meeting(ref: str, number: int):
    """Move a planned meeting (htmx: the date block alone)."""
    contract = get_contract(ref, policy.can_record)
    meeting = get_meeting(contract, number)
    form = forms.MeetingDateForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.move_meeting(current_user, contract, meeting, form.planned_on.data,
                                  form.planned_at.data)
        except services.ContractError as error:
            db.session.rollback()
            field_error(form, error.message, error.field)
            status = 422
        else:
            flash(f"Rencontre déplacée au {meeting.planned_on.strftime('%d/%m/%Y')}.",
                  "success")
            if not wants_fragment():
                return redirect(url_for("onboarding.meeting", ref=ref, number=number), 303)
            form = None
    else:
        status = 422
    return render("onboarding/meeting.html", block="meeting_date", status=status,
                  **_meeting_context(contract, meeting, date_form=form))


@bp.post("/contrats/<ref>/rencontres/<int:number>/signer")
@login_required
def sign_meeting(ref: str, number: int):
    """Acknowledge a meeting record for a party."""
    contract = get_contract(ref)
    meeting = get_meeting(contract, number)
    party = request.form.get("party", "")
    try:
        services.sign(current_user, contract, party, meeting)
    except services.ContractError as error:
        flash(error.message, "error")
    else:
        flash("Signature enregistrée : " + CONTRACT_PARTIES[party].lower()
              + " a pris connaissance du compte rendu.", "success")
    if wants_fragment():
        return render("onboarding/meeting.html", block="meeting_signatures",
                      **_meeting_context(contract, meeting))
    return redirect(url_for("onboarding.meeting", ref=ref, number=number)
                    + "#meeting_signatures", 303)


# --- Exports and audit -----------------------------------------------------------------


@bp.get("/contrats/<ref>/livret")
@login_required
def livret(ref: str):
    """The whole livret (contract, meetings, signatures) as a printable document."""
    contract = get_contract(ref)
    services.record_read(current_user, contract, "Livret imprimable ouvert", action="export")
    return render("onboarding/livret.html", blank=False, model=None,
                  **_detail_context(contract))


@bp.get("/contrats/<ref>/rencontres.ics")
@login_required
def calendar(ref: str):
    """The meetings as an iCalendar file for calendar applications."""
    contract = get_contract(ref)
    services.record_read(current_user, contract, "Rencontres exportées (.ics)", action="export")
    links = {m.number: external_url("onboarding.meeting", ref=ref, number=m.number)
             for m in contract.meetings}
    body = meetings_ics(contract, current_app.config["PUBLIC_URL"],
                        current_app.config["BABEL_DEFAULT_TIMEZONE"], links)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="rencontres-{ref}.ics"'
    return response


@bp.get("/contrats/<ref>/journal")
@login_required
def journal(ref: str):
    """Who read, changed, exported or signed the contract, and when (employer role, admins)."""
    contract = get_contract(ref, policy.can_view_audit)
    services.record_read(current_user, contract, "Journal consulté")
    page = db.paginate(
        select(AuditEntry).where(AuditEntry.contract_id == contract.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
        page=queries.page_number(request.args), per_page=50, error_out=False)
    return render("onboarding/journal.html", block="journal_list", contract=contract,
                  page=page)


@bp.get("/compte/mes-donnees.json")
@login_required
def my_data():
    """Download one's own data: the profile and the contracts where one is a party."""
    data = exports.personal_data(current_user)
    for contract in db.session.scalars(select(Contract).where(
            Contract.ref.in_([c["reference"] for c in data["contrats_d_accueil"]]))):
        services.audit(current_user, contract, "export",
                       "Données personnelles téléchargées par une partie")
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    stamp = utcnow().strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="compagnon-mes-donnees-{stamp}.json"')
    return response


# --- Templates -------------------------------------------------------------------------


def get_template(ref: str, edit: bool = False) -> ContractTemplate:
    """The template, or 404; 403 when the person may not see (or edit) it."""
    template = _template_by_ref(ref) or abort(404)
    if not policy.can_view_template(current_user, template):
        abort(404 if not template.is_shared else 403)
    if edit and not policy.can_edit_template(current_user, template):
        abort(403)
    return template


@bp.get("/contrats/modeles")
@login_required
def templates():
    """Shared templates, the organisation's own copies, and blank livrets to print."""
    organisation_ids = [o.id for o in policy.copying_organisations(current_user)]
    found = queries.templates_for(organisation_ids,
                                  include_drafts=policy.can_write_shared_templates(current_user),
                                  all_organisations=current_user.is_admin)
    return render("onboarding/templates.html", templates=found,
                  can_write=policy.can_write_shared_templates(current_user) or bool(
                      organisation_ids),
                  can_open=policy.can_open(current_user),
                  copy_organisations=policy.copying_organisations(current_user), **_labels())


@bp.get("/contrats/modeles/<ref>")
@login_required
def template(ref: str):
    """A template: its sections, objectives and skills grid."""
    found = get_template(ref)
    return render("onboarding/template.html", model=found,
                  can_edit=policy.can_edit_template(current_user, found),
                  can_open=policy.can_open(current_user),
                  copy_organisations=policy.copying_organisations(current_user)
                  if found.is_shared else [], **_labels())


@bp.route("/contrats/modeles/nouveau", methods=["GET", "POST"])
@login_required
def new_template():
    """Write a template: shared (trainers, admins) or for one's organisation (employers)."""
    shared = policy.can_write_shared_templates(current_user)
    organisations = [] if shared else policy.copying_organisations(current_user)
    if not shared and not organisations:
        abort(403)
    form = forms.TemplateForm()
    if form.validate_on_submit():
        organisation = None
        if not shared:
            wanted = request.form.get("organisation_id", type=int)
            organisation = next((o for o in organisations if o.id == wanted), organisations[0])
        try:
            created = services.create_template(current_user, form.content(), organisation)
        except services.ContractError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Modèle enregistré." + (" Publiez-le pour le proposer aux employeurs."
                                          if shared else ""), "success")
            return redirect(url_for("onboarding.template", ref=created.ref), 303)
    return render("onboarding/template_form.html", form=form, model=None,
                  organisations=organisations, status=422 if form.is_submitted() else 200)


@bp.route("/contrats/modeles/<ref>/modifier", methods=["GET", "POST"])
@login_required
def edit_template(ref: str):
    """Edit a template (contracts already opened keep their own copy of it)."""
    found = get_template(ref, edit=True)
    form = forms.TemplateForm()
    if request.method == "GET":
        form.fill_from(found)
    if form.validate_on_submit():
        try:
            services.save_template(current_user, found, form.content())
        except services.ContractError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Modèle enregistré.", "success")
            return redirect(url_for("onboarding.template", ref=found.ref), 303)
    return render("onboarding/template_form.html", form=form, model=found,
                  organisations=[], status=422 if form.is_submitted() else 200)


@bp.post("/contrats/modeles/<ref>/copier")
@login_required
def copy_template(ref: str):
    """Copy a shared template for one's organisation, to adapt it."""
    found = get_template(ref)
    organisations = policy.copying_organisations(current_user)
    wanted = request.form.get("organisation_id", type=int)
    organisation = next((o for o in organisations if o.id == wanted),
                        organisations[0] if organisations else None)
    if organisation is None or not found.is_shared:
        abort(403)
    copy = services.copy_template(current_user, found, organisation)
    flash(f"Copie créée pour {organisation.name} : adaptez-la à votre structure.", "success")
    return redirect(url_for("onboarding.edit_template", ref=copy.ref), 303)


@bp.post("/contrats/modeles/<ref>/publier")
@login_required
def publish_template(ref: str):
    """Offer a shared template to every employer, or withdraw it."""
    found = get_template(ref, edit=True)
    published = request.form.get("action", "publier") == "publier"
    try:
        services.set_template_published(current_user, found, published)
    except services.PermissionDenied:
        abort(403)
    flash("Modèle publié : les employeurs peuvent l’utiliser." if published
          else "Modèle retiré : il n’est plus proposé aux employeurs.", "success")
    return redirect(url_for("onboarding.template", ref=ref), 303)


@bp.post("/contrats/modeles/<ref>/boite-a-outils")
@login_required
def template_toolbox(ref: str):
    """Offer a published shared template in /outils as a blank livret, or withdraw it."""
    found = get_template(ref, edit=True)
    offered = request.form.get("action", "proposer") == "proposer"
    try:
        services.set_template_in_toolbox(current_user, found, offered)
    except services.PermissionDenied:
        abort(403)
    except services.ContractError as error:
        flash(error.message, "error")
    else:
        flash("Livret vierge proposé dans la boîte à outils." if offered
              else "Livret vierge retiré de la boîte à outils.", "success")
    return redirect(url_for("onboarding.template", ref=ref), 303)


@bp.get("/contrats/modeles/<ref>/livret-vierge")
@login_required
def blank_livret(ref: str):
    """A template as a blank livret to print and fill by hand (a tool of /outils)."""
    found = get_template(ref)
    return render("onboarding/livret.html", blank=True, model=found, contract=None,
                  meetings=[(label, None) for label in
                            ("Rencontre de démarrage", "Rencontre à un mois",
                             "Rencontre de bilan")],
                  today=_today(), **_labels())

