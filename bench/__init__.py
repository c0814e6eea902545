"""Benchmarks: Academy served by gunicorn on a fresh database, measured from 127.0.0.1.

Run with ``python -m bench`` (``make bench``); ``bench/README.md`` explains the figures.
"""

from pathlib import Path

# The repository: its migrations, courses/ and gunicorn.conf.py are what the benchmarks run.
ROOT = Path(__file__).resolve().parent.parent
