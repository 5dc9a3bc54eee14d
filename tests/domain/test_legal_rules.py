"""The domain rules behind the documents: Beijing time, legal family, issuing body, settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from zhanhe_counter.domain.china_time import (
    CHINA_TIME,
    china_date,
    clock_text,
    date_text,
    datetime_text,
    in_china,
    minute_iso,
    minute_text,
    short_text,
)
from zhanhe_counter.domain.document_settings import (
    DocumentSettings,
    SettingMissing,
    SettingState,
    setting_label,
    state_of,
)
from zhanhe_counter.domain.errors import DomainError
from zhanhe_counter.domain.issuing_body import Act, Issuer, issuer_for
from zhanhe_counter.domain.legal_family import (
    PERMIT_DEFAULT_LIMIT,
    LegalFamily,
    decision_limit,
    wording_for,
)
from zhanhe_counter.domain.windows import ServiceHall, ServiceHallLevel, WindowAuthority
from zhanhe_counter.domain.workdays import TimeLimit, TimeUnit

UTC_EVENING = datetime(2026, 11, 26, 23, 45, tzinfo=UTC)  # 07:45 next day in Beijing


class TestChinaTime:
    def test_a_utc_instant_is_shown_on_its_beijing_day_and_minute(self) -> None:
        assert in_china(UTC_EVENING) == datetime(2026, 11, 27, 7, 45, tzinfo=CHINA_TIME)
        assert china_date(UTC_EVENING) == date(2026, 11, 27)
        assert minute_iso(UTC_EVENING) == "2026-11-27T07:45"
        assert datetime_text(UTC_EVENING) == "2026年11月27日 07:45"
        assert short_text(UTC_EVENING) == "11-27 07:45"
        assert clock_text(UTC_EVENING) == "07:45"
        assert minute_text(UTC_EVENING) == "2026-11-27 07:45"
        assert date_text(date(2026, 1, 5)) == "2026年1月5日"

    def test_a_naive_value_is_refused_except_as_printed_text(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            in_china(datetime(2026, 11, 26, 9, 30))
        # Document values carry Beijing minutes already ("2026-11-26T09:30").
        assert datetime_text(datetime(2026, 11, 26, 9, 30)) == "2026年11月26日 09:30"

    def test_a_moment_in_another_zone_is_converted(self) -> None:
        moscow = datetime(2026, 11, 26, 4, 30, tzinfo=timezone(timedelta(hours=3)))
        assert minute_iso(moscow) == "2026-11-26T09:30"


class TestLegalFamily:
    def test_codes_map_to_families_and_unknown_codes_are_never_permits(self) -> None:
        assert LegalFamily.of("01") is LegalFamily.PERMIT
        assert LegalFamily.of("05").label == "行政给付"
        assert LegalFamily.of("99") is LegalFamily.OTHER_POWER
        assert not LegalFamily.of("20").is_permit

    def test_a_permit_cites_the_licensing_law_and_others_the_local_measures(self) -> None:
        permit = wording_for(LegalFamily.PERMIT, "《办法》")
        assert "行政许可法》第三十二条" in permit.acceptance_basis
        assert permit.refusal_title == "不予行政许可决定书"
        assert permit.approval_title == "准予行政许可决定书"
        assert "第（二）项" in permit.not_competent_basis
        benefit = wording_for(LegalFamily.BENEFIT, "《办法》")
        assert benefit.acceptance_basis == "《办法》第十五条"
        assert "行政许可法" not in benefit.refusal_notice_basis + benefit.decision_basis
        assert benefit.refusal_title == "不予办理决定书"

    def test_a_permit_without_a_catalogued_limit_has_twenty_working_days(self) -> None:
        assert decision_limit(LegalFamily.PERMIT, None) == PERMIT_DEFAULT_LIMIT
        assert decision_limit(LegalFamily.BENEFIT, None) is None
        own = TimeLimit(15, TimeUnit.NATURAL_DAY)
        assert decision_limit(LegalFamily.PERMIT, own) is own


DISTRICT = ServiceHall("QZX", "湛河区政务服务中心", ServiceHallLevel.DISTRICT_CENTRE)
VILLAGE = ServiceHall("LZC", "李庄村便民服务站", ServiceHallLevel.VILLAGE_STATION)
DEPT = "湛河区民政局"


def issuer(act: Act, hall: ServiceHall, authority: WindowAuthority | None, at_window: bool):
    return issuer_for(
        act,
        department=DEPT,
        hall=hall,
        hall_name=hall.name,
        authority=authority,
        at_window=at_window,
    )


class TestIssuingBody:
    def test_the_hall_receives_hands_over_and_delivers_in_its_own_name(self) -> None:
        for act in (Act.RECEIVE, Act.HAND_OVER, Act.DELIVER):
            found = issuer(act, DISTRICT, WindowAuthority.RECEIVE_ONLY, True)
            assert found == Issuer("湛河区政务服务中心", "hall.QZX")
            assert found.is_hall
            assert found.line == "湛河区政务服务中心"

    def test_an_authorised_window_accepts_on_the_departments_behalf(self) -> None:
        found = issuer(Act.ACCEPT, DISTRICT, WindowAuthority.ACCEPT_ON_SPOT, True)
        assert found.line == "湛河区政务服务中心（受湛河区民政局委托）"
        assert found.settings_key == "hall.QZX"

    def test_the_department_accepts_when_the_window_may_not(self) -> None:
        assert issuer(Act.ACCEPT, DISTRICT, WindowAuthority.RECEIVE_ONLY, True).line == DEPT
        assert issuer(Act.ACCEPT, DISTRICT, None, True).line == DEPT
        back_office = issuer(Act.ACCEPT, DISTRICT, WindowAuthority.ACCEPT_ON_SPOT, False)
        assert back_office == Issuer(DEPT, f"department.{DEPT}")
        assert not back_office.is_hall

    def test_deciding_needs_the_authority_to_decide(self) -> None:
        assert issuer(Act.DECIDE, DISTRICT, WindowAuthority.ACCEPT_ON_SPOT, True).line == DEPT
        decided = issuer(Act.DECIDE, DISTRICT, WindowAuthority.DECIDE_ON_SPOT, True)
        assert decided.entrusted_by == DEPT

    def test_a_village_station_is_never_entrusted(self) -> None:
        found = issuer(Act.ACCEPT, VILLAGE, WindowAuthority.DECIDE_ON_SPOT, True)
        assert found.line == DEPT


class TestDocumentSettings:
    def test_states_and_labels(self) -> None:
        assert state_of(None) is SettingState.UNSET
        assert state_of("  ") is SettingState.UNSET
        assert state_of("湛河区人民法院（待核实集中管辖）") is SettingState.PLACEHOLDER
        assert state_of("0375-0000000") is SettingState.PLACEHOLDER
        assert state_of("湛河区所辖乡人民政府") is SettingState.PLACEHOLDER
        assert state_of("0375-2345678") is SettingState.OK
        assert setting_label("district.court") == "全区行政诉讼管辖法院"
        assert setting_label("hall.QZX.consult_phone") == "服务场所“QZX”的咨询电话"
        assert setting_label("other.thing") == "otherthing"

    def test_require_follows_the_chain_and_refuses_placeholders(self) -> None:
        settings = DocumentSettings(
            {"department.A.court": "", "district.court": "平顶山市某区人民法院", "x.phone": "待填"}
        )
        assert settings.require("department.A.court", "district.court") == "平顶山市某区人民法院"
        assert settings.get("department.A.court") is None
        with pytest.raises(SettingMissing) as placeholder:
            settings.require("x.phone")
        assert placeholder.value.state is SettingState.PLACEHOLDER
        assert "仍为占位值（待填）" in placeholder.value.user_message
        with pytest.raises(SettingMissing) as unset:
            settings.require("hall.Q.seal", "district.seal")
        assert unset.value.key == "district.seal"  # the general key fills it for all
        assert "尚未设置" in unset.value.user_message
        assert settings.optional("hall.Q.progress_url") is None
        with pytest.raises(SettingMissing):
            settings.optional("x.phone")

    def test_numbers(self) -> None:
        settings = DocumentSettings({"district.days": "30", "district.bad": "三十"})
        assert settings.number("district.days", 60) == 30
        assert settings.number("district.none", 60) == 60
        with pytest.raises(DomainError) as error:
            settings.number("district.bad", 60)
        assert "应为整数" in error.value.user_message

    def test_problems_list_every_missing_and_placeholder_setting_once(self) -> None:
        settings = DocumentSettings(
            {"district.court": "", "hall.Q.seal": "Q章", "department.D.phone": "0375-0000000"}
        )
        problems = settings.problems(
            [("district.court",), ("hall.Q.seal",), ("department.D.phone",), ("hall.Q.phone",)]
        )
        assert [(p.key, p.state) for p in problems] == [
            ("department.D.phone", SettingState.PLACEHOLDER),
            ("district.court", SettingState.UNSET),
            ("hall.Q.phone", SettingState.UNSET),
        ]
        assert problems[1].label == "全区行政诉讼管辖法院"
        chained = settings.problems([("department.D.court", "district.court")])
        assert [p.key for p in chained] == ["department.D.phone", "district.court"]
