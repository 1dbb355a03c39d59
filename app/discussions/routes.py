"""URLs under /discussions (threads, posts, moderation), /notifications, and the
categories' admin page /admin/discussions."""

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.discussions import bp, notifications, policy, queries, services, subjects
from app.discussions.forms import (
    CategoryForm,
    EditPostForm,
    ModerationForm,
    MoveForm,
    PreferencesForm,
    ReplyForm,
    ReportForm,
    ThreadForm,
)
from app.discussions.models import Category, Post, PostFile, Thread
from app.extensions import db
from app.files import send_stored_file
from app.library.queries import page_number
from app.markup import render_markdown
from app.web import field_error, render, wants_fragment

MAX_ID = 2**31 - 1


def _posts_per_page() -> int:
    return current_app.config["DISCUSSION_POSTS_PER_PAGE"]


def get_thread(thread_id: int) -> tuple[Thread, policy.ThreadRights]:
    """The thread and what the person may do in it; 404 when they may not read it
    (a private thread is not even hinted at)."""
    if thread_id > MAX_ID:
        abort(404)
    thread = db.session.scalar(
        select(Thread).options(joinedload(Thread.category), joinedload(Thread.author))
        .where(Thread.id == thread_id)) or abort(404)
    rights = policy.thread_rights(current_user, thread)
    if not rights.view:
        abort(404)
    _private_page(thread)
    return thread, rights


def _private_page(thread: Thread) -> None:
    if thread.is_private:
        g.private_page = True  # see no_store() below


@bp.after_app_request
def badge_follows(response):
    """An htmx request that read notifications (a thread's page, a contract's private
    thread) tells the header's badge, which refreshes at once instead of within a minute."""
    if g.get("notifications_changed") and wants_fragment():
        events = [e for e in response.headers.get("HX-Trigger", "").split(",") if e.strip()]
        response.headers["HX-Trigger"] = ",".join([*events, "notifications-changed"])
    return response


@bp.after_request
def no_store(response):
    """A private thread (an onboarding contract's) is never kept by any cache."""
    if g.get("private_page"):
        response.headers["Cache-Control"] = "no-store"
    return response


def get_post(post_id: int) -> tuple[Post, policy.ThreadRights, policy.PostRights]:
    """The post, its thread's rights and its own; 404 when its thread is not readable."""
    if post_id > MAX_ID:
        abort(404)
    post = db.session.scalar(
        select(Post).options(joinedload(Post.thread).joinedload(Thread.category),
                             joinedload(Post.author), selectinload(Post.files))
        .where(Post.id == post_id)) or abort(404)
    rights = policy.thread_rights(current_user, post.thread)
    if not rights.view:
        abort(404)
    _private_page(post.thread)
    return post, rights, policy.post_rights(current_user, rights, post)


def get_category(slug: str) -> Category:
    if len(slug) > 80 or not slug.isprintable():
        abort(404)
    return db.session.scalar(select(Category).where(Category.slug == slug)) or abort(404)


def _files_sent() -> bool:
    """Files came with a form shown again (an error, a preview): the browser forgets them."""
    return any(f.filename for f in request.files.getlist("files"))


def _filter_arg() -> str:
    value = request.args.get("filtre", "recents")
    return value if value in queries.FILTERS else "recents"


def _thread_url(thread: Thread, number: int | None = None) -> str:
    if number is None:
        return url_for("discussions.thread", thread_id=thread.id)
    return url_for("discussions.thread", thread_id=thread.id, message=number,
                   _anchor=f"message-{number}")


# --- Lists ----------------------------------------------------------------------------


@bp.get("/discussions")
@login_required
def index():
    """Every public thread, with filters (récentes, sans réponse, résolues, mes discussions)."""
    filter_name = _filter_arg()
    page = queries.thread_page(current_user, filter_name, page_number(request.args))
    return render("discussions/index.html", block="threads", page=page,
                  filter_name=filter_name, filters=queries.FILTERS,
                  categories=queries.category_summaries(), category=None,
                  reports=queries.open_report_count(current_user.is_admin)
                  if policy.is_moderator(current_user) else 0)


