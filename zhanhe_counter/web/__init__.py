"""The applicant-facing progress page (办件进度查询), a small ASGI service beside the centre.

Starlette serves it and uvicorn runs it (``zhanhe-admin progress serve``); the web framework is
imported only here. Like ``ui``, it talks to the centre only through a service
(``services.progress``) and never opens a database connection itself.
"""
