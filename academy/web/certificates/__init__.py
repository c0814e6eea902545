"""Certificates on the web: the public verification page, downloads for the holder and
the organizers, corrections and revocation.

Verification needs nothing but the code; everything else goes through
``load_certificate``, which answers 404 to anyone but the holder, an organizer of the
round's organisation and an administrator.
"""
