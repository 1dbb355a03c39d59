from flask import Blueprint

bp = Blueprint("inventory", __name__, url_prefix="/recensement")

from app.inventory import routes  # noqa: E402,F401  (registers the views on bp)
