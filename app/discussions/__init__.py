from flask import Blueprint

# No url_prefix: discussions own /discussions, /notifications and /admin/discussions
# (written in full in routes.py).
bp = Blueprint("discussions", __name__)

from app.discussions import routes  # noqa: E402,F401  (registers the views on bp)
