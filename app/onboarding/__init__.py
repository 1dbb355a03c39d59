from flask import Blueprint

# No url_prefix: the onboarding owns /contrats and the personal data download under
# /compte (written in full in routes.py).
bp = Blueprint("onboarding", __name__)

from app.onboarding import routes  # noqa: E402,F401  (registers the views on bp)
