"""办事指南: every sample matter's guide renders; the printed text carries its elements; printing
goes through the print queue; the screen shows the same lines as the paper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from tests.services.documents_support import pdf_text, squeezed
from tests.services.followthrough_support import NOW, MovableClock
from zhanhe_counter.composition import Station, build_station
from zhanhe_counter.domain.document_settings import DocumentSettings
from zhanhe_counter.domain.documents import DocumentKind
from zhanhe_counter.domain.matters import UnknownMatter
from zhanhe_counter.services.documents import ServiceGuides
from zhanhe_counter.services.print_service import public_document_id


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    built = build_station(
        tmp_path_factory.mktemp("guide"), demo=True, clock=MovableClock(NOW), start_queue=False
    )
    yield built
    built.close()


def test_the_printed_guide_carries_the_elements_of_the_matter(
    station: Station, tmp_path: Path
) -> None:
    matter = station.catalogue.matter("ZH-010")
    text = squeezed(pdf_text(station, station.guides.request(matter.id), tmp_path, "guide"))
    assert "办事指南" in text
    for heading in (
        "受理条件",
        "申请材料",
        "办理流程",
        "收费",
        "办理地点",
        "办理时间",
        "咨询方式",
        "监督投诉方式",
        "行政救济途径",
    ):
        assert heading in text, heading
    expected = [
        matter.name,
        matter.department,
        *matter.guide.conditions,
        *(m.name for m in matter.materials),
        *matter.guide.steps,
        *matter.guide.places,
        matter.guide.office_hours or "",
        *matter.guide.consult,
        "12345政务服务便民热线",
        "3个工作日",
        "湛河区人民政府申请行政复议",
    ]
    for element in expected:
        assert squeezed(element) in text, element
    assert "设定依据" not in text  # the sample states none for this matter: left out


def test_every_sample_matter_has_a_printable_guide(station: Station) -> None:
    for matter in station.catalogue:
        request = station.guides.request(matter.id)
        assert request.kind is DocumentKind.SERVICE_GUIDE
        document = station.renderer.render_pdf(request.kind, request.values)
        assert document.content.startswith(b"%PDF")


def test_the_screen_shows_what_the_paper_says(station: Station, tmp_path: Path) -> None:
    text = squeezed(pdf_text(station, station.guides.request("ZH-001"), tmp_path, "food"))
    sections = station.guides.sections("ZH-001")
    assert [s.heading for s in sections][:3] == ["基本信息", "受理条件", "申请材料"]
    for section in sections:
        if section.heading in ("基本信息", "申请材料"):
            continue  # laid out as a table on paper
        assert squeezed(section.heading) in text
        for line in section.lines:
            assert squeezed(line) in text, line


def test_printing_queues_one_a4_job_filed_under_the_matter(station: Station) -> None:
    request_id = uuid4()
    request = station.guides.request("ZH-002")
    first = station.document_printer.print_guide(
        "ZH-002", request, request_id=request_id, actor="zhangmin"
    )
    again = station.document_printer.print_guide(
        "ZH-002", request, request_id=request_id, actor="zhangmin"
    )
    assert again.job_id == first.job_id  # a double key press prints once
    assert first.kind == "service_guide"
    assert first.printer == station.printer_roles.a4
    assert first.case_id == public_document_id("service_guide", "ZH-002")
    assert [j.job_id for j in station.queue.history_for_case(first.case_id)] == [first.job_id]


def test_placeholder_and_unset_settings_are_left_out(station: Station) -> None:
    hall = station.identity.window.hall
    guides = ServiceGuides(
        catalogue=station.catalogue,
        settings=DocumentSettings(
            {f"hall.{hall.id}.consult_phone": "0375-0000000", "district.court": "待核实"}
        ),
        hall=hall,
        clock=station.clock,
    )
    values = guides.values("ZH-003")
    assert not any("0375-0000000" in line for line in values["consult"])
    assert "待核实" not in values["relief"]
    assert values["relief"].startswith("申请人对办理结果不服的，可以依法向湛河区人民政府")
    assert values["places"]
    with pytest.raises(UnknownMatter):
        guides.values("ZH-999")