@bp.get("/discussions/categories/<slug>")
@login_required
def category(slug: str):
    """A category's threads: pinned first, then solved ones, then by last activity."""
    found = get_category(slug)
    filter_name = _filter_arg()
    page = queries.thread_page(current_user, filter_name, page_number(request.args), found)
    return render("discussions/index.html", block="threads", page=page,
                  filter_name=filter_name, filters=queries.FILTERS,
                  categories=queries.category_summaries(), category=found,
                  watching=queries.is_watching(found, current_user), reports=0)


@bp.post("/discussions/categories/<slug>/surveiller")
@login_required
def watch(slug: str):
    """Watch a category (each new thread reaches one's notifications), or stop."""
    found = get_category(slug)
    watching = request.form.get("action") != "arreter"
    try:
        services.watch_category(current_user, found, watching)
    except services.DiscussionError as error:
        flash(error.message, "error")
        return redirect(url_for("discussions.category", slug=slug), 303)
    message = (f"Vous serez prévenu·e de chaque nouvelle discussion dans « {found.name} »."
               if watching else f"Vous ne surveillez plus « {found.name} ».")
    flash(message, "success")
    if wants_fragment():
        return render("discussions/index.html", block="watch", category=found,
                      watching=watching)
    return redirect(url_for("discussions.category", slug=slug), 303)


# --- Starting a thread ------------------------------------------------------------------


@bp.route("/discussions/nouvelle", methods=["GET", "POST"])
@login_required
def new_thread():
    """Ask a question or open a subject, in a category, maybe about a sheet or a module."""
    categories = queries.open_categories()
    subject = subjects.subject_from_args(request.args, current_user)
    form = ThreadForm(categories=categories)
    if request.method == "GET":
        wanted = request.args.get("categorie", "")
        chosen = next((c for c in categories if c.slug == wanted), None)
        if chosen is None and subject is not None:
            # A question about a module or a lesson is about training.
            usual = "questions-de-tuteurs" if subject.kind == "practice" else "formation"
            chosen = next((c for c in categories if c.slug == usual), None)
        if chosen is not None:
            form.category_id.data = chosen.id
    status = 200
    if request.form.get("apercu"):
        pass  # without JavaScript: show the preview, save nothing
    elif form.validate_on_submit():
        chosen = next((c for c in categories if c.id == form.category_id.data), None)
        try:
            thread = services.start_thread(current_user, chosen, form.title.data,
                                           form.body.data, request.files.getlist("files"),
                                           subject=subject)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Votre discussion est publiée. Vous serez prévenu·e des réponses.",
                  "success")
            return redirect(_thread_url(thread), 303)
    if form.is_submitted() and not request.form.get("apercu"):
        status = 422
    return render("discussions/new.html", form=form, subject=subject,
                  preview=render_markdown(form.body.data or ""), status=status,
                  files_dropped=_files_sent())


@bp.post("/discussions/apercu")
@login_required
def preview():
    """Live preview of a message, sanitised exactly as it will be saved."""
    return render("library/_preview.html",
                  html=render_markdown(request.form.get("body", "")[:services.MAX_BODY]),
                  placeholder="L’aperçu de votre message s’affichera ici.")


@bp.get("/discussions/mentions")
@login_required
def mention_suggestions():
    """People whose name holds what was typed after « @ » (the reply box's autocomplete)."""
    audience = None
    thread_id = request.args.get("fil", type=int)
    if thread_id:
        thread, _ = get_thread(thread_id)
        audience = policy.audience(thread)
    typed = request.args.get("q", "")[:60]
    people = services.mentions.suggestions(typed, audience)
    return render("discussions/mentions.html", block="mentions", people=people, q=typed)


# --- A thread -------------------------------------------------------------------------------


