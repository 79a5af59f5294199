"""Notices to an organisation's users: in the Portal (with an unread count) and by email."""
