"""Backups of a running Portal and their restoration into an empty instance."""
