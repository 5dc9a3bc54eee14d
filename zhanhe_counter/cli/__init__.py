"""``zhanhe-admin``: the administrator's command line. Imports no Qt."""
