"""Build the one-folder bundle, prove it runs, and compile the Windows installer script.

    .venv/bin/python packaging/build.py [--skip-build] [--no-nsis] [--out build/bundle]

Steps (each prints one line; any failure exits non-zero with the reason):

1. PyInstaller with ``packaging/zhanhe_counter.spec`` into ``<out>/dist/zhanhe-counter``.
2. Smoke test of the GUI: ``zhanhe-counter --demo --smoke`` under ``QT_QPA_PLATFORM=offscreen``
   with a temporary data folder. It must exit 0 and write nothing on stderr except the
   application's own INFO/DEBUG log lines and the offscreen plugin's known notice (see
   :data:`HARMLESS_STDERR`). A WARNING (for instance a missing Qt translation), an ERROR or a
   traceback fails the build.
3. Smoke test of ``zhanhe-admin`` in the same bundle: the official calendar, the sample
   catalogue, the forms, a test page on an A4 (simulated) and an ESC/POS (file) printer with
   the fonts found on this machine. Each must exit 0 with an empty stderr.
4. ``BENCH`` line: bundle size and start time (median wall time of the smoke run) against the
   same smoke run from the source checkout, measured now.
5. If ``makensis`` is on PATH: compile ``packaging/windows/installer.nsi`` with the bundle as
   payload, uncompressed to stay fast. On Linux the payload is the Linux bundle: this checks the
   script, its version information, shortcuts and uninstaller, not a Windows program.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from version_info import numeric_version, project_version  # noqa: E402

SPEC = HERE / "zhanhe_counter.spec"
NSIS_SCRIPT = HERE / "windows" / "installer.nsi"
BUNDLE_NAME = "zhanhe-counter"

#: stderr lines a healthy smoke run may print, each with the reason it is harmless.
HARMLESS_STDERR = (
    # The application's own log (logging.basicConfig / configure_logging to stderr) below
    # WARNING: "data folder: ...", alembic's "Running upgrade ...", "reader connected ...".
    re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?:INFO|DEBUG) \S+: "),
    # Qt's offscreen platform (CI only; counters use windows/xcb/wayland) cannot pass size
    # hints to a window manager it does not have. qutebrowser whitelists the same line. It comes
    # bare from Qt, or through main.py's Qt message handler as a "qt" log record.
    re.compile(
        r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING qt: )?"
        r"This plugin does not support propagateSizeHints\(\)$"
    ),
)

#: Smoke runs per program: the start time reported is their median (the first is a cold start).
SMOKE_RUNS = 3


#: The floor of the start-time figure: the same entry point run by the venv's interpreter.
FROM_SOURCE = "import sys; from zhanhe_counter.main import run; sys.exit(run())"


class BuildFailed(Exception):
    """A step failed; the message says which and why."""


def unexpected_stderr(text: str) -> list[str]:
    """The lines of ``text`` that are not in :data:`HARMLESS_STDERR` (blank lines ignored)."""
    return [
        line
        for line in text.splitlines()
        if line.strip() and not any(pattern.match(line) for pattern in HARMLESS_STDERR)
    ]


def folder_size(folder: Path) -> int:
    """Bytes of all regular files under ``folder`` (symlinks not followed, as ``du`` counts)."""
    return sum(
        path.lstat().st_size
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def executable(bundle: Path, name: str) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def makensis_command(
    makensis: str, *, version: str, source_dir: Path, out_file: Path, compress: bool = False
) -> list[str]:
    """The ``makensis`` call compiling the installer for ``version`` from ``source_dir``."""
    four = ".".join(str(n) for n in numeric_version(version))
    command = [
        makensis,
        "-V2",
        "-WX",  # a warning (unknown page, unused define, bad version key) fails the check
        "-INPUTCHARSET",
        "UTF8",
        f"-DVERSION={version}",
        f"-DVERSION4={four}",
        f"-DSOURCE_DIR={source_dir}",
        f"-DOUTFILE={out_file}",
    ]
    if not compress:
        command.append("-DUNCOMPRESSED")
    return [*command, str(NSIS_SCRIPT)]


@dataclass
class Run:
    seconds: float
    stdout: str
    stderr: str


def run(command: Sequence[str | Path], *, env: dict[str, str], timeout: float = 120) -> Run:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [str(part) for part in command],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as error:
        raise BuildFailed(f"{command[0]} did not finish within {timeout:.0f} s") from error
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise BuildFailed(
            f"{' '.join(map(str, command))} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
        )
    return Run(seconds, done.stdout, done.stderr)


def smoke_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["ZHANHE_DATA_DIR"] = str(data_dir)
    # The demo never asks the keyring; if anything does, it must fail loudly, not prompt.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    for name in ("PYTHONPATH", "PYTHONHOME", "QT_PLUGIN_PATH", "LD_LIBRARY_PATH"):
        env.pop(name, None)  # the bundle must not lean on the checkout or the venv
    return env


def build(out: Path) -> tuple[Path, float]:
    start = time.perf_counter()
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            out / "dist",
            "--workpath",
            out / "work",
            SPEC,
        ],
        env=dict(os.environ),
        timeout=900,
    )
    return out / "dist" / BUNDLE_NAME, time.perf_counter() - start


def smoke_gui(command: Sequence[str | Path], label: str) -> list[float]:
    """Run the GUI smoke ``SMOKE_RUNS`` times, each in a fresh data folder; the wall times."""
    times = []
    for _ in range(SMOKE_RUNS):
        with tempfile.TemporaryDirectory(prefix="zhanhe-smoke-") as folder:
            data = Path(folder)
            result = run([*command, "--demo", "--smoke", "--data-dir", data], env=smoke_env(data))
            bad = unexpected_stderr(result.stderr)
            if bad:
                raise BuildFailed(f"{label}: unexpected stderr:\n" + "\n".join(bad))
            if not any(data.glob("station.sqlite3*")):
                raise BuildFailed(f"{label}: the demo made no station database in {data}")
            times.append(result.seconds)
    return times


PRINTERS_TOML = """\
[printers."A4"]
kind = "simulated"
paper = "a4"
folder = "a4"