def _thread_context(thread: Thread, rights: policy.ThreadRights, page: int,
                    form: ReplyForm | None = None) -> dict:
    per_page = _posts_per_page()
    posts = queries.post_page(thread, current_user, page, per_page,
                              with_reports=rights.moderate)
    form = form or ReplyForm()
    form.shown_until.data = str(posts.posts[-1].number if posts.posts else 0)
    solution = None
    if thread.solution_post_id:
        solution = db.session.scalar(select(Post).options(joinedload(Post.author))
                                     .where(Post.id == thread.solution_post_id))
    private = subjects.private_subject(thread.subject_type) if thread.is_private else None
    return {
        "thread": thread, "rights": rights, "posts": posts, "form": form,
        "post_rights": {p.id: policy.post_rights(current_user, rights, p)
                        for p in posts.posts},
        "solution": solution,
        "subject": None if thread.is_private else subjects.find_public(
            thread.subject_type, thread.subject_id, current_user),
        "private_link": private.link(thread.subject_id) if private else None,
        "following": queries.is_following(thread, current_user),
    }


@bp.get("/discussions/<int:thread_id>")
@login_required
def thread(thread_id: int):
    """A thread: its question, the useful answer, the replies page by page, the reply box."""
    found, rights = get_thread(thread_id)
    message = request.args.get("message", type=int)
    if message and "page" not in request.args:
        page = queries.page_of(min(message, max(found.last_number, 1)), _posts_per_page())
    else:
        page = page_number(request.args)
    per_page = _posts_per_page()
    if page > 1 and (page - 1) * per_page >= found.last_number:
        abort(404)
    # Posts are numbered without gaps: the page's last number is known before loading
    # it, and marking it read first keeps the commit from expiring the page's objects.
    subjects.record(current_user, found, "Fil privé consulté")
    services.mark_read(current_user, found, min(page * per_page, found.last_number))
    context = _thread_context(found, rights, page)
    return render("discussions/thread.html", block="posts_page", **context)


@bp.get("/discussions/messages/<int:post_id>")
@login_required
def post(post_id: int):
    """One message: alone for htmx (cancelling an edit), else its place in the thread."""
    found, rights, own = get_post(post_id)
    if wants_fragment():
        return render("discussions/_post.html", post=found, thread=found.thread,
                      rights=rights, own=own, thanked=_thanked(found), reports=0)
    return redirect(_thread_url(found.thread, found.number), 303)


def _thanked(post: Post) -> bool:
    return post.id in queries.thanked_posts(current_user, [post.id])


def _quote(post: Post) -> str:
    author = post.author.full_name if post.author else "Quelqu’un"
    quoted = "\n".join(f"> {line}" if line else ">" for line in post.body_md.splitlines())
    return f"> **@{author} a écrit :**\n{quoted}\n\n"


@bp.route("/discussions/<int:thread_id>/repondre", methods=["GET", "POST"])
@login_required
def reply(thread_id: int):
    """Reply at the end of a thread. GET prepares the box (with a quote: ?citer=<message>)."""
    found, rights = get_thread(thread_id)
    form = ReplyForm()
    if not rights.reply:
        if request.method == "POST" and found.locked:
            # Locked while the person was writing: say so, and give their text back.
            return render("discussions/reply.html", block="reply_form", thread=found,
                          rights=rights, form=form, quoted=None, unsent=form.body.data,
                          status=422)
        abort(403)
    if request.method == "GET":
        typed = request.args.get("body", "")[:services.MAX_BODY]
        quoted = request.args.get("citer", type=int)
        post_quoted = None
        if quoted and quoted <= MAX_ID:
            post_quoted = db.session.scalar(select(Post).options(joinedload(Post.author)).where(
                Post.id == quoted, Post.thread_id == found.id))
            if post_quoted is not None and not post_quoted.is_shown:
                post_quoted = None  # a hidden or deleted post is not quoted
        form.body.data = typed.rstrip() + ("\n\n" if typed.strip() else "") + (
            _quote(post_quoted) if post_quoted is not None else "")
        form.shown_until.data = request.args.get("shown_until", "")
        return render("discussions/reply.html", block="reply_form", thread=found,
                      rights=rights, form=form, quoted=post_quoted, focus=True)
    if request.form.get("apercu"):  # without JavaScript: the preview, nothing saved
        return render("discussions/reply.html", block="reply_form", thread=found,
                      rights=rights, form=form, quoted=None,
                      preview=render_markdown(form.body.data or ""),
                      files_dropped=_files_sent())
    if form.validate_on_submit():
        try:
            created = services.reply(current_user, found, form.body.data,
                                     request.files.getlist("files"))
        except services.DiscussionError as error:
            field_error(form, error.message, error.field or "body")
        else:
            return _replied(found, rights, created, form.shown_until.data or "")
    return render("discussions/reply.html", block="reply_form", thread=found, rights=rights,
                  form=form, quoted=None, files_dropped=_files_sent(), status=422)


