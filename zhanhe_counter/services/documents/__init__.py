"""The documents service (文书): one builder of every document kind for every desk.

``service`` is the entry point and the shared rules, ``values`` builds each document's values from
the stored case and the document settings, ``facts`` is the one place that reads the case for
them, ``requests`` names a document to print. Rendering and queueing is one path too:
``services.document_dispatch.DocumentPrinter``.
"""

from zhanhe_counter.services.documents.guide import GuideSection, ServiceGuides
from zhanhe_counter.services.documents.requests import (
    INTAKE_DECISION_WORKING_DAYS,
    DeliveryDetails,
    DocumentRequest,
    limit_text,
    refusal_title,
)
from zhanhe_counter.services.documents.service import DocumentService, required_settings

__all__ = [
    "INTAKE_DECISION_WORKING_DAYS",
    "DeliveryDetails",
    "DocumentRequest",
    "DocumentService",
    "GuideSection",
    "ServiceGuides",
    "limit_text",
    "refusal_title",
    "required_settings",
]
