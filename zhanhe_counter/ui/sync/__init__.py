"""Sync widgets (同步界面): the sync bar, the per-case badge and the outbox screen."""
