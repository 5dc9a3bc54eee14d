"""Printer adapters (打印机): one module per transport, behind ``ports.printing.Printer``."""
