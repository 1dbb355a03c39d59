"""The demo community's discussions: a few threads in each category, between the demo
accounts — one solved, one with a shared tool, one about a practice sheet, one about
a module, one still waiting for an answer."""

import io
from datetime import timedelta

from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from app.accounts.models import User, utcnow
from app.catalogue.models import Module
from app.discussions import services, subjects
from app.discussions.models import Category, Notification, Post, Thread
from app.extensions import db
from app.library.models import Practice

# A one-page PDF (what the upload checks accept): the observation grid shared in a thread.
GRID_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 60>>stream\n"
    b"BT /F1 18 Tf 60 780 Td (Grille d'observation - semaines 1 et 2) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# (category slug, author e-mail, title, first post, subject, days ago, replies, solution index)
# replies: (author e-mail, text, thanked by e-mails)
THREADS = [
    ("questions-de-tuteurs", "tuteur.tilleuls@demo.compagnon.fr",
     "Comment dire qu’un geste n’est pas le bon sans décourager ?",
     "Bonjour à toutes et tous,\n\nJ’accompagne depuis dix jours une nouvelle collègue "
     "aide-soignante, très motivée. Elle fait les transferts lit-fauteuil trop vite et sans "
     "prévenir le résident. Je lui ai dit deux fois, elle a rougi et s’est excusée, et depuis "
     "elle n’ose plus rien me demander.\n\nComment vous faites, vous, pour corriger un geste "
     "sans casser la confiance ?",
     None, 9, [
         ("tutrice.loire@demo.compagnon.fr",
          "Ça m’est arrivé aussi à domicile. Ce qui a marché : je ne corrige plus devant la "
          "personne accompagnée. On fait le point dans la voiture, juste après, et je commence "
          "toujours par ce qui s’est bien passé.", []),
         ("formatrice@demo.compagnon.fr",
          "Bonne question, Karim : c’est le cœur du module « Transmettre les savoir-faire ».\n\n"
          "Essayez un retour en trois temps, **factuel** plutôt que jugeant :\n\n"
          "1. **Ce que j’ai vu** : « tu as levé Mme X sans lui dire ce que tu allais faire » ;\n"
          "2. **Ce que ça produit** : « elle s’est crispée, c’est là que le dos trinque, le sien "
          "et le tien » ;\n"
          "3. **Ce qu’on essaie** : « la prochaine fois, on le fait ensemble, tu annonces chaque "
          "geste ».\n\nEt demandez-lui ce qu’elle en pense : un retour qui se termine par une "
          "question rouvre le dialogue.",
          ["tuteur.tilleuls@demo.compagnon.fr", "tutrice.loire@demo.compagnon.fr",
           "ide.tilleuls@demo.compagnon.fr"]),
         ("tuteur.tilleuls@demo.compagnon.fr",
          "Merci Nadia, j’ai essayé hier avec le « on le fait ensemble » : elle m’a posé trois "
          "questions dans l’après-midi. Je marque votre réponse comme réponse utile.", []),
     ], 1),
    ("questions-de-tuteurs", "tutrice.loire@demo.compagnon.fr",
     "Premier week-end seul·e à domicile : vous faites comment ?",
     "Dans notre service, les nouveaux·elles font leur premier week-end seul·es au bout de "
     "trois semaines, parfois moins quand il manque du monde. Certain·es nous disent ensuite "
     "qu’ils ont eu peur.\n\nAvez-vous un numéro d’astreinte, un binôme joignable, une liste "
     "de ce qu’il faut savoir avant ? Je suis preneuse de vos façons de faire.",
     None, 3, [], None),
    ("outils-et-modeles", "rh.tilleuls@demo.compagnon.fr",
     "Notre grille d’observation des deux premières semaines",
     "Nous utilisons cette grille depuis un an aux Tilleuls : le tuteur ou la tutrice coche "
     "chaque soir ce qui a été vu, fait ensemble, fait seul·e. Elle sert de base à la "
     "rencontre de fin de premier mois.\n\nJe la partage telle quelle, vos améliorations "
     "sont bienvenues.",
     None, 14, [
         ("rh.loire@demo.compagnon.fr",
          "Merci Sophie ! Auriez-vous une version modifiable ? Nous voudrions ajouter les "
          "interventions à domicile (courses, aide au repas).", []),
         ("rh.tilleuls@demo.compagnon.fr",
          "Bien sûr : je la dépose dans la fiche pratique sur la grille de compétences dès que "
          "je l’ai nettoyée. @Isabelle Moreau, je vous préviens ici.", []),
     ], None),
    ("accueil-et-integration", "rh.loire@demo.compagnon.fr",
     "Le livret d’accueil à domicile : que mettre dedans ?",
     "La fiche des Tilleuls sur le livret d’accueil est très complète pour un EHPAD. À "
     "domicile, nos salarié·es ne passent presque jamais au bureau : que mettriez-vous en "
     "priorité dans un livret de poche ?",
     ("practice", "livret-accueil-ehpad"), 6, [
         ("ide.tilleuls@demo.compagnon.fr",
          "Les numéros utiles sur la première page, les codes d’accès (à part, pas dans le "
          "livret !), et une page « qui appeler si… » : chute, refus de soin, clé qui ne marche "
          "pas.", []),
         ("referente@demo.compagnon.fr",
          "Côté Mission Locale, nous ajouterions une page sur l’accompagnement à la carte : "
          "aide au permis, garde d’enfants en horaires décalés, aide financière au démarrage. "
          "Beaucoup de jeunes ne savent pas qu’ils y ont droit.", ["rh.loire@demo.compagnon.fr"]),
     ], None),
    ("formation", "ide.tilleuls@demo.compagnon.fr",
     "Rencontres tripartites : qui prépare la grille de compétences ?",
     "Je viens de terminer le module sur les rencontres tripartites. Dans la pratique, qui "
     "remplit la grille avant la rencontre : le tuteur seul, ou le tuteur avec la personne "
     "accueillie ?",
     ("module", "evaluer-et-conduire-les-rencontres-tripartites"), 4, [
         ("formatrice@demo.compagnon.fr",
          "@Thomas Girard les deux ! Chacun remplit la grille de son côté, puis on compare "
          "pendant la rencontre : c’est ce qui rend l’évaluation « partagée ». Les écarts sont "
          "les meilleurs sujets de discussion.", ["ide.tilleuls@demo.compagnon.fr"]),
     ], None),
    ("vie-de-la-communaute", "admin@demo.compagnon.fr",
     "Bienvenue dans les discussions : quelques règles pour bien échanger",
     "Bienvenue ! Cet espace est ouvert à toutes les structures du territoire.\n\n"
     "- Posez vos questions du terrain : il n’y a pas de petite question.\n"
     "- **Ne citez jamais** le nom d’un·e résident·e, d’une personne accompagnée ou d’un·e "
     "salarié·e : décrivez la situation.\n"
     "- Quand une réponse vous a aidé·e, indiquez-la comme « réponse utile » : elle aidera "
     "la personne suivante.\n- Un message vous semble déplacé ? Signalez-le, l’équipe de "
     "modération s’en occupe.",
     None, 20, [
         ("tuteur.tilleuls@demo.compagnon.fr",
          "Merci, et bonne idée d’avoir un espace commun entre EHPAD et domicile.", []),
     ], None),
]


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _subject(kind: str, slug: str, reader: User) -> subjects.Subject | None:
    model = Practice if kind == "practice" else Module
    found = db.session.scalar(select(model).where(model.slug == slug))
    return subjects.find_public(kind, found.id, reader) if found else None


