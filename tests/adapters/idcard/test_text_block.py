from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adapters.idcard.helpers import blank_block, resident_block
from zhanhe_counter.adapters.idcard.text_block import (
    LAYOUTS,
    TextBlockError,
    detect_layout,
    encode_text_block,
    parse_text_block,
    read_fields,
)
from zhanhe_counter.services.ports.idcard import CardDataError, CardType, IdCardRecord

TODAY = date(2025, 6, 1)

FIELDS = {
    CardType.RESIDENT: {
        "name": "欧阳娜娜",
        "sex": "2",
        "nation": "03",
        "birth": "19900101",
        "address": "河南省平顶山市湛河区曹镇乡测试村",
        "id_number": "410411199001011245",
        "issuer": "平顶山市公安局湛河分局",
        "valid_from": "20200101",
        "valid_until": "20400101",
    },
    CardType.GAT_RESIDENCE: {
        "name": "陈大文",
        "sex": "1",
        "birth": "19900101",
        "address": "河南省平顶山市湛河区测试路1号",
        "id_number": "810000199001011230",
        "issuer": "平顶山市公安局",
        "valid_from": "20200101",
        "valid_until": "20300101",
        "pass_number": "H12345678",
        "issue_count": "02",
    },
    CardType.FOREIGN_2017: {
        "name_en": "SMITH, JOHN",
        "sex": "1",
        "id_number": "USA110190010137",
        "nationality": "USA",
        "name": "史密斯",
        "valid_from": "20200101",
        "valid_until": "20300101",
        "birth": "19900101",
        "card_version": "10",
        "authority_code": "1100",
    },
    CardType.FOREIGN_2023: {
        "name": "史密斯",
        "sex": "1",
        "renewal_count": "01",
        "birth": "19900101",
        "name_en": "SMITHSONIAN-WORTHINGTON, JONATHAN ALEXANDER BE",  # 46 characters
        "id_number": "91184019900101123X",
        "valid_from": "20240101",
        "valid_until": "20340101",
        "nationality": "840",
        "old_number_link": "011",
    },
}

RECORD_ATTR = {"birth": "birth_date", "nation": "nation_code", "sex": "sex_code"}


def _as_text(record: IdCardRecord, name: str) -> str:
    value = getattr(record, RECORD_ATTR.get(name, name))
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


@pytest.mark.parametrize("card_type", list(CardType))
def test_all_four_layouts_round_trip_from_field_values(card_type: CardType):
    fields = FIELDS[card_type]
    block = encode_text_block(card_type, fields)
    assert len(block) == 256
    record = parse_text_block(block, today=TODAY)
    assert record.card_type is card_type
    for name, value in fields.items():
        assert _as_text(record, name) == value, name
    assert record.warnings == ()
    assert record.raw_text == block
    assert read_fields(block) == (card_type, fields)


def test_english_name_of_the_2023_card_spans_both_fields():
    block = encode_text_block(CardType.FOREIGN_2023, FIELDS[CardType.FOREIGN_2023])
    name = FIELDS[CardType.FOREIGN_2023]["name_en"]
    assert block[52:122].decode("utf-16-le") == name[:35]
    assert block[220:242].decode("utf-16-le") == name[35:]


def test_resident_offsets_match_the_brief_table():
    record = parse_text_block(resident_block(), today=TODAY)
    assert record.name == "张三"
    assert record.sex == "男"
    assert record.nation == "汉"
    assert record.birth_date == date(1990, 1, 1)
    assert record.address == "河南省平顶山市湛河区测试路9号"
    assert record.id_number == "410411199001011237"
    assert record.issuer == "平顶山市公安局湛河分局"
    assert record.valid_from == date(2015, 1, 1)
    assert record.valid_until == date(2035, 1, 1)
    assert record.long_term is False


def test_long_term_validity_with_nul_padding():
    block = bytearray(resident_block())
    block[204:220] = "长期".encode("utf-16-le") + bytes(12)
    record = parse_text_block(bytes(block), today=TODAY)
    assert record.long_term is True
    assert record.valid_until is None
    assert record.valid_until_text == "长期"
    assert record.warnings == ()


def test_trailing_nuls_are_stripped_and_a_nul_flag_means_resident():
    block = bytearray(resident_block())
    block[0:30] = "李四".encode("utf-16-le") + bytes(26)
    block[248:250] = b"\x00\x00"
    record = parse_text_block(bytes(block))
    assert record.name == "李四"
    assert record.card_type is CardType.RESIDENT