[printers."小票"]
kind = "escpos"
paper = "80mm"
connection = "file"
device = "{ticket}"
"""


#: A ticket with a character only the fallback fonts have (䶮, CJK Extension A).
TICKET_VALUES = {
    "centre_name": "湛河区政务服务中心",
    "case_no": "ZH-SMOKE-0001",
    "matter_name": "高龄津贴申领",
    "applicant_name": "刘䶮",
    "received_at": "2025-10-09T09:30:00",
    "promised": "2025-10-16",
    "window_no": "3",
    "progress_url": "https://example.invalid/q",
}


def smoke_admin(bundle: Path) -> list[str]:
    """Run the administrator's commands that need the bundled data; what each proved."""
    admin = executable(bundle, "zhanhe-admin")
    proved = []
    with tempfile.TemporaryDirectory(prefix="zhanhe-admin-smoke-") as folder:
        data = Path(folder)
        env = smoke_env(data)

        def admin_ok(*args: str | Path) -> str:
            result = run([admin, "--data-dir", data, *args], env=env)
            if result.stderr.strip():
                raise BuildFailed(f"zhanhe-admin {args[0]}: stderr:\n{result.stderr}")
            return result.stdout

        out = admin_ok("calendar", "add-workdays", "2025-09-30", "3", "--json")
        if '"due": "2025-10-11"' not in out or '"provisional": false' not in out:
            raise BuildFailed(f"official calendar missing in the bundle: {out}")
        proved.append("official calendar (National Day 2025)")

        out = admin_ok("checklist", "evaluate", "--matter", "ZH-001", "--provided", "1", "--json")
        if '"outcome": "incomplete"' not in out:
            raise BuildFailed(f"sample catalogue not usable in the bundle: {out}")
        proved.append("sample catalogue")

        out = admin_ok("render", "--list")
        shipped = sorted(path.stem for path in (ROOT / "forms").glob("*.toml"))
        missing = [form for form in shipped if f'"id": "{form}"' not in out]
        if missing:
            raise BuildFailed(f"forms missing in the bundle: {missing}")
        proved.append(f"{len(shipped)} forms")

        ticket = data / "ticket.bin"
        (data / "printers.toml").write_text(
            PRINTERS_TOML.format(ticket=ticket.as_posix()), encoding="utf-8"
        )
        values = data / "ticket.json"
        values.write_text(json.dumps(TICKET_VALUES, ensure_ascii=False), encoding="utf-8")
        rendered = data / "ticket.pdf"
        admin_ok("render", "thermal_ticket", "--data", values, "--out", rendered)
        if b"/FontFile2" not in rendered.read_bytes():
            raise BuildFailed("the rendered ticket has no embedded TrueType Chinese font")
        proved.append("the target's CJK fonts (embedded in a rendered PDF, 䶮 included)")

        admin_ok("print-test", "A4")
        if not list((data / "a4").glob("*.pdf")):
            raise BuildFailed("the simulated A4 printer received no test page")
        admin_ok("print-test", "小票")
        if not ticket.is_file() or ticket.stat().st_size < 1000:
            raise BuildFailed("the ESC/POS test ticket was not written")
        proved.append("test pages on an A4 and an ESC/POS printer")
    return proved


