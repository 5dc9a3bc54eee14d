from __future__ import annotations

import pytest

from zhanhe_counter.adapters.idcard.frames import FrameError
from zhanhe_counter.adapters.idcard.sam_reader import ReadOptions
from zhanhe_counter.adapters.idcard.session import SamStatusError
from zhanhe_counter.adapters.idcard.simulator import (
    SimCard,
    SimFault,
    SimulatedSam,
    sample_cards,
    simulated_reader,
)
from zhanhe_counter.services.ports.idcard import CardType, PhotoStatus, ReaderUnavailableError

CARDS = sample_cards()


@pytest.mark.parametrize("card_type", list(CardType))
def test_each_sample_card_reads_through_real_frames_in_one_byte_chunks(card_type: CardType):
    reader = simulated_reader(SimulatedSam(CARDS[card_type]), chunk_size=1)
    reader.open()
    assert reader.card_present()
    record = reader.read_card()
    assert record.card_type is card_type
    assert record.source == "sim"
    assert record.has_photo
    assert record.photo_status is PhotoStatus.NO_DECODER
    assert record.chip_serial == "0123456789ABCDEF"
    assert record.warnings == ()


def test_appended_address_and_fingerprint_only_when_configured():
    card = SimCard(CARDS[CardType.RESIDENT].text, fingerprint=b"\x09" * 1024)
    sam = SimulatedSam(card)
    plain = simulated_reader(sam)
    plain.open()
    assert plain.read_card().fingerprint is None
    assert sam.commands[0x3010] == 0
    with_fp = simulated_reader(sam, options=ReadOptions(read_fingerprint=True))
    with_fp.open()
    record = with_fp.read_card()
    assert record.fingerprint == b"\x09" * 1024
    assert record.appended_address == ""  # 91 from the card: no appended address
    resident = simulated_reader()
    resident.open()
    assert resident.read_card().appended_address == "河南省平顶山市湛河区演示路2号"


def test_faults_no_card_read_failure_garbage_unplugged():
    sam = SimulatedSam(CARDS[CardType.RESIDENT])
    reader = simulated_reader(sam)
    reader.open()
    sam.inject(SimFault.NO_CARD)
    assert reader.card_present() is False
    assert reader.card_present() is True
    sam.inject(SimFault.READ_FAILURE)
    with pytest.raises(SamStatusError) as caught:
        reader.read_card()
    assert caught.value.status == 0x41
    sam.inject(SimFault.GARBAGE)
    with pytest.raises(FrameError):
        reader.card_present()
    sam.inject(SimFault.UNPLUGGED)
    with pytest.raises(ReaderUnavailableError):
        reader.card_present()
    assert reader.read_card().name == "演示用户"  # each fault hits once


def test_unplugged_reader_cannot_open_until_plugged_back():
    sam = SimulatedSam()
    sam.unplug()
    reader = simulated_reader(sam)
    with pytest.raises(ReaderUnavailableError):
        reader.open()
    sam.plug()
    reader.open()
    assert reader.card_present() is False
    with pytest.raises(SamStatusError):
        reader.read_card()  # select answers 81 with no card


def test_script_and_the_find_after_read_quirk():
    card = CARDS[CardType.RESIDENT]
    sam = SimulatedSam(script=[None, card, card], find_fails_after_read=True)
    reader = simulated_reader(sam)
    reader.open()
    assert reader.card_present() is False
    assert reader.card_present() is True
    reader.read_card()
    assert reader.card_present() is True  # the script put the card down again
    reader.read_card()
    assert reader.card_present() is False  # the card stayed; a real SAM stops finding it
    sam.remove()
    sam.insert(card)
    assert reader.card_present() is True
    assert reader.sam_id() == "05.01-0012345678-1234567890-0987654321"
