"""The documents service (文书): one builder of every document kind for every desk.

``service`` builds the values of each document from the stored case and the document settings;
``facts`` is the one place that reads the case for them. Rendering and queueing is one path too:
``services.document_dispatch.DocumentPrinter``.
"""

from zhanhe_counter.services.documents.service import (
    INTAKE_DECISION_WORKING_DAYS,
    DeliveryDetails,
    DocumentRequest,
    DocumentService,
    limit_text,
    refusal_title,
    required_settings,
)

__all__ = [
    "INTAKE_DECISION_WORKING_DAYS",
    "DeliveryDetails",
    "DocumentRequest",
    "DocumentService",
    "limit_text",
    "refusal_title",
    "required_settings",
]
