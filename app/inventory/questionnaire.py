"""Inventory questionnaires, defined as data in content/inventory/*.yml.

A campaign keeps a copy of its questionnaire (as loaded when it opened), so that
editing the file later never breaks the answers already given.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from app.config import ROOT

FOLDER = ROOT / "content" / "inventory"
TYPES = {"single_choice", "multiple_choice", "short_text", "long_text", "number", "practice"}
MAX_PRACTICES = 10


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class Question:
    key: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    choices: list[Choice] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    unit: str = ""

    @property
    def choice_labels(self) -> dict[str, str]:
        return {c.value: c.label for c in self.choices}

    def display(self, value) -> str:
        """An answer as a person reads it: choice labels, the unit after a number."""
        if not value:
            return ""
        if isinstance(value, list):
            return " ; ".join(self.choice_labels.get(v, v) for v in value)
        text = self.choice_labels.get(value, value)
        return f"{text} {self.unit}" if self.type == "number" and self.unit else text


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    questions: list[Question] = field(default_factory=list)


@dataclass
class Questionnaire:
    slug: str
    title: str
    intro: str = ""
    sections: list[Section] = field(default_factory=list)

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def as_data(self) -> dict:
        return asdict(self)


class QuestionnaireError(Exception):
    pass


def from_data(data: dict) -> Questionnaire:
    """Build (and check) a questionnaire from its YAML or JSON form."""
    try:
        sections = []
        keys: set[str] = set()
        for s in data["sections"]:
            questions = []
            for q in s["questions"]:
                if q["type"] not in TYPES:
                    raise QuestionnaireError(f"type inconnu « {q['type']} » ({q['key']})")
                if q["key"] in keys:
                    raise QuestionnaireError(f"clé en double « {q['key']} »")
                keys.add(q["key"])
                choices = [Choice(str(c["value"]), str(c["label"])) for c in q.get("choices", [])]
                if q["type"] in ("single_choice", "multiple_choice") and not choices:
                    raise QuestionnaireError(f"la question « {q['key']} » n’a pas de choix")
                questions.append(Question(
                    key=q["key"], type=q["type"], label=q["label"], help=q.get("help", ""),
                    required=bool(q.get("required", False)), choices=choices,
                    min=q.get("min"), max=q.get("max"), unit=q.get("unit", ""),
                ))
            sections.append(Section(key=s["key"], title=s["title"], intro=s.get("intro", ""),
                                    questions=questions))
        return Questionnaire(slug=data["slug"], title=data["title"],
                             intro=data.get("intro", ""), sections=sections)
    except (KeyError, TypeError) as error:
        raise QuestionnaireError(f"structure incomplète ({error})") from error


def available(folder: Path = FOLDER) -> dict[str, Questionnaire]:
    """The questionnaires of content/inventory/, by slug."""
    found = {}
    for path in sorted(folder.glob("*.yml")):
        questionnaire = from_data(yaml.safe_load(path.read_text(encoding="utf-8")))
        found[questionnaire.slug] = questionnaire
    return found
