"""The campaign dashboard: response rates, answers per question, library coverage.

A fixed number of queries; the per-question counting runs in Python over the
submitted answers of one campaign (a few hundred at most in a Département).
"""

import csv
import io
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import SECTOR_LABELS, Organisation, OrganisationKind
from app.extensions import db
from app.inventory.models import Campaign, InventoryAnswer
from app.inventory.questionnaire import Question
from app.library import taxonomy
from app.library.models import Practice, PracticeStatus


@dataclass
class Rate:
    label: str
    answered: int
    total: int
    drafts: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass
class QuestionStats:
    question: Question
    answered: int
    bars: list[tuple[str, int]] = field(default_factory=list)  # choices
    numbers: dict = field(default_factory=dict)  # n, min, median, max, total
    texts: list[tuple[str, str]] = field(default_factory=list)  # (organisation, text)


def answers_of(campaign: Campaign) -> list[InventoryAnswer]:
    return db.session.scalars(
        select(InventoryAnswer)
        .options(joinedload(InventoryAnswer.organisation), selectinload(InventoryAnswer.practices))
        .where(InventoryAnswer.campaign_id == campaign.id)
        .order_by(InventoryAnswer.submitted_at)
    ).all()


def response_rates(answers: list[InventoryAnswer]) -> list[Rate]:
    """Overall, then per sector: employers that submitted, out of all employers."""
    employers = dict(db.session.execute(
        select(Organisation.sector, func.count(Organisation.id))
        .where(Organisation.kind == OrganisationKind.EMPLOYER)
        .group_by(Organisation.sector)
    ).all())
    rates = [Rate("Ensemble", 0, sum(employers.values()))]
    by_sector = {sector: Rate(label, 0, employers.get(sector, 0))
                 for sector, label in SECTOR_LABELS.items()}
    by_sector[""] = Rate("Secteur non renseigné", 0, employers.get(None, 0))
    for answer in answers:
        rate = by_sector.get(answer.organisation.sector or "")
        if answer.is_submitted:
            rates[0].answered += 1
            if rate:
                rate.answered += 1
        else:
            rates[0].drafts += 1
            if rate:
                rate.drafts += 1
    return rates + [r for r in by_sector.values() if r.total]


def question_stats(campaign: Campaign, answers: list[InventoryAnswer]) -> list[QuestionStats]:
    submitted = [a for a in answers if a.is_submitted]
    result = []
    for question in campaign.questionnaire.questions:
        if question.type == "practice":
            described = [(a.organisation.name, p.title) for a in submitted for p in a.practices]
            result.append(QuestionStats(question, len({o for o, _ in described}),
                                        texts=described))
            continue
        values = [(a.organisation.name, a.values.get(question.key)) for a in submitted]
        given = [(org, v) for org, v in values if v]
        stats = QuestionStats(question, len(given))
        if question.type in ("single_choice", "multiple_choice"):
            counts = dict.fromkeys(question.choice_labels, 0)
            for _, value in given:
                for choice in value if isinstance(value, list) else [value]:
                    if choice in counts:
                        counts[choice] += 1
            stats.bars = [(question.choice_labels[c], n) for c, n in counts.items()]
        elif question.type == "number":
            numbers = []
            for _, value in given:
                try:
                    numbers.append(float(str(value).replace(",", ".").replace(" ", "")))
                except ValueError:
                    continue
            if numbers:
                stats.numbers = {"n": len(numbers), "min": min(numbers),
                                 "median": statistics.median(numbers), "max": max(numbers),
                                 "total": sum(numbers)}
        else:
            stats.texts = given
        result.append(stats)
    return result


def coverage() -> dict:
    """Published sheets counted by category × phase: the gaps of the library."""
    counts = {(c, p): n for c, p, n in db.session.execute(
        select(Practice.category, Practice.phase, func.count(Practice.id))
        .where(Practice.status == PracticeStatus.PUBLISHED)
        .group_by(Practice.category, Practice.phase)
    ).all()}
    return {
        "categories": taxonomy.terms("category"),
        "phases": taxonomy.terms("phase"),
        "counts": counts,
        "max": max(counts.values(), default=0),
    }


def export_csv(campaign: Campaign, answers: list[InventoryAnswer]) -> str:
    """Every answer as a row (semicolon-separated, UTF-8 with BOM, as spreadsheets expect)."""
    questions = [q for q in campaign.questionnaire.questions if q.type != "practice"]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Organisation", "Secteur", "État", "Envoyée le"]
                    + [q.label for q in questions] + ["Pratiques décrites"])
    for answer in answers:
        row = [answer.organisation.name, SECTOR_LABELS.get(answer.organisation.sector or "", ""),
               "Envoyée" if answer.is_submitted else "Brouillon",
               answer.submitted_at.strftime("%d/%m/%Y") if answer.submitted_at else ""]
        for question in questions:
            value = answer.values.get(question.key)
            if question.type == "number":
                row.append(_safe_cell(str(value or "")))  # the number alone, for formulas
            else:
                row.append(_safe_cell(question.display(value)))
        row.append(" | ".join(_safe_cell(p.title) for p in answer.practices if not p.is_blank))
        writer.writerow(row)
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """No formula injection when the file is opened in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
