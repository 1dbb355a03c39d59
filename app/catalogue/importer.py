"""Import training modules (content/modules/<slug>/) and paths (content/paths/*.md).

Upserts by slug; idempotent; lessons are matched by their file name (without the
ordering number), so that progress on lessons that still exist is kept. A module
edited on the web is not overwritten unless forced. Bad files are reported with
file and line; the others still import.
"""

import hashlib
import re
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import utcnow
from app.catalogue.models import AUDIENCES, LearningPath, Lesson, Module, PathStep, Question
from app.extensions import db
from app.frontmatter import FrontMatterError, line_of, read
from app.library import taxonomy
from app.library.importer import ImportReport
from app.markup import render_markdown

ORDER_PREFIX = re.compile(r"^\d+[-_ ]*")


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _int(meta: dict, key: str, lines: list[str], default: int, low: int, high: int) -> int:
    value = meta.get(key, default)
    if not isinstance(value, int) or not low <= value <= high:
        raise FrontMatterError(line_of(lines, key),
                               f"{key} doit être un entier entre {low} et {high}")
    return value


def _questions(meta: dict, lines: list[str]) -> list[dict]:
    questions = meta.get("questions") or []
    if not isinstance(questions, list):
        raise FrontMatterError(line_of(lines, "questions"), "questions doit être une liste")
    checked = []
    for number, q in enumerate(questions, start=1):
        where = line_of(lines, "questions")
        if not isinstance(q, dict) or not str(q.get("prompt") or "").strip():
            raise FrontMatterError(where, f"question {number} : « prompt » manquant")
        kind = q.get("kind", "single")
        choices = q.get("choices") or []
        if kind not in ("single", "multiple") or len(choices) < 2:
            raise FrontMatterError(where, f"question {number} : kind single/multiple et au moins "
                                        "deux choix")
        correct = [c for c in choices if isinstance(c, dict) and c.get("correct")]
        if not correct or (kind == "single" and len(correct) != 1):
            raise FrontMatterError(where, f"question {number} : réponse(s) correcte(s) à revoir")
        checked.append({
            "prompt": str(q["prompt"]).strip(), "kind": kind,
            "choices": [{"text": str(c.get("text", "")), "correct": bool(c.get("correct"))}
                        for c in choices],
            "explanation": str(q.get("explanation") or "").strip(),
        })
    return checked


