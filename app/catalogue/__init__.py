from flask import Blueprint

# No url_prefix: the catalogue owns /formations and the public /attestations.
bp = Blueprint("catalogue", __name__)

from app.catalogue import routes  # noqa: E402,F401  (registers the views on bp)
