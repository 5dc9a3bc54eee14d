"""One sub-package per outside thing (database, files, devices); each implements a port."""
