"""The contract's private thread: where its parties write to each other.

Discussions own the thread (posts, files, notifications); this module tells them,
through app/discussions/subjects.py, who may read it (whoever may read the contract),
where it lives (the contract's page), and writes what is read or written there in the
contract's audit log.
"""

from flask import url_for

from app.discussions import services as discussions
from app.discussions.subjects import PrivateSubject, register_private_subject
from app.extensions import db
from app.onboarding import policy, wording
from app.onboarding.models import Contract

KIND = "contract"


def title(contract: Contract) -> str:
    """« Accompagnement de Léa F. »: enough for the parties to tell contracts apart in
    their notifications, without a full name in e-mail subjects."""
    return f"Accompagnement {wording.de(wording.short_name(contract.newcomer_name))}"


def open_thread(contract: Contract) -> None:
    """Create the contract's thread with it (the caller commits)."""
    discussions.open_private_thread(KIND, contract.id, title(contract), commit=False)


def rename_thread(contract: Contract) -> None:
    discussions.rename_private_thread(KIND, contract.id, title(contract))


def erase_thread(contract: Contract) -> list[str]:
    """Retention: the thread goes with the names (returns the files to delete)."""
    return discussions.erase_private_thread(KIND, contract.id)


def _contract(contract_id: int) -> Contract | None:
    return db.session.get(Contract, contract_id)


def _can_view(user, contract_id: int) -> bool:
    contract = _contract(contract_id)
    return contract is not None and contract.anonymised_at is None and policy.can_view(
        user, contract)


def _audience(contract_id: int) -> set[int]:
    contract = _contract(contract_id)
    if contract is None or contract.anonymised_at is not None:
        return set()
    return policy.audience_user_ids(contract)


def _link(contract_id: int) -> tuple[str, str]:
    contract = _contract(contract_id)
    return (f"Contrat d’accueil {wording.de(contract.newcomer_name)}",
            url_for("onboarding.detail", ref=contract.ref, _anchor="fil-prive"))


def _record(user, contract_id: int, what: str) -> None:
    from app.onboarding.services import audit

    contract = _contract(contract_id)
    if contract is not None:
        audit(user, contract, "change" if "écrit" in what else "read", what)


register_private_subject(KIND, PrivateSubject(
    label="Contrat d’accueil", can_view=_can_view, audience=_audience, link=_link,
    record=_record))


def section(contract: Contract, user) -> dict | None:
    """What the contract's page shows of its thread (the latest messages and the reply
    box), marked as read by the person; the caller commits."""
    from app.discussions import policy as discussion_policy
    from app.discussions import queries
    from app.discussions.forms import ReplyForm

    found = discussions.find_private_thread(KIND, contract.id)
    if found is None:
        return None
    shown = queries.private_section(found, user,
                                    discussion_policy.thread_rights(user, found))
    if shown is None:
        return None
    discussions.mark_read(user, found, found.last_number, commit=False)
    form = ReplyForm(formdata=None)
    form.shown_until.data, form.embedded.data = str(found.last_number), "1"
    return {"shown": shown, "form": form}
