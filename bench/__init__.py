"""Benchmarks: Academy served by gunicorn on a fresh database, measured from 127.0.0.1.

Run with ``python -m bench`` (``make bench``); ``bench/README.md`` explains the figures.
"""
