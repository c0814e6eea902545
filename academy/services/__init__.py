"""Use-cases as plain functions: they take a session and arguments, flush, never commit,
and never touch the request, ``g`` or the login session."""
