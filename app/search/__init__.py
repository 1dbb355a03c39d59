from flask import Blueprint

bp = Blueprint("search", __name__)

from app.search import routes, sync  # noqa: E402,F401  (views on bp; outbox listeners)
