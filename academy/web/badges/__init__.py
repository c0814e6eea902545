"""Open Badges 3.0: the public issuer profile, signing keys and achievements."""
