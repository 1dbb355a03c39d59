"""Training modules and lessons are searchable; drafts only by trainers."""

from app.catalogue import services as catalogue
from app.extensions import db
from app.search.service import search
from tests import factories


def test_published_modules_and_lessons_are_found_and_drafts_only_by_trainers(app):
    with app.app_context():
        tutor = factories.make_user(factories.make_organisation(), "tutor")
        trainer = factories.make_user(
            factories.make_organisation(kind="training_body", sector=None), "trainer")
        module = factories.make_module(title="Transmettre les gestes de manutention",
                                       status="draft")
        lesson = module.lessons[0]
        lesson.body_md = "Le verticalisateur se prépare avant la toilette."
        db.session.commit()  # the outbox carries the module and its lessons to the index
        assert search("manutention", viewer=tutor).total == 0
        found = search("manutention", viewer=trainer)
        assert found.hits[0].type == "module"  # its lessons follow, named after it
        catalogue.set_status(trainer, module, "published")
        hits = search("verticalisateur", viewer=tutor).hits
        assert [(h.type, h.url) for h in hits] == [
            ("lesson", f"/formations/{module.slug}/lecons/{lesson.slug}")]
        assert search("manutention", viewer=None).hits[0].type == "module"
        catalogue.delete_lesson(trainer, lesson)
        assert search("verticalisateur", viewer=tutor).total == 0
