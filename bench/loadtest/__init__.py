"""The load test: simulated participants and organizers against gunicorn, PostgreSQL and Redis.

``python -m bench.loadtest`` (see ``bench/README.md``, "The load test"): a fresh PostgreSQL
database filled by ``data``, gunicorn with the repository's ``gunicorn.conf.py`` in
production mode, and locust running ``locustfile.py`` headless for a few minutes; then a
table of p50/p95/p99 per page, and exit status 1 when any request failed.

Not ``bench/load/``: ``bench/load.py`` (the closed-loop client of ``python -m bench``)
already owns the name ``bench.load``, and a package of that name would shadow it.
"""
