"""The first and the second document of a fresh process, timed (for ``test_bench_render``).

``python -m tests.bench.first_render warm|cold`` builds the counter's renderer, warms it up as
the window does after it shows (``warm``) or not (``cold``), then renders the receipt and the
ticket of two different cases (other numbers, other QR codes) and prints, as JSON, the seconds
of the first case's documents and of the second's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from zhanhe_counter.adapters.printing.pdf import FormRenderer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
FORMS = ("intake_receipt", "thermal_ticket")


def documents_of_case(renderer: FormRenderer, number: int) -> float:
    start = time.perf_counter()
    for form in FORMS:
        values = json.loads((FIXTURES / f"{form}.json").read_text(encoding="utf-8"))
        case_no = f"ZH01-20261202-{number:04d}K"
        values["case_no"] = case_no
        values["progress_url"] = f"https://zwfw.example.cn/p/{case_no}?c={number * 7919:06d}"
        renderer.render_pdf(form, values)
    return time.perf_counter() - start


def main() -> None:
    renderer = FormRenderer()  # the station builds it in the background too (fonts)
    if sys.argv[1] == "warm":
        renderer.warm_up()
    first = documents_of_case(renderer, 1)
    second = documents_of_case(renderer, 2)
    json.dump({"first": first, "second": second}, sys.stdout)


if __name__ == "__main__":
    main()
