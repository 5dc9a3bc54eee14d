"""YAML loaders for the matter catalogue (事项目录), department contacts and window configuration.

Every problem is reported with its file and line (:class:`CatalogueProblem`); an invalid file
raises :class:`CatalogueInvalid` carrying all of them at once.
"""

from __future__ import annotations

from zhanhe_counter.adapters.catalogue.catalogue_file import LoadedCatalogue, load_catalogue
from zhanhe_counter.adapters.catalogue.problems import CatalogueInvalid, CatalogueProblem
from zhanhe_counter.adapters.catalogue.windows_file import LoadedWindows, load_windows

__all__ = [
    "CatalogueInvalid",
    "CatalogueProblem",
    "LoadedCatalogue",
    "LoadedWindows",
    "load_catalogue",
    "load_windows",
]
