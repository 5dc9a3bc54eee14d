"""The provincial 好差评 system (省好差评系统): a simulator behind the same gateway port."""