def _replied(thread: Thread, rights: policy.ThreadRights, created: Post, shown_until: str):
    """After a reply: the fresh box and the new post for htmx, else the thread at the post."""
    flash("Votre réponse est publiée.", "success")
    embedded = request.form.get("embedded", "")
    everything_shown = shown_until.isdigit() and int(shown_until) >= created.number - 1
    if wants_fragment() and everything_shown:
        fresh = ReplyForm(formdata=None)
        fresh.shown_until.data, fresh.embedded.data = str(created.number), embedded
        own = policy.post_rights(current_user, rights, created)
        return render("discussions/reply.html", block="reply_form", thread=thread,
                      rights=rights, form=fresh, appended=created, own=own, quoted=None)
    target = _thread_url(thread, created.number)
    private = subjects.private_subject(thread.subject_type) if thread.is_private else None
    if embedded and private is not None:
        target = private.link(thread.subject_id)[1]  # back to the contract's page
    if wants_fragment():  # messages the page does not show came in between: reload it
        response = render("discussions/reply.html", block="reply_form", thread=thread,
                          rights=rights, form=ReplyForm(formdata=None), quoted=None)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.route("/discussions/messages/<int:post_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    """Edit one's own message (in place with htmx); the earlier text stays in its history."""
    found, rights, own = get_post(post_id)
    if not own.edit:
        if own.locked_out:  # locked meanwhile: say so, and give back what was not saved
            sent = request.form if request.method == "POST" else {}
            return render("discussions/edit_post.html", block="edit_form", post=found,
                          form=None, thread=found.thread,
                          unsent=sent.get(f"m{found.id}-body", ""),
                          unsent_title=sent.get(f"m{found.id}-title", ""),
                          status=422 if request.method == "POST" else 200)
        abort(403)
    with_title = found.is_question and not found.thread.is_private
    form = EditPostForm(prefix=f"m{found.id}", with_title=with_title)
    if request.method == "GET":
        form.body.data = found.body_md
        if with_title:
            form.title.data = found.thread.title
    if form.validate_on_submit():
        try:
            services.edit_post(current_user, found, form.body.data,
                               form.title.data if with_title else None)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field or "body")
        else:
            flash("Message modifié.", "success")
            if wants_fragment():
                return render("discussions/_post.html", post=found, thread=found.thread,
                              rights=rights, own=own, thanked=_thanked(found), reports=0,
                              focus=True, announce=True)
            return redirect(_thread_url(found.thread, found.number), 303)
    return render("discussions/edit_post.html", block="edit_form", post=found, form=form,
                  thread=found.thread, status=422 if form.is_submitted() else 200)


@bp.get("/discussions/messages/<int:post_id>/historique")
@login_required
def history(post_id: int):
    """Every earlier text of an edited message."""
    found, _, own = get_post(post_id)
    if not own.read_hidden:  # the author and moderators (policy.can_view_history)
        abort(403)
    return render("discussions/history.html", post=found, thread=found.thread,
                  revisions=list(reversed(found.revisions)),
                  can_erase=found.author_id == current_user.id and bool(found.revisions))


@bp.post("/discussions/messages/<int:post_id>/historique/effacer")
@login_required
def erase_history(post_id: int):
    """The author erases the earlier versions of their message."""
    found, _, _ = get_post(post_id)
    if found.author_id != current_user.id:
        abort(403)
    services.erase_history(current_user, found)
    flash("Les versions précédentes de votre message sont effacées.", "success")
    return redirect(_thread_url(found.thread, found.number), 303)


@bp.post("/discussions/messages/<int:post_id>/supprimer")
@login_required
def delete_post(post_id: int):
    """Delete one's own message; « Message supprimé » stays in its place."""
    found, _, own = get_post(post_id)
    if not own.delete:
        abort(403)
    thread = found.thread
    services.delete_post(current_user, found)
    flash("Votre message est supprimé.", "success")
    if thread.removed_at is not None:
        return redirect(url_for("discussions.index"), 303)
    return redirect(_thread_url(thread, found.number), 303)


