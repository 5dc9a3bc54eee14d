"""Zhanhe Counter: the 湛河区 comprehensive-window (综合窗口) counter client."""

__version__ = "0.1.0"