def import_module(folder: Path, report: ImportReport, force: bool = False) -> None:
    """Upsert one module folder; raises FrontMatterError for the first bad file."""
    files = sorted(p for p in folder.glob("*.md") if p.name != "module.md")
    head = folder / "module.md"
    if not head.exists():
        raise FrontMatterError(1, "module.md manquant")
    digest = _digest([head, *files])
    meta, body, lines = read(head)
    for key in ("title", "summary"):
        if not str(meta.get(key) or "").strip():
            raise FrontMatterError(line_of(lines, key), f"la clé « {key} » est obligatoire")
    duration = _int(meta, "duration_minutes", lines, 30, 5, 240)
    audience = str(meta.get("audience", "tuteur"))
    if audience not in AUDIENCES:
        raise FrontMatterError(line_of(lines, "audience"), f"audience inconnue « {audience} »")
    theme = str(meta.get("theme", "formation"))
    if not taxonomy.is_valid("category", theme):
        raise FrontMatterError(line_of(lines, "theme"), f"thème inconnu « {theme} »")
    lessons = []
    for path in files:
        try:
            lesson_meta, lesson_body, lesson_lines = read(path)
            if not str(lesson_meta.get("title") or "").strip():
                raise FrontMatterError(line_of(lesson_lines, "title"), "la clé « title » est "
                                                                   "obligatoire")
            lessons.append((ORDER_PREFIX.sub("", path.stem) or path.stem, lesson_meta,
                            lesson_body,
                            _int(lesson_meta, "duration_minutes", lesson_lines, 10, 1, 120),
                            _questions(lesson_meta, lesson_lines)))
        except FrontMatterError as error:
            raise FrontMatterError(error.line, error.message, path=path) from error
    slug = folder.name
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is not None and module.imported_hash == digest:
        report.unchanged.append(slug)
        return
    if module is not None and module.edited_on_web and not force:
        report.kept.append(slug)
        return
    created = module is None
    if created:
        module = Module(slug=slug, status="published", published_at=utcnow())
        db.session.add(module)
    elif module.is_published:
        module.version += 1  # learners' attestations keep the version they completed
    module.title, module.summary = str(meta["title"]).strip(), str(meta["summary"]).strip()
    module.duration_minutes, module.audience, module.theme = duration, audience, theme
    module.objectives = [str(o) for o in (meta.get("objectives") or [])]
    module.intro_md, module.intro_html = body, str(render_markdown(body))
    module.imported_hash, module.edited_on_web = digest, False
    existing = {lesson.slug: lesson for lesson in module.lessons}
    kept = []
    for position, (lesson_slug, lesson_meta, lesson_body, minutes, questions) in enumerate(
            lessons):
        lesson = existing.get(lesson_slug) or Lesson(slug=lesson_slug)
        lesson.position, lesson.title = position, str(lesson_meta["title"]).strip()
        lesson.duration_minutes = minutes
        lesson.body_md, lesson.body_html = lesson_body, str(render_markdown(lesson_body))
        old = list(lesson.questions)
        updated = []
        for index, data in enumerate(questions):
            question = old[index] if index < len(old) else Question()
            question.position = index
            question.prompt, question.kind = data["prompt"], data["kind"]
            question.choices, question.explanation = data["choices"], data["explanation"]
            updated.append(question)
        lesson.questions = updated
        kept.append(lesson)
    module.lessons = kept
    db.session.commit()
    (report.created if created else report.updated).append(slug)


def import_path(path: Path, report: ImportReport) -> None:
    meta, body, lines = read(path)
    if not str(meta.get("title") or "").strip():
        raise FrontMatterError(line_of(lines, "title"), "la clé « title » est obligatoire")
    slugs = meta.get("modules") or []
    modules = {m.slug: m for m in db.session.scalars(select(Module).where(
        Module.slug.in_([str(s) for s in slugs])))}
    missing = [s for s in slugs if s not in modules]
    if missing or not slugs:
        raise FrontMatterError(line_of(lines, "modules"),
                             f"modules inconnus : {', '.join(map(str, missing)) or 'aucun'}")
    digest = _digest([path])
    learning_path = db.session.scalar(select(LearningPath).where(LearningPath.slug == path.stem))
    if learning_path is not None and learning_path.imported_hash == digest:
        report.unchanged.append(path.stem)
        return
    created = learning_path is None
    if created:
        learning_path = LearningPath(slug=path.stem)
        db.session.add(learning_path)
    learning_path.title = str(meta["title"]).strip()
    learning_path.summary = str(meta.get("summary") or "").strip()
    learning_path.intro_html = str(render_markdown(body))
    learning_path.imported_hash = digest
    learning_path.steps = [PathStep(module=modules[s], position=i) for i, s in enumerate(slugs)]
    db.session.commit()
    (report.created if created else report.updated).append(path.stem)


def import_folder(folder: Path, force: bool = False) -> ImportReport:
    """Every module of <DIR>/modules/ then every path of <DIR>/paths/."""
    report = ImportReport()
    for module_folder in sorted(p for p in (folder / "modules").glob("*") if p.is_dir()):
        try:
            import_module(module_folder, report, force=force)
        except FrontMatterError as error:
            db.session.rollback()
            where = error.path or module_folder / "module.md"
            report.errors.append(f"{where}:{error.line}: {error.message}")
    for path in sorted((folder / "paths").glob("*.md")):
        try:
            import_path(path, report)
        except FrontMatterError as error:
            db.session.rollback()
            report.errors.append(f"{path}:{error.line}: {error.message}")
    return report
