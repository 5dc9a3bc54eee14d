"""Port of signing a rendered document (签署文书): the applicant's signature put on its PDF."""

from __future__ import annotations

from typing import Protocol


class PdfSigner(Protocol):
    def sign(self, pdf: bytes, signature_png: bytes) -> bytes:
        """The same document with the signature drawn beside its first 签字 line; raises
        ``DomainError`` for a document that is not a readable PDF."""
        ...
