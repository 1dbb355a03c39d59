from flask import Blueprint

from app.onboarding import wording

# No url_prefix: the onboarding owns /contrats and the personal data download under
# /compte (written in full in routes.py).
bp = Blueprint("onboarding", __name__)

# « {{ organisation.name|de }} » → « d’EHPAD Les Tilleuls »; « {{ meeting.planned_at|heure }} »
# → « 14 h 30 »; « {{ contract.newcomer_name|nom_court }} » → « Léa F. ».
bp.add_app_template_filter(wording.de, "de")
bp.add_app_template_filter(wording.hour, "heure")
bp.add_app_template_filter(wording.short_name, "nom_court")

# Registers the views on bp, and the contracts' private thread with discussions.
from app.onboarding import routes, thread  # noqa: E402,F401
