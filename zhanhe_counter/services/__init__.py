"""Use cases. Plain dataclasses in and out; the outside world only through ``ports``."""
