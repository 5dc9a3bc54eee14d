"""The unified delivery window (统一出件窗口)."""