@bp.post("/discussions/messages/<int:post_id>/merci")
@login_required
def thank(post_id: int):
    """« Merci » on a message (one per person), or take it back."""
    found, _, own = get_post(post_id)
    if not own.thank:
        abort(403)
    thanked = request.form.get("action") != "retirer"
    services.thank(current_user, found, thanked)
    if wants_fragment():
        return render("discussions/_thanks.html", post=found, thanked=thanked, own=own,
                      focus=True)
    return redirect(_thread_url(found.thread, found.number), 303)


@bp.post("/discussions/messages/<int:post_id>/solution")
@login_required
def solution(post_id: int):
    """Mark the reply that solved the question (« Réponse utile »), or unmark it."""
    found, rights, own = get_post(post_id)
    if not rights.mark_solution:
        abort(403)
    unmark = request.form.get("action") == "retirer"
    if not unmark and not own.solution:
        abort(403)
    services.mark_solution(current_user, found.thread, None if unmark else found)
    flash("La réponse utile n’est plus indiquée." if unmark else
          "Réponse utile indiquée : elle apparaît sous la question.", "success")
    return redirect(_thread_url(found.thread, 1 if not unmark else found.number), 303)


@bp.post("/discussions/<int:thread_id>/suivre")
@login_required
def follow(thread_id: int):
    """Follow a thread (its replies reach one's notifications), or stop."""
    found, rights = get_thread(thread_id)
    following = request.form.get("action") != "arreter"
    services.follow(current_user, found, following)
    flash("Vous suivez cette discussion." if following
          else "Vous ne suivez plus cette discussion.", "success")
    if wants_fragment():
        return render("discussions/thread.html", block="follow", thread=found,
                      following=following, rights=rights)
    return redirect(_thread_url(found), 303)


@bp.route("/discussions/messages/<int:post_id>/signaler", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    """Signal a message to the moderators, with a reason."""
    found, _, own = get_post(post_id)
    if not own.report:
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.report(current_user, found, form.reason.data, form.comment.data)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Merci : le message est signalé à l’équipe de modération, qui va "
                  "l’examiner.", "success")
            return redirect(_thread_url(found.thread, found.number), 303)
    return render("discussions/report.html", form=form, post=found, thread=found.thread,
                  status=422 if form.is_submitted() else 200)


@bp.get("/discussions/fichiers/<int:file_id>")
@login_required
def download(file_id: int):
    """A file attached to a message the person can read."""
    if file_id > MAX_ID:
        abort(404)
    attachment = db.session.scalar(
        select(PostFile).options(joinedload(PostFile.post).joinedload(Post.thread))
        .where(PostFile.id == file_id)) or abort(404)
    if not policy.can_download(current_user, attachment):
        abort(404)
    _private_page(attachment.post.thread)
    return send_stored_file(attachment.storage_key, attachment.filename,
                            attachment.content_type)


# --- Moderation -----------------------------------------------------------------------------


def _moderated_post(post_id: int) -> tuple[Post, policy.ThreadRights]:
    found, rights, _ = get_post(post_id)
    if not rights.moderate:
        abort(403)
    return found, rights


@bp.get("/discussions/moderation")
@login_required
def moderation():
    """Reported messages waiting for a decision (trainers and admins)."""
    if not policy.is_moderator(current_user):
        abort(403)
    reported = [r for r in queries.reported_posts(include_private=current_user.is_admin)
                if not r.post.thread.is_private or policy.can_moderate(current_user,
                                                                        r.post.thread)]
    return render("discussions/moderation.html", reported=reported, form=ModerationForm())


@bp.get("/discussions/moderation/journal")
@login_required
def moderation_log():
    """Every moderation decision, newest first."""
    if not policy.is_moderator(current_user):
        abort(403)
    page = queries.moderation_log(page_number(request.args), current_app.config["PAGE_SIZE"])
    return render("discussions/moderation_log.html", page=page)


