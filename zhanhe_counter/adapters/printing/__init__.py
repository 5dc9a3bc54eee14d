"""Printing adapters: document templates and renderers (reportlab PDF, thermal ticket bitmap),
and the printers and print queue that send the rendered bytes.

Import the sub-modules directly; this package imports nothing so that loading one printer
adapter does not pull in reportlab.
"""
