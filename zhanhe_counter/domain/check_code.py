"""The check code printed beside a case number (查询码): the second half of a progress lookup.

A case number is not a secret: it is printed on every document and made of a day and a short
sequence, so anyone could walk through the numbers of a day. The progress page therefore also
asks for this code, which is a keyed hash (HMAC-SHA256) of the case number. A station can print
it offline because it holds the key; a stranger cannot compute it, and the page's rate limits
make guessing 32⁶ ≈ 10⁹ codes hopeless.

The alphabet leaves out 0/O and 1/I so a code read off paper types without confusion; typing
is forgiving (spaces, hyphens, lower case and full-width characters are ignored).

The printed QR code and URL carry both halves (``PROGRESS_QUERY``), e.g.
``https://zwfw.zhanhe.gov.cn/q?no=41041101S202611260007K&c=7KQ2MX``.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from zhanhe_counter.domain.case_number import parse_case_number
from zhanhe_counter.domain.errors import DomainError

CHECK_CODE_LENGTH = 6
#: 32 symbols, exactly 5 bits each (no bias); without 0, 1, I and O.
CHECK_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: The smallest key accepted: 128 bits, the HMAC security level the code relies on.
MIN_KEY_BYTES = 16
#: The query string of the progress page's URL (``no`` = case number, ``c`` = check code).
PROGRESS_QUERY = "no={case_no}&c={check_code}"

# Input longer than this is certainly not a code; refuse it before normalising.
_MAX_INPUT_CHARS = 32


class InvalidCheckKey(DomainError):
    """The check-code key is missing or too short (查询码密钥无效)."""


def check_code(key: bytes, case_number: str) -> str:
    """The check code of ``case_number`` under ``key`` (raises DomainError for a bad number)."""
    _check_key(key)
    number = parse_case_number(case_number).text
    digest = hmac.new(key, number.encode("ascii"), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:4], "big") >> (32 - 5 * CHECK_CODE_LENGTH)
    chars = []
    for _ in range(CHECK_CODE_LENGTH):
        chars.append(CHECK_CODE_ALPHABET[bits & 31])
        bits >>= 5
    return "".join(reversed(chars))


def normalize_check_code(text: str) -> str:
    """The code as typed, folded to the printed form (upper case, no spaces or hyphens)."""
    if len(text) > _MAX_INPUT_CHARS:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).replace("-", "").upper()


def verify_check_code(key: bytes, case_number: str, typed: str) -> bool:
    """Whether ``typed`` is the check code of ``case_number`` (constant-time comparison).

    A malformed case number is simply not verified; the caller has already told the person
    what is wrong with it."""
    _check_key(key)
    try:
        expected = check_code(key, case_number)
    except DomainError:
        return False
    return hmac.compare_digest(expected, normalize_check_code(typed))


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise InvalidCheckKey(
            f"check-code key has {len(key)} bytes, needs {MIN_KEY_BYTES}",
            "查询码密钥无效（长度不足），请联系管理员",
        )