# A moderator's decision on a post: the service, what it did, and how its author knows.
POST_DECISIONS = {
    "hide": (services.hide_post, "Message masqué", "son auteur·e a reçu la raison"),
    "restore": (services.restore_post, "Message rétabli", "son auteur·e en est prévenu·e"),
}


def _decide(post_id: int, action: str):
    """The page of a decision on a post (hide, restore) with its reason, and its POST."""
    found, _ = _moderated_post(post_id)
    decide, done, told_author = POST_DECISIONS[action]
    form = ModerationForm()
    if form.validate_on_submit():
        try:
            told = decide(current_user, found, form.reason.data)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash(f"{done} ; {told_author}." if told else f"{done}.", "success")
            return redirect(_back(found), 303)
    return render("discussions/moderate.html", form=form, post=found, thread=found.thread,
                  action=action, status=422 if form.is_submitted() else 200)


@bp.route("/discussions/messages/<int:post_id>/masquer", methods=["GET", "POST"])
@login_required
def hide(post_id: int):
    """Hide a message, with a reason sent to its author."""
    return _decide(post_id, "hide")


def _back(post: Post) -> str:
    if request.form.get("retour") == "moderation":
        return url_for("discussions.moderation")
    if post.thread.removed_at is not None and not policy.can_view_thread(current_user,
                                                                          post.thread):
        return url_for("discussions.index")
    return _thread_url(post.thread, post.number)


@bp.route("/discussions/messages/<int:post_id>/retablir", methods=["GET", "POST"])
@login_required
def restore(post_id: int):
    """Show a hidden message again, with a reason (optional) sent to its author."""
    return _decide(post_id, "restore")


@bp.post("/discussions/messages/<int:post_id>/classer")
@login_required
def dismiss(post_id: int):
    """Close a message's reports without hiding it."""
    found, _ = _moderated_post(post_id)
    try:
        services.dismiss_reports(current_user, found, request.form.get("reason", ""))
    except services.DiscussionError as error:
        flash(error.message, "error")
    else:
        flash("Signalements classés sans suite.", "success")
    return redirect(_back(found), 303)


@bp.route("/discussions/<int:thread_id>/verrouiller", methods=["GET", "POST"])
@login_required
def lock(thread_id: int):
    """Lock a thread (no more replies), with a reason; or reopen it."""
    found, rights = get_thread(thread_id)
    if not rights.moderate:
        abort(403)
    form = ModerationForm()
    unlocking = found.locked
    if form.validate_on_submit():
        try:
            services.set_locked(current_user, found, not unlocking, form.reason.data)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Discussion rouverte aux réponses." if unlocking else
                  "Discussion verrouillée : on ne peut plus y répondre.", "success")
            return redirect(_thread_url(found), 303)
    return render("discussions/moderate.html", form=form, thread=found, post=None,
                  action="unlock" if unlocking else "lock",
                  status=422 if form.is_submitted() else 200)


@bp.post("/discussions/<int:thread_id>/epingler")
@login_required
def pin(thread_id: int):
    """Pin a thread at the top of its category, or unpin it."""
    found, rights = get_thread(thread_id)
    if not rights.moderate:
        abort(403)
    pinned = request.form.get("action") != "retirer"
    try:
        services.set_pinned(current_user, found, pinned)
    except services.DiscussionError as error:
        flash(error.message, "error")
    else:
        flash("Discussion épinglée en tête de sa catégorie." if pinned
              else "Discussion désépinglée.", "success")
    return redirect(_thread_url(found), 303)


@bp.route("/discussions/<int:thread_id>/deplacer", methods=["GET", "POST"])
@login_required
def move(thread_id: int):
    """Move a thread to another category."""
    found, rights = get_thread(thread_id)
    if not rights.moderate or found.is_private:
        abort(403)
    categories = queries.open_categories()
    form = MoveForm(categories=categories)
    if form.validate_on_submit():
        chosen = next((c for c in categories if c.id == form.category_id.data), None)
        try:
            services.move_thread(current_user, found, chosen, form.reason.data)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash(f"Discussion déplacée dans « {chosen.name} ».", "success")
            return redirect(_thread_url(found), 303)
    return render("discussions/moderate.html", form=form, thread=found, post=None,
                  action="move", status=422 if form.is_submitted() else 200)


