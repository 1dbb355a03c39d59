"""/recherche: one search over sheets and tools, live with htmx, a plain GET form without."""

from flask import request
from flask_login import current_user, login_required

from app.library import taxonomy
from app.search import bp
from app.search.documents import TYPE_LABELS
from app.search.service import FILTERS, search
from app.web import render


@bp.get("/recherche")
@login_required
def index():
    """Search results with type filters, facets, highlights and pages."""
    text = request.args.get("q", "")
    filters = {name: request.args.get(name, "") for name in FILTERS}
    page = request.args.get("page", 1, type=int)
    results = search(text, viewer=current_user, page=page, filters=filters)
    return render("search/index.html", block="search_results", results=results, q=text,
                  filters=filters, type_labels=TYPE_LABELS, label=taxonomy.label,
                  terms=taxonomy.terms)
