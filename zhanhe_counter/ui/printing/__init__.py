"""Qt printing (系统打印): the only printing code that imports PySide6."""
