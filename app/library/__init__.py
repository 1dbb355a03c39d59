from flask import Blueprint

# No url_prefix: the library owns /pratiques and /outils (written in full in routes.py).
bp = Blueprint("library", __name__)

from app.library import routes  # noqa: E402,F401  (registers the views on bp)