# --- Notifications ------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications_centre():
    """The person's notifications, newest first; unread ones stand out, and the replies
    (or thanks) about one thread next to each other make one line."""
    page = queries.notification_page(current_user, page_number(request.args),
                                     current_app.config["PAGE_SIZE"])
    g.private_page = True  # titles of private threads (« Accompagnement de Léa F. »)
    return render("discussions/notifications.html", page=page,
                  groups=notifications.grouped(list(page.items)),
                  describe=notifications.describe_group, link=notifications.link,
                  frequency=notifications.frequency_of(current_user))


@bp.get("/notifications/badge")
@login_required
def badge():
    """The header's unread count, refreshed by htmx (without it: the notification centre)."""
    if not wants_fragment():
        return redirect(url_for("discussions.notifications_centre"), 303)
    return render("discussions/_badge.html")


@bp.post("/notifications/tout-lu")
@login_required
def read_all():
    """Mark every notification as read."""
    notifications.mark_read(current_user)
    flash("Toutes vos notifications sont marquées comme lues.", "success")
    return redirect(url_for("discussions.notifications_centre"), 303)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """How often notifications come by e-mail: at once, daily, weekly or never."""
    form = PreferencesForm()
    if request.method == "GET":
        form.email_frequency.data = notifications.frequency_of(current_user)
    if form.validate_on_submit():
        notifications.set_frequency(current_user, form.email_frequency.data)
        flash("Préférence enregistrée.", "success")
        return redirect(url_for("discussions.preferences"), 303)
    return render("discussions/preferences.html", form=form,
                  status=422 if form.is_submitted() else 200)


# --- Categories (admins) ----------------------------------------------------------------------


def _require_admin() -> None:
    if not policy.can_manage_categories(current_user):
        abort(403)


def _categories_page(new_form=None, forms=None, status=200):
    summaries = queries.category_summaries(include_archived=True)
    forms = forms or {}
    for summary in summaries:
        if summary.category.id not in forms:
            forms[summary.category.id] = CategoryForm(
                formdata=None, obj=summary.category, prefix=f"c{summary.category.id}")
    return render("discussions/admin_categories.html", summaries=summaries, forms=forms,
                  new_form=new_form or CategoryForm(formdata=None, prefix="new"),
                  status=status)


@bp.route("/admin/discussions", methods=["GET", "POST"])
@login_required
def admin_categories():
    """The discussion categories: add, rename, describe, order, archive (admins)."""
    _require_admin()
    if request.method == "GET":
        return _categories_page()
    form = CategoryForm(prefix="new")
    if form.validate_on_submit():
        try:
            created = services.create_category(current_user, form.name.data,
                                               form.description.data)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash(f"Catégorie « {created.name} » ajoutée.", "success")
            return redirect(url_for("discussions.admin_categories"), 303)
    return _categories_page(new_form=form, status=422)


@bp.post("/admin/discussions/<int:category_id>")
@login_required
def update_category(category_id: int):
    """Rename, describe or archive a category (admins)."""
    _require_admin()
    found = db.session.get(Category, category_id) if category_id <= MAX_ID else None
    if found is None:
        abort(404)
    form = CategoryForm(prefix=f"c{found.id}")
    if form.validate_on_submit():
        try:
            services.update_category(current_user, found, form.name.data,
                                     form.description.data, form.archived.data)
        except services.DiscussionError as error:
            field_error(form, error.message, error.field)
        else:
            flash(f"Catégorie « {found.name} » enregistrée.", "success")
            return redirect(url_for("discussions.admin_categories"), 303)
    return _categories_page(forms={found.id: form}, status=422)


@bp.post("/admin/discussions/<int:category_id>/ordre")
@login_required
def reorder_category(category_id: int):
    """Move a category up or down in the order people see (admins)."""
    _require_admin()
    found = db.session.get(Category, category_id) if category_id <= MAX_ID else None
    if found is None:
        abort(404)
    services.move_category(current_user, found, -1 if request.form.get("sens") == "haut" else 1)
    return redirect(url_for("discussions.admin_categories"), 303)
