"""The shared contract templates shipped in content/contracts/*.yml."""

from pathlib import Path

import yaml

from app.extensions import db
from app.onboarding import services
from app.onboarding.models import JOBS, SECTIONS, SKILL_KINDS


def read_template(path: Path) -> services.TemplateContent:
    """One template file; raises ValueError naming the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path.name} : YAML illisible ({error})") from error
    if not isinstance(data, dict) or not data.get("title") or data.get("job") not in JOBS:
        raise ValueError(f"{path.name} : « title » et « job » (un métier connu) sont requis")
    skills = [{"kind": kind, "label": label}
              for kind in SKILL_KINDS for label in data.get("skills", {}).get(kind, [])]
    return services.TemplateContent(
        title=data["title"], job=data["job"], summary=data.get("summary", ""),
        sections={name: data.get("sections", {}).get(name, "") for name in SECTIONS},
        objectives=[{"text": o.get("text", ""), "indicator": o.get("indicator", "")}
                    for o in data.get("objectives", [])],
        skills=skills,
    )


def load_templates(folder: Path | str) -> list[str]:
    """Upsert every template of the folder (slug = file name); returns the slugs."""
    loaded = []
    for path in sorted(Path(folder).glob("*.yml")):
        try:
            services.upsert_shared_template(path.stem, read_template(path))
        except services.ContractError as error:
            db.session.rollback()
            raise ValueError(f"{path.name} : {error.message}") from error
        loaded.append(path.stem)
    return loaded