def load_discussions() -> None:
    """Create the demo threads once (a second run changes nothing)."""
    if db.session.scalar(select(Thread.id).where(Thread.is_private.is_(False)).limit(1)):
        return
    now = utcnow()
    # The demo accounts have been members for a while: today's threads are news to them.
    emails = {email for _, email, *_ in THREADS} | {
        r[0] for thread in THREADS for r in thread[6]}
    db.session.execute(update(User).where(User.email.in_(emails))
                       .values(created_at=now - timedelta(days=60)))
    db.session.commit()
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    for slug, email, title, body, subject, days, replies, solution in THREADS:
        author = _user(email)
        uploads = []
        if slug == "outils-et-modeles":
            uploads = [FileStorage(io.BytesIO(GRID_PDF),
                                   filename="Grille d’observation semaines 1-2.pdf",
                                   content_type="application/pdf")]
        found = _subject(*subject, author) if subject else None
        thread = services.start_thread(author, categories[slug], title, body, uploads, found)
        posts = []
        for reply_email, text, thankers in replies:
            post = services.reply(_user(reply_email), thread, text)
            posts.append(post)
            for thanker in thankers:
                services.thank(_user(thanker), post, True)
        if solution is not None:
            services.mark_solution(author, thread, posts[solution])
        if slug == "vie-de-la-communaute":
            services.set_pinned(_user("admin@demo.compagnon.fr"), thread, True)
        _backdate(thread, now - timedelta(days=days))


def _backdate(thread: Thread, start) -> None:
    """Spread a thread's posts over the days after `start`, as if they were written then."""
    posts = list(db.session.scalars(select(Post).where(Post.thread_id == thread.id)
                                    .order_by(Post.number)))
    for index, post in enumerate(posts):
        post.created_at = start + timedelta(hours=5 * index, minutes=17 * index)
    thread.created_at = posts[0].created_at
    thread.last_post_at = posts[-1].created_at
    if thread.solved_at:
        thread.solved_at = posts[-1].created_at
    db.session.flush()
    # The notifications carry the time of what they tell of, not of the demo's loading.
    db.session.execute(update(Notification).where(Notification.thread_id == thread.id)
                       .values(created_at=func.coalesce(
                           select(Post.created_at).where(Post.id == Notification.post_id)
                           .scalar_subquery(), posts[-1].created_at)))
    db.session.commit()
