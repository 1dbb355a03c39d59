"""Jinja filters and the values every template sees (navigation, labels)."""


from flask import Flask, g, has_request_context
from flask_babel import format_datetime
from flask_login import current_user

from app.accounts import policy
from app.inventory import policy as inventory_policy
from app.onboarding import policy as onboarding_policy
from app.web import french_date, wants_fragment


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = french_date
    app.jinja_env.filters["datetime"] = lambda value, style="medium": (
        format_datetime(value, style) if value else ""
    )
    from app.files import human_size, type_label
    from app.markup import html_excerpt

    app.jinja_env.filters["excerpt"] = html_excerpt
    from app.library.taxonomy import label as taxonomy_label

    app.jinja_env.globals.update(
        taxonomy_label=taxonomy_label, file_size=human_size, file_type=type_label
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def navigation() -> dict:
        """The navigation shows only what exists for this person."""
        items = []
        if not has_request_context():
            return {}
        if current_user.is_authenticated:
            items.append(("home.index", "Accueil", "/"))
            items.append(("catalogue.index", "Formations", "/formations"))
            items.append(("library.index", "Pratiques", "/pratiques"))
            items.append(("library.tools", "Outils", "/outils"))
            items.append(("discussions.index", "Discussions", "/discussions"))
            if inventory_policy.can_open_campaign(current_user) or (
                inventory_policy.answering_organisations(current_user)
            ):
                items.append(("inventory.index", "Recensement", "/recensement"))
            if item := onboarding_policy.navigation_item(current_user):
                items.append(item)
            if current_user.active_memberships:
                items.append(("accounts.organisations", "Mes organisations",
                              "/compte/organisations"))
            if policy.can_administer(current_user):
                items.append(("admin.index", "Administration", "/admin"))
        return {"nav_items": items, "is_fragment": wants_fragment(),
                "notification_count": _notification_count}


def _notification_count() -> int:
    """The person's unread notifications (the header's badge), counted once per request."""
    if not current_user.is_authenticated:
        return 0
    if "notification_count" not in g:
        from app.discussions.notifications import unread_count

        g.notification_count = unread_count(current_user)
    return g.notification_count
