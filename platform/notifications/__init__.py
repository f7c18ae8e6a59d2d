"""Notifications: people learn of work meant for them (docs/notifications.md)."""
