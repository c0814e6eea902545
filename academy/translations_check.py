from flask.cli import AppGroup

translations_cli = AppGroup("translations", help="Message catalogs.")