def compile_installer(bundle: Path, out: Path, version: str) -> tuple[Path, float] | None:
    makensis = shutil.which("makensis")
    if makensis is None:
        return None
    setup = out / f"zhanhe-counter-setup-{version}-linux-payload.exe"
    start = time.perf_counter()
    run(
        makensis_command(makensis, version=version, source_dir=bundle, out_file=setup),
        env=dict(os.environ),
        timeout=900,
    )
    if not setup.is_file():
        raise BuildFailed(f"makensis reported success but wrote no {setup}")
    return setup, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bundle")
    parser.add_argument("--skip-build", action="store_true", help="test the existing bundle")
    parser.add_argument("--no-nsis", action="store_true", help="do not compile the installer")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    version = project_version(ROOT)
    try:
        if args.skip_build:
            bundle = out / "dist" / BUNDLE_NAME
            if not bundle.is_dir():
                raise BuildFailed(f"no bundle at {bundle}; run without --skip-build")
        else:
            bundle, seconds = build(out)
            print(f">> bundle built in {seconds:.0f} s: {bundle}", flush=True)

        bundle_times = smoke_gui([executable(bundle, "zhanhe-counter")], "bundle")
        print(f">> smoke: zhanhe-counter --demo --smoke exit 0, stderr clean ×{SMOKE_RUNS}")
        proved = smoke_admin(bundle)
        print(f">> smoke: zhanhe-admin finds {'; '.join(proved)}", flush=True)

        source_times = smoke_gui([sys.executable, "-c", FROM_SOURCE], "source")
        size_mib = folder_size(bundle) / 2**20
        bundle_s = statistics.median(bundle_times)
        source_s = statistics.median(source_times)
        print(
            f"BENCH bundle size_mib={size_mib:.0f} start_s={bundle_s:.2f} "
            f"(first {bundle_times[0]:.2f}) ratio={bundle_s / source_s:.2f} "
            f"vs the same --demo --smoke from source {source_s:.2f} s",
            flush=True,
        )

        if args.no_nsis:
            return 0
        installer = compile_installer(bundle, out, version)
        if installer is None:
            print(">> makensis not found: Windows installer script not compiled")
        else:
            setup, seconds = installer
            print(
                f">> NSIS: {setup.name} compiled in {seconds:.0f} s "
                f"({setup.stat().st_size / 1e6:.0f} MB, Linux bundle as payload: a script check)"
            )
    except BuildFailed as error:
        print(f"BUILD FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
