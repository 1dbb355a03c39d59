"""Reading contracts for lists and figures: a fixed number of queries per page."""

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import SECTOR_LABELS, User
from app.extensions import db
from app.onboarding.models import (
    NO_SHOW,
    OPENED,
    OUTCOMES,
    STATUS_LABELS,
    Contract,
    ContractStatus,
    ContractTemplate,
    Meeting,
)
from app.onboarding.schedule import add_months

ON_TIME_DAYS = 14  # a meeting held within two weeks of its first planned date is on time

# Statistical secrecy: a count of 1 or 2 in a sector could point at one organisation, or one
# person. Such counts are shown as « moins de 3 », and no share is computed from them.
SMALL = 3
HIDDEN = f"moins de {SMALL}"


def shown(count: int) -> str:
    """A count as the figures may show it: « moins de 3 » for 1 or 2."""
    return HIDDEN if 0 < count < SMALL else str(count)


def share(part: int, whole: int) -> int | None:
    """The percentage, or None when nothing is counted or when it would give a small
    count away (either of its two terms is 1 or 2)."""
    if not whole or whole < SMALL or 0 < part < SMALL:
        return None
    return round(100 * part / whole)


def share_text(part: int, whole: int) -> str:
    """« 67 % », « — » (nothing counted) or « non diffusé » (a small count)."""
    if not whole:
        return "—"
    percent = share(part, whole)
    return "non diffusé" if percent is None else f"{percent}\u00a0%"


