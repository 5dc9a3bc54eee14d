"""Writer process of the intake kill test: real intakes on a demo counter until SIGKILL.

``python intake_kill_writer.py --serve`` imports everything and loads the fonts once, then for
each ``RUN DATA_DIR SEED`` line on stdin forks a writer, prints ``PID <pid>`` and, once that
process is gone, ``EXIT <pid> <status>``. The writer opens the station as the counter does
(encrypted database, folder lock, print queue with its worker printing to the simulated
printers) and records intakes as the intake screen does: ``IntakeService.commit``, then the
documents rendered and queued by ``DocumentDispatcher``. It prints ``CASE <case_id> <number>``
once the case is committed and ``JOBS <case_id> <job_id>…`` once its print jobs are queued,
each with one ``os.write`` shorter than PIPE_BUF, so a kill never leaves half a line. A case
received for the back office (当场收件) is then accepted there, as the workbench does
(``BackofficeService.accept``, its 受理通知书 and 送达回证 owed in the event's transaction, then
printed under the action's request id): ``BJOBS <case_id> <job_id>…`` once queued. An
``OPEN DATA_DIR 0`` line opens the station once and closes it (no kill): the documents the kills
left owed are queued at open.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zhanhe_counter.adapters.printing.pdf import FormRenderer  # noqa: E402
from zhanhe_counter.cli.demo_data import _applicant, _records  # noqa: E402
from zhanhe_counter.composition import build_station  # noqa: E402
from zhanhe_counter.domain.case import CaseStatus  # noqa: E402
from zhanhe_counter.domain.checklist import ApplicantSituation  # noqa: E402
from zhanhe_counter.services.intake import IntakeRefused, IntakeRequest, new_action  # noqa: E402
from zhanhe_counter.services.station import Staff  # noqa: E402

CLERK = Staff("clerk01", "王小丽")
REVIEWER = "reviewer01"


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def write_until_killed(data_dir: Path, seed: int, renderer: FormRenderer) -> None:
    rng = random.Random(seed)
    station = build_station(data_dir, demo=True)
    station.__dict__["renderer"] = renderer  # the fonts were loaded once, before the fork
    matters = [m for m in station.catalogue.matters.values() if station.identity.window.handles(m)]
    _say("READY")
    while True:
        matter = rng.choice(matters)
        request = IntakeRequest(
            action=new_action(),
            matter_id=matter.id,
            applicant=_applicant(rng),
            records=_records(rng, matter),
            clerk=CLERK,
            situation=ApplicantSituation(),
        )
        try:
            committed = station.intake.commit(request)
        except IntakeRefused:
            continue
        _say(f"CASE {committed.case.case_id.hex} {committed.case.case_number}")
        jobs = station.dispatcher.dispatch(
            committed, clerk_id=CLERK.staff_id, clerk_name=CLERK.name, request_id=uuid.uuid4()
        )
        _say(f"JOBS {committed.case.case_id.hex} " + " ".join(job.job_id.hex for job in jobs))
        if committed.case.status is CaseStatus.RECEIVED:
            accepted = station.backoffice.accept(committed.case.case_id, REVIEWER)
            assert accepted.request_id is not None
            jobs = station.document_printer.print(
                committed.case.case_id,
                accepted.documents,
                request_id=accepted.request_id,
                actor=REVIEWER,
            )
            _say(f"BJOBS {committed.case.case_id.hex} " + " ".join(j.job_id.hex for j in jobs))


def serve() -> None:
    renderer = FormRenderer()
    renderer.fonts  # noqa: B018 - resolve the fonts before forking
    _say("SERVING")
    for command in sys.stdin:
        verb, data_dir, seed = command.split()
        pid = os.fork()
        if pid == 0:
            try:
                if verb == "OPEN":  # open once more: the station queues what the kills left owed
                    build_station(Path(data_dir), demo=True).close()
                    os._exit(0)
                write_until_killed(Path(data_dir), int(seed), renderer)
            finally:
                os._exit(3)  # only reached if the writer failed on its own
        _say(f"PID {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"EXIT {pid} {status}")


if __name__ == "__main__":
    serve()
