"""Masking personal data for screens and for paper handed to the applicant (脱敏).

Full values belong only in the back-office record; everything else shows these forms. Each
function accepts any text (bad input is masked, never echoed) and never reveals more than its
rule allows, whatever the length.
"""

from __future__ import annotations

import re
import unicodedata

from zhanhe_counter.domain.identity import normalize_id_text

MASK = "*"

# Beyond this many hidden characters the exact length tells nobody anything useful, and a pasted
# blob must not turn into megabytes of stars.
_MAX_STARS = 16
# Longer input is not a name, number or phone; it is hidden whole without being looked at.
_MAX_INPUT_CHARS = 200

# Compound surnames (复姓) are kept whole, as people expect “欧阳**” rather than “欧***”.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "澹台",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "万俟",
        "单于",
        "赫连",
        "闻人",
        "申屠",
        "濮阳",
        "太史",
        "淳于",
        "公冶",
        "宗政",
        "仲孙",
        "拓跋",
        "第五",
        "东郭",
        "子车",
        "乐正",
        "公羊",
        "梁丘",
        "左丘",
        "亓官",
        "司空",
        "司寇",
        "羊舌",
        "微生",
        "巫马",
        "公西",
        "漆雕",
        "壤驷",
        "公良",
        "谷梁",
        "段干",
        "鲜于",
        "夹谷",
    }
)

# Separators inside minority and foreign names (·, •, ・, and the full stop some forms use).
_NAME_SEPARATORS = frozenset("·•・‧.．- ")


def mask_id_number(value: str) -> str:
    """``410411********1234``: first 6 and last 4 of an identity number.

    Short values keep proportionally less (a quarter at each end), so at least half is hidden.
    """
    if len(value) > _MAX_INPUT_CHARS:
        return MASK * _MAX_STARS
    text = normalize_id_text(value)
    length = len(text)
    if length >= 14:
        head, tail = 6, 4
    else:
        head = tail = length // 4
    return _star(text, head, tail)


def mask_phone(value: str) -> str:
    """``138****5678`` for mobiles (an optional ``+86`` is kept); landlines keep the area code
    and the last 4 digits (``0375-***4567``). Anything else keeps at most a quarter at each end
    (and never more than 3 + 4 characters).
    """
    if len(value) > _MAX_INPUT_CHARS:
        return MASK * _MAX_STARS
    text = normalize_id_text(value)
    digits = re.sub(r"[-()（）]", "", text)
    prefix = ""
    country = re.fullmatch(r"(?:\+|00)?86(1\d{10})", digits)
    if country:
        prefix, digits = "+86 ", country.group(1)
    if re.fullmatch(r"1\d{10}", digits):
        return prefix + _star(digits, 3, 4)
    landline = re.fullmatch(r"(0(?:10|2\d|[3-9]\d\d))(\d{7,8})", digits)
    if landline:
        area, local = landline.groups()
        return f"{area}-{_star(local, 0, 4)}"
    quarter = len(text) // 4
    return _star(text, min(3, quarter), min(4, quarter))


def mask_name(value: str) -> str:
    """``张*``, ``欧阳**``: keep the surname, hide the given name, one star per character.

    Works on user-perceived characters, so a rare character outside the BMP (𠮷) or one written
    with a variation selector counts as one. A one-character name is hidden entirely. Latin
    names keep their first letter and their spaces and dots (``J*** *****``).
    """
    if len(value) > _MAX_INPUT_CHARS:
        return MASK * _MAX_STARS
    clusters = _clusters(value.strip())
    if len(clusters) <= 1:
        return MASK * len(clusters)
    keep = 1
    if len(clusters) >= 3 and clusters[0] + clusters[1] in COMPOUND_SURNAMES:
        keep = 2
    masked = [cluster if cluster in _NAME_SEPARATORS else MASK for cluster in clusters[keep:]]
    return "".join(clusters[:keep] + masked)


# Administrative units, read from the start of an address. Name lengths are bounded (which also
# keeps the regex linear) and names exclude digits and the characters that start house-level
# detail, so “光明路12号院镇” is never taken for a town. The shortest name wins, so “州市” and
# “镇乡” are suffixes of their own: 汝州市 is not 汝州 + 市, 曹镇乡 (湛河区) is not 曹镇 + 乡.
_ADDRESS_HEAD = re.compile(
    r"""
    (?P<province>[^\d省市县乡镇村号]{2,7}?(?:省|自治区|特别行政区))?
    (?P<city>[^\d省县区乡镇村路街号]{1,9}?(?:自治州|州市|市|州|地区|盟))?
    (?P<county>[^\d省乡镇村路街号]{1,10}?(?:自治县|自治旗|林区|特区|区|县|市|旗))?
    (?P<town>[^\d省县区村号]{1,9}?(?:民族乡|街道|镇乡|镇|乡|苏木))?
    """,
    re.VERBOSE,
)


def mask_address(value: str) -> str:
    """Keep the address down to the district and, when present, the town or street office
    (乡/镇/街道); hide the rest with ``****``.

    ``河南省平顶山市湛河区南环路街道姚孟村3组12号`` → ``河南省平顶山市湛河区南环路街道****``.
    When the address does not start with administrative units, the whole of it is hidden.
    """
    text = "".join(value.split())
    match = _ADDRESS_HEAD.match(text)  # every group is optional: it always matches
    kept = match.group(0) if match else ""
    if not kept:
        return MASK * 4 if text else ""
    return kept + MASK * 4 if len(kept) < len(text) else kept


def _star(text: str, head: int, tail: int) -> str:
    hidden = len(text) - head - tail
    return text[:head] + MASK * min(hidden, _MAX_STARS) + text[len(text) - tail :]


def _clusters(text: str) -> list[str]:
    """Split into user-perceived characters: combining marks, variation selectors and
    zero-width joiners stay with the character before them."""
    clusters: list[str] = []
    join_next = False
    for char in text:
        attaches = (
            unicodedata.combining(char) != 0
            or "\ufe00" <= char <= "\ufe0f"
            or "\U000e0100" <= char <= "\U000e01ef"
            or char == "\u200d"
        )
        if clusters and (attaches or join_next):
            clusters[-1] += char
        else:
            clusters.append(char)
        join_next = char == "\u200d"
    return clusters