def page_number(args) -> int:
    value = args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _listing(query, page: int):
    return db.paginate(
        query.options(joinedload(Contract.organisation), joinedload(Contract.tutor),
                      joinedload(Contract.referent), selectinload(Contract.meetings)),
        page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _most_urgent_first(query):
    """Open contracts first, by their next meeting not held yet, soonest first — so an
    overdue one (its date is past) comes before all the others; then drafts, then closed
    contracts, the latest start first. In SQL, so that a page loads its rows only."""
    next_meeting = (select(func.min(Meeting.planned_on))
                    .where(Meeting.contract_id == Contract.id, Meeting.held_on.is_(None))
                    .correlate(Contract).scalar_subquery())
    soonest = case((Contract.status == ContractStatus.ACTIVE, next_meeting))
    rank = case((Contract.status == ContractStatus.ACTIVE, 0),
                (Contract.status == ContractStatus.DRAFT, 1), else_=2)
    return query.order_by(rank, soonest.is_(None), soonest, Contract.start_on.desc().nulls_last(),
                          Contract.id.desc())


def my_contracts(user: User, page: int):
    """The contracts where this person is the tutor, the referent or the newcomer."""
    return _listing(_most_urgent_first(
        select(Contract).where(or_(Contract.tutor_id == user.id, Contract.referent_id == user.id,
                                   Contract.newcomer_id == user.id),
                               Contract.anonymised_at.is_(None))), page)


def organisation_contracts(organisation_id: int, status: str, page: int):
    query = select(Contract).where(Contract.organisation_id == organisation_id,
                                   Contract.status.in_(list(STATUS_LABELS)))
    if status in STATUS_LABELS:
        query = query.where(Contract.status == status)
    return _listing(_most_urgent_first(query), page)


def organisation_counts(organisation_ids: list[int], today: date) -> dict[int, dict[str, int]]:
    """Per organisation: contracts by status, and active contracts with an overdue meeting."""
    counts = {i: dict.fromkeys([*STATUS_LABELS, "overdue"], 0) for i in organisation_ids}
    if not organisation_ids:
        return counts
    for organisation_id, status, n in db.session.execute(
        select(Contract.organisation_id, Contract.status, func.count(Contract.id))
        .where(Contract.organisation_id.in_(organisation_ids),
               Contract.status.in_(list(STATUS_LABELS)))
        .group_by(Contract.organisation_id, Contract.status)
    ):
        counts[organisation_id][status] = n
    for organisation_id, n in db.session.execute(
        select(Contract.organisation_id, func.count(func.distinct(Contract.id)))
        .join(Meeting, Meeting.contract_id == Contract.id)
        .where(Contract.organisation_id.in_(organisation_ids),
               Contract.status == ContractStatus.ACTIVE, Meeting.held_on.is_(None),
               Meeting.planned_on < today)
        .group_by(Contract.organisation_id)
    ):
        counts[organisation_id]["overdue"] = n
    return counts


def templates_for(organisation_ids: list[int], include_drafts: bool,
                  all_organisations: bool = False) -> list[ContractTemplate]:
    """Shared templates (drafts too for trainers), then the organisations' own copies."""
    shared = ContractTemplate.organisation_id.is_(None)
    if not include_drafts:
        shared = shared & ContractTemplate.published.is_(True)
    own = (ContractTemplate.organisation_id.is_not(None) if all_organisations
           else ContractTemplate.organisation_id.in_(organisation_ids or [-1]))
    return db.session.scalars(
        select(ContractTemplate).options(joinedload(ContractTemplate.organisation))
        .where(shared | own)
        .order_by(ContractTemplate.organisation_id.is_not(None), ContractTemplate.title)
    ).all()


# --- Anonymous figures for admins --------------------------------------------------------


@dataclass
class SectorFigures:
    label: str
    opened: int = 0
    active: int = 0
    closed: int = 0
    meetings_due: int = 0
    meetings_on_time: int = 0
    eligible_six_months: int = 0
    employed_six_months: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def on_time_percent(self) -> int | None:
        """None: nothing due, or too few to tell (see share)."""
        return share(self.meetings_on_time, self.meetings_due)

    @property
    def employed_percent(self) -> int | None:
        return share(self.employed_six_months, self.eligible_six_months)


def _employed_at_six_months(contract: Contract, six_months: date) -> bool:
    if contract.status == ContractStatus.ACTIVE:
        return True
    if contract.outcome == "en-poste":
        return True
    return contract.closed_on is not None and contract.closed_on >= six_months


def statistics(today: date) -> list[SectorFigures]:
    """Opened contracts, meetings held on time, outcomes and the share still employed six
    months after the start, overall then by sector. No name, no organisation: figures only.
    Drafts (and deleted drafts) are not counted.

    Two queries; counting runs in Python (a Département has a few thousand contracts).
    """
    contracts = db.session.scalars(
        select(Contract).options(selectinload(Contract.meetings))
        .where(Contract.status.in_(OPENED))
    ).all()
    overall = SectorFigures("Ensemble")
    sectors = {slug: SectorFigures(label) for slug, label in SECTOR_LABELS.items()}
    unknown = SectorFigures("Secteur non renseigné")
    for contract in contracts:
        rows = [overall, sectors.get(contract.sector or "", unknown)]
        for figures in rows:
            figures.opened += 1
            if contract.status == ContractStatus.ACTIVE:
                figures.active += 1
            else:
                figures.closed += 1
                if contract.outcome in figures.outcomes:
                    figures.outcomes[contract.outcome] += 1
            for meeting in contract.meetings:
                if meeting.held_on is None and (meeting.scheduled_on > today or (
                        contract.closed_on is not None
                        and meeting.scheduled_on > contract.closed_on)):
                    continue  # not due yet, or cancelled: the contract closed before it
                figures.meetings_due += 1
                if meeting.held_on is not None and (
                        meeting.held_on - meeting.scheduled_on).days <= ON_TIME_DAYS:
                    figures.meetings_on_time += 1
            # Who never took the job is counted in the outcomes, not in the share still
            # employed six months after a start that did not happen.
            if contract.start_on is not None and contract.outcome != NO_SHOW:
                six_months = add_months(contract.start_on, 6)
                if six_months <= today:
                    figures.eligible_six_months += 1
                    if _employed_at_six_months(contract, six_months):
                        figures.employed_six_months += 1
    rows = [overall, *[s for s in sectors.values() if s.opened]]
    if unknown.opened:
        rows.append(unknown)
    return rows
