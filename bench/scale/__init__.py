"""The scale benchmark (``python -m bench.scale``): the same pages on a small and a large
PostgreSQL database. ``data`` builds the databases, ``__main__`` measures and reports.
"""
