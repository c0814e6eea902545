"""The administrator blueprint ``bp``, which the view modules attach their routes to."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
