"""A manufacturer's seal keys and signing certificates, the master key that seals them at
rest, and the Portal's own certificate authority."""