def test_unknown_nation_code_is_kept_and_warned_not_guessed():
    record = parse_text_block(resident_block(nation="77"), today=TODAY)
    assert record.nation == "未知(77)"
    assert record.nation_code == "77"
    assert any("民族代码" in w for w in record.warnings)


def test_nation_97_and_98():
    assert parse_text_block(resident_block(nation="98")).nation == "外国血统中国籍人士"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"id_number": "410411199001011238"}, "校验码"),
        ({"birth": "19900102"}, "出生日期"),
        ({"valid_until": "20200101"}, "已过有效期"),
        ({"valid_from": "20300101"}, "尚未生效"),
        ({"sex": "2"}, "性别"),
        ({"sex": "7"}, "性别代码"),
        ({"birth": "19900230"}, "出生日期无法识别"),
        ({"valid_until": "2035AB01"}, "有效期截止日期无法识别"),
        ({"valid_from": ""}, "有效期起始日期为空"),
        ({"id_number": ""}, "证件号码为空"),
        ({"id_number": "810000199001011230"}, "证件类型不符"),
    ],
)
def test_number_and_validity_findings_are_warnings(overrides: dict[str, str], expected: str):
    record = parse_text_block(resident_block(**overrides), today=TODAY)
    assert any(expected in w for w in record.warnings), record.warnings


def test_gat_card_with_a_mainland_number_is_flagged():
    fields = dict(FIELDS[CardType.GAT_RESIDENCE], id_number="410411199001011237")
    record = parse_text_block(encode_text_block(CardType.GAT_RESIDENCE, fields), today=TODAY)
    assert any("证件类型不符" in w for w in record.warnings)


def test_expiry_is_not_checked_without_today():
    assert parse_text_block(resident_block(valid_until="20000101")).warnings == ()


def test_flag_detection_and_unknown_layouts():
    assert detect_layout(bytes(blank_block("J"))) is CardType.GAT_RESIDENCE
    assert detect_layout(bytes(blank_block("I"))) is CardType.FOREIGN_2017
    assert detect_layout(bytes(blank_block("Y"))) is CardType.FOREIGN_2023
    with pytest.raises(TextBlockError) as caught:
        detect_layout(bytes(blank_block("Q")))
    assert "Q" in caught.value.user_message
    control = blank_block()
    control[248:250] = b"\x07\x00"
    with pytest.raises(TextBlockError, match="0700"):
        detect_layout(bytes(control))
    with pytest.raises(TextBlockError):
        detect_layout(bytes(255))


def test_encoder_refuses_fields_that_do_not_fit():
    with pytest.raises(ValueError, match="longer"):
        encode_text_block(CardType.RESIDENT, {"name": "名" * 16})
    with pytest.raises(ValueError, match="not in the"):
        encode_text_block(CardType.RESIDENT, {"pass_number": "H1"})


def test_repr_masks_the_number_and_hides_address():
    record = parse_text_block(resident_block())
    text = repr(record) + str(record)
    assert "410411199001011237" not in text
    assert "测试路" not in text
    assert "410411********1237" in text


def test_every_layout_fits_in_256_bytes_without_overlap():
    for card_type, fields in LAYOUTS.items():
        used: set[int] = set(range(248, 250))
        for spec in fields:
            span = set(range(spec.offset, spec.offset + 2 * spec.chars))
            assert not span & used, (card_type, spec.name)
            used |= span
        assert max(used) < 256


@given(st.binary(min_size=256, max_size=256))
def test_fuzz_random_blocks_give_a_record_or_a_typed_error(block: bytes):
    try:
        record = parse_text_block(block, today=TODAY)
    except CardDataError:
        return
    assert record.raw_text == block


@given(
    st.sampled_from(list(CardType)),
    st.data(),
)
def test_fuzz_any_field_text_round_trips(card_type: CardType, data: st.DataObject):
    alphabet = st.characters(min_codepoint=0x21, max_codepoint=0xFFFF, exclude_categories=["Cs"])
    fields = {}
    for spec in LAYOUTS[card_type]:
        if spec.name == "name_en_tail":
            continue
        width = 46 if spec.name == "name_en" and card_type is CardType.FOREIGN_2023 else spec.chars
        fields[spec.name] = data.draw(st.text(alphabet, max_size=width), label=spec.name)
    block = encode_text_block(card_type, fields)
    record = parse_text_block(block, today=TODAY)  # never raises for odd contents
    assert record.card_type is card_type
    assert read_fields(block)[1] == fields
