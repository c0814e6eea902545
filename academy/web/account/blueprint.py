"""The account blueprint ``bp``, which the view modules attach their routes to (a module
of its own, so that they need not import each other for it)."""

from flask import Blueprint

bp = Blueprint("account", __name__)
