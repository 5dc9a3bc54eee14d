"""The business rules of the window. Standard library only: no I/O, no clock reads, no threads."""
