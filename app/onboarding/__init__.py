from flask import Blueprint

# No url_prefix: the onboarding owns /contrats and the personal data download under
# /compte (written in full in routes.py).
bp = Blueprint("onboarding", __name__)

# Registers the views on bp, and the contracts' private thread with discussions.
from app.onboarding import routes, thread  # noqa: E402,F401
