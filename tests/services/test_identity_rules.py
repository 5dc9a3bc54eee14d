"""One set of identity rules at intake, for the agent and at delivery (issue 18, Deliver 8):
a person's number never passes as a 统一社会信用代码, full-width digits and spaces are stored
folded, a birth date after today is refused everywhere, a broken name gets a clear message."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.services.followthrough_support import APPLICANT_ID, Followthrough, build_followthrough
from tests.services.test_intake import APPLICANT, NOW, FixedClock, _request
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.applicant import Applicant, Person
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.identity import mod11_2_check_char
from zhanhe_counter.services.intake import IntakeRefused

MISTYPED_ID = "211011197611070905"  # wrong MOD 11-2 check, yet it passes GB 32100's check
FULL_WIDTH = "４１０４１１ １９５００１０１ １２３９"  # APPLICANT's number as an IME types it
FUTURE = f"41041120300101001{mod11_2_check_char('41041120300101001')}"  # born 2030


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    built = build_station(tmp_path, demo=True, clock=FixedClock(NOW), start_queue=False)
    yield built
    built.close()


def _with(station: Station, applicant: Applicant):  # type: ignore[no-untyped-def]
    return replace(_request(station, "ZH-005"), applicant=applicant)


def test_a_persons_number_is_refused_as_an_organisations_code(station: Station) -> None:
    organisation = Applicant(APPLICANT.person, organisation="湛河区某某商店", uscc=MISTYPED_ID)
    with pytest.raises(IntakeRefused) as refused:
        station.intake.commit(_with(station, organisation))
    assert "不是统一社会信用代码" in refused.value.user_message


def test_full_width_digits_and_spaces_are_stored_folded(station: Station) -> None:
    typed = Applicant(replace(APPLICANT.person, id_number=FULL_WIDTH))
    committed = station.intake.commit(_with(station, typed))
    stored = committed.case.applicant
    assert stored is not None
    assert stored.person.id_number == "410411195001011239"


def test_the_agent_follows_the_applicants_rules(station: Station) -> None:
    for number, expected in ((MISTYPED_ID, "校验码不符"), (FUTURE, "晚于今天")):
        agent = Person(name="王五", id_number=number)
        with pytest.raises(IntakeRefused) as refused:
            station.intake.commit(_with(station, replace(APPLICANT, agent=agent)))
        assert expected in refused.value.user_message
    agent = Person(name="王五", id_number="４１０４１１１９９００１０１００１５")
    committed = station.intake.commit(_with(station, replace(APPLICANT, agent=agent)))
    assert committed.case.applicant is not None
    assert committed.case.applicant.agent is not None
    assert committed.case.applicant.agent.id_number == "410411199001010015"


def test_a_name_with_half_a_character_is_refused_in_chinese(station: Station) -> None:
    broken = Applicant(replace(APPLICANT.person, name="刘\udc80"))
    with pytest.raises(IntakeRefused) as refused:
        station.intake.commit(_with(station, broken))
    assert "残缺字符" in refused.value.user_message


@pytest.fixture
def ft(tmp_path: Path) -> Iterator[Followthrough]:
    built = build_followthrough(tmp_path)
    yield built
    built.station.close()


def test_delivery_applies_the_same_rules(ft: Followthrough) -> None:
    case = ft.ready_for_delivery()
    # The applicant by a full-width, spaced number is the applicant.
    assert ft.delivery.verify_receiver(case.case_id, "刘䶮", FULL_WIDTH).role.value
    for number, expected in ((MISTYPED_ID, "校验码不符"), (FUTURE, "晚于今天")):
        with pytest.raises(DomainError) as refused:
            ft.delivery.verify_receiver(case.case_id, "赵六", number, letter_of_authority=True)
        assert expected in refused.value.user_message
    with pytest.raises(DomainError) as broken:
        ft.delivery.verify_receiver(case.case_id, "赵\ud800", APPLICANT_ID)
    assert "残缺字符" in broken.value.user_message
