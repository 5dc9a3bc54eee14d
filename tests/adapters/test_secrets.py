"""The keyring is judged by what it is (issue 18, Deliver 7), and works against a real Secret
Service: gnome-keyring in a D-Bus session of the test's own, as on a Linux counter PC.

Missing ``dbus-run-session`` or ``gnome-keyring-daemon`` FAILS the test (scripts/apt/base.txt
lists them); it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, chainer, fail, null

from zhanhe_counter.adapters.secrets import KeyringSecretStore, KeyringUnavailable, judge_backend

ROOT = Path(__file__).resolve().parents[2]


class _Store(KeyringBackend):
    """A backend with a dict behind it; subclasses set what they claim to be."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


# keyrings.alt's plain-text file store as it names itself; a third party's subclass of it,
# published under a harmless-looking module and ranked high, is still plain text.
KnownPlaintext: Any = type("PlaintextKeyring", (_Store,), {"__module__": "keyrings.alt.file"})
RebrandedPlaintext: Any = type(
    "SafeVault", (KnownPlaintext,), {"__module__": "keyring_safevault", "priority": 9}
)
# A file store that knows it is only a fallback, under a module name no list can know.
LowPriorityFile: Any = type(
    "JsonFileKeyring", (_Store,), {"__module__": "acme_keyring.json_file", "priority": 0.5}
)
# An encrypted store from a third party that ranks itself as a real keyring.
EncryptedThirdParty: Any = type(
    "CryptFileKeyring", (_Store,), {"__module__": "keyrings.cryptfile.cryptfile", "priority": 2.5}
)


class _NotViable(_Store):
    @classmethod  # type: ignore[misc]
    @property
    def priority(cls) -> float:  # type: ignore[override]
        raise RuntimeError("the service is not running")


@pytest.fixture(autouse=True, scope="module")
def _unregistered() -> Any:
    """keyring registers every backend class; the test's own must not outlive the module."""
    yield
    for cls in (
        _Store,
        KnownPlaintext,
        RebrandedPlaintext,
        LowPriorityFile,
        EncryptedThirdParty,
        _NotViable,
        _Chain,
    ):
        KeyringBackend._classes.discard(cls)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("backend", "safe", "reason"),
    [
        (fail.Keyring(), False, "no keyring"),
        (null.Keyring(), False, "no keyring"),
        (KnownPlaintext(), False, "plain text"),
        (RebrandedPlaintext(), False, "plain text"),
        (LowPriorityFile(), False, "fallback"),
        (_NotViable(), False, "not usable"),
        (EncryptedThirdParty(), True, "priority 2.5"),
        # Outside a D-Bus session the Secret Service is not there: refused, not trusted blindly.
        (SecretService.Keyring(), False, "not usable"),
    ],
)
def test_a_backend_is_judged_by_what_it_is(backend: Any, safe: bool, reason: str) -> None:
    verdict = judge_backend(backend)
    assert verdict.safe is safe
    assert reason in verdict.reason


class _Chain(chainer.ChainerBackend):
    """keyring's chainer over the backends given (its own discovers the installed ones)."""

    backends: list[Any] = []  # noqa: RUF012 - replaced per instance

    def __init__(self, backends: list[Any]) -> None:
        super().__init__()
        self.backends = backends


def test_a_chainer_is_judged_by_the_backend_it_writes_to() -> None:
    assert not judge_backend(_Chain([KnownPlaintext(), EncryptedThirdParty()])).safe
    assert judge_backend(_Chain([EncryptedThirdParty(), KnownPlaintext()])).safe
    assert not judge_backend(_Chain([])).safe


def test_the_store_refuses_an_unsafe_backend_in_chinese() -> None:
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(RebrandedPlaintext())
    try:
        with pytest.raises(KeyringUnavailable) as refused:
            KeyringSecretStore()
        assert "系统密钥库" in refused.value.user_message
        KeyringSecretStore(allow_insecure=True)  # demo mode may
    finally:
        keyring.set_keyring(previous)


# Runs inside the D-Bus session: the keyring library picks its backend as on a counter PC.
_IN_SESSION = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import keyring
    from zhanhe_counter.adapters.secrets import KeyringSecretStore, backend_name, judge_backend
    from zhanhe_counter.adapters.storage.database_key import KEY_ENTRY, open_station_database
    from zhanhe_counter.adapters.storage.engine import PLAIN_SQLITE_HEADER

    data = Path(sys.argv[1])
    verdict = judge_backend(keyring.get_keyring())
    store = KeyringSecretStore()
    open_station_database(data, demo=False, secrets_store=store).dispose()
    key = store.get(KEY_ENTRY)
    engine = open_station_database(data, demo=False, secrets_store=KeyringSecretStore())
    engine.dispose()
    print(json.dumps({
        "backend": backend_name(), "safe": verdict.safe, "key_len": len(key or ""),
        "encrypted": (data / "station.sqlite3").read_bytes()[:16] != PLAIN_SQLITE_HEADER,
        "demo_key_file": (data / "demo-database.key").exists(),
    }))
    """
)


def test_the_database_key_lives_in_a_real_secret_service(tmp_path: Path) -> None:
    for program in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(program) is None:
            pytest.fail(
                f"{program} not found: install the Debian packages of scripts/apt/base.txt "
                "(dbus-daemon, gnome-keyring)",
                pytrace=False,
            )
    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "ZHANHE_DATA_DIR")
    }
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / "share"), "PYTHONPATH": str(ROOT)})
    script = tmp_path / "in_session.py"
    script.write_text(_IN_SESSION)
    # The daemon reads the login password from stdin, unlocks (creating) the login keyring and
    # stays in the background for the session; the session ends when the shell does.
    shell = (
        'printf "test-login" | gnome-keyring-daemon --unlock --components=secrets >/dev/null '
        f'&& "{sys.executable}" "{script}" "{tmp_path / "data"}"'
    )
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "SecretService" in result["backend"]
    assert result["safe"] is True
    assert result["key_len"] == 64
    assert result["encrypted"] is True
    assert result["demo_key_file"] is False
    # The key is nowhere on disk in the clear: the keyring file is gnome-keyring's own.
    stored = b"".join(p.read_bytes() for p in (home / "share").rglob("*") if p.is_file())
    assert stored  # gnome-keyring wrote its (encrypted) login keyring
