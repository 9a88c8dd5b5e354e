"""Issue 20, point 1, in a real terminal: the kiosk started as a branch
starts it (``python -m kiosk --institution progressa``) in tmux at 100x30, and
a Progressa member's whole recovery and the login with the new key done with
SGR mouse clicks only, each aimed at a label read off the screen
(``tmux capture-pane``), as a finger aims at what it sees.

Nothing but mouse reports is ever sent to the terminal (``Terminal.tap`` is
the only writer).  The temporary key the member receives is read from the
store's outbox with the kiosk's own sealer."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlmodel import Session, select

from kiosk.core import outbox
from kiosk.core.hashing import Hasher
from kiosk.core.sealing import Sealer
from kiosk.store import make_engine
from kiosk.store.models import Member, MemberKey
from tests.conftest import TEST_PEPPER

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed: this walk needs a real terminal (apt-get install tmux)"
)

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 100, 30
WAIT_SECONDS = 90.0  # a loaded machine is slow: the kiosk starting, a bcrypt check; never this slow
POLL_SECONDS = 0.1

DOCUMENT, MOBILE, NEW_KEY = "1010123456", "3111234567", "749261"
IMAGE, PHRASE = "Pez", "mi perro tango"  # the phrase in lower case: no Mayús to find and tap twice


# The tmux server's environment, which the kiosk inherits: without the size a
# test runner may export (pytest-xdist's workers say COLUMNS=80 LINES=24),
# which would win over the terminal's own; outside any other tmux.
TMUX_ENVIRONMENT = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES", "TMUX")}


class Terminal:
    """A tmux session seen as a member sees a touchscreen: text to read, keys
    to tap.  On a tmux server of its own (``-L``): another tmux user's server
    and clients could resize its window."""

    def __init__(self, server: str, session: str) -> None:
        self.server = server
        self.session = session

    def tmux(self, *arguments: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.server, *arguments], capture_output=True, text=True, check=True, timeout=30,
            env=TMUX_ENVIRONMENT,
        )
        return done.stdout

    def lines(self) -> list[str]:
        return self.tmux("capture-pane", "-p", "-t", self.session).split("\n")

    def wait_for(self, text: str, timeout: float = WAIT_SECONDS) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines()
            if text in "\n".join(lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout:.0f} s no {text!r} on the screen:\n" + "\n".join(lines))
            time.sleep(POLL_SECONDS)

    def wait_gone(self, text: str, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while text in "\n".join(lines := self.lines()):
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout:.0f} s still {text!r} on the screen:\n" + "\n".join(lines))
            time.sleep(POLL_SECONDS)

    def tap(self, label: str, changes: bool = True) -> None:
        """Click the middle of the one key or button labelled ``label`` (SGR
        mouse report: press, then release; columns and rows from 1); with
        ``changes``, wait until the screen shows the tap did something."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            before = self.lines()
            found = keys_labelled(label, before)
            if len(found) == 1:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} keys labelled {label!r} at {found}:\n" + "\n".join(before))
            time.sleep(POLL_SECONDS)
        x, y = found[0]
        for end in "Mm":
            self.tmux("send-keys", "-t", self.session, "-l", f"\x1b[<0;{x + 1};{y + 1}{end}")
        if changes:
            while self.lines() == before:
                if time.monotonic() > deadline:
                    raise AssertionError(f"tapping {label!r} at {x},{y} changed nothing:\n" + "\n".join(before))
                time.sleep(POLL_SECONDS)

    def tap_until(self, label: str, shown: str) -> None:
        """Tap ``label`` again, as a member would, until ``shown`` is on the
        screen (a button disabled while the kiosk starts ignores a tap)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            self.tap(label, changes=False)
            try:
                self.wait_for(shown, timeout=5)
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise

    def tap_each(self, labels) -> None:
        for label in labels:
            self.tap(label)


def _column_slice(line: str, start: int, end: int) -> str:
    """The characters of ``line`` in columns ``start``..``end`` (wide characters take two)."""
    picked, column = [], 0
    for character in line:
        if start <= column <= end:
            picked.append(character)
        column += cell_len(character)
    return "".join(picked)


def keys_labelled(label: str, lines: list[str]) -> list[tuple[int, int]]:
    """The middles (column, row from 0) of the keys and buttons showing
    ``label``: the label alone between spaces, on a line between a key's top
    edge (▔) and its bottom edge (▁), as every KeyGrid key and every button is
    drawn.  Text elsewhere (a typed value, a notice) is not a key."""
    found = []
    for row, line in enumerate(lines):
        for match in re.finditer(re.escape(label), line):
            start, end = match.span()
            if line[start - 1:start] not in ("", " ") or line[end:end + 1] not in ("", " "):
                continue
            column = cell_len(line[:start]) + cell_len(label) // 2
            above = lines[row - 1] if row else ""
            below = lines[row + 1] if row + 1 < len(lines) else ""
            # Near, not right above: the key last tapped (the focused grid's
            # cursor) is drawn framed, without edges of its own; its neighbours' show.
            near = (column - 12, column + 12)
            if "▔" in _column_slice(above, *near) and "▁" in _column_slice(below, *near):
                found.append((column, row))
    return found


def newest_sms(engine, sealer: Sealer, mobile: str, after: int) -> str:
    """The newest message to ``mobile`` after outbox message ``after`` (waiting for it)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with Session(engine) as session:
            sent = [m for m in outbox.since(session, sealer, after) if m.recipient == mobile]
        if sent:
            return sent[-1].body
        if time.monotonic() > deadline:
            raise AssertionError(f"no message to {mobile} after {WAIT_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)


@pytest.fixture
def kiosk_in_tmux(tmp_path):
    """The kiosk on a fresh demo store (it seeds an empty one as it starts)."""
    name = f"kiosk-touch-{uuid.uuid4().hex[:12]}"
    terminal = Terminal(server=name, session=name)
    data = tmp_path / "kiosk-data"
    environment = {
        "KIOSK_DATA_DIR": str(data),
        "KIOSK_PEPPER": TEST_PEPPER.hex(),
        "KIOSK_BCRYPT_COST": "4",
        "KIOSK_IDLE_TIMEOUT": "900",  # a slow machine is not a member walking away
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",
    }
    command = " ".join(
        ["env", *(shlex.quote(f"{variable}={value}") for variable, value in environment.items()),
         shlex.quote(sys.executable), "-m", "kiosk", "--institution", "progressa"]
    )
    # If the kiosk stops, the pane says so and keeps its last words (Textual
    # draws on stderr: it stays the terminal's) for the failure's message.
    shell = f"cd {shlex.quote(str(ROOT))} && {command}; echo KIOSK-EXITED $?; sleep 600"
    terminal.tmux("new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), shell)
    socket = None
    try:
        socket = Path(terminal.tmux("display-message", "-p", "-t", name, "#{socket_path}").strip())
        size = terminal.tmux("display-message", "-p", "-t", name, "#{window_width}x#{window_height}").strip()
        assert size == f"{WIDTH}x{HEIGHT}", f"the terminal is {size}"
        yield terminal, f"sqlite:///{data / 'kiosk.db'}"
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True, timeout=30)
        if socket is not None:
            socket.unlink(missing_ok=True)  # tmux leaves it behind


def test_progressa_recovery_and_login_with_mouse_clicks_in_tmux(kiosk_in_tmux):
    screen, database_url = kiosk_in_tmux
    sealer = Sealer(TEST_PEPPER)

    screen.wait_for("Comenzar")
    screen.wait_gone("Preparando el kiosco")  # «Comenzar» is disabled until the store is ready
    screen.tap_until("Comenzar", "Ingresar tu usuario")
    screen.tap_each(DOCUMENT)
    screen.tap("Continuar")
    screen.wait_for("Olvidé mi clave")
    engine = make_engine(database_url)  # the kiosk has made and seeded it by now
    try:
        with Session(engine) as session:
            before = max((m.id for m in outbox.recent(session, sealer, limit=1)), default=0)
        screen.tap("Olvidé mi clave")
        screen.wait_for("Confirmación de cuenta")
        screen.tap("Continuar")  # by SMS, chosen already
        screen.wait_for("Hemos enviado la información solicitada")
        temporary = re.search(r"clave temporal es (\d+)", newest_sms(engine, sealer, MOBILE, before)).group(1)

        screen.tap("Ir a ingresar usuario")
        screen.wait_for("Ingresar tu usuario")
        screen.tap_each(DOCUMENT)
        screen.tap("Continuar")
        screen.wait_for("○ ○ ○ ○ ○ ○")  # the key's keypad, nothing typed
        screen.tap_each(temporary)
        screen.tap("Continuar")

        screen.wait_for("Escriba su nueva clave")
        screen.tap_each(NEW_KEY)
        screen.tap("Continuar")
        screen.wait_for("Confirme su nueva clave")  # a fresh layout: read again before each tap
        screen.tap_each(NEW_KEY)
        screen.tap("Continuar")

        screen.wait_for("Espacio")  # the image, and the keyboard for the phrase
        screen.tap(IMAGE)
        for character in PHRASE:
            if character == " ":  # a space at the end of the field looks like none: the next letter shows it
                screen.tap("Espacio", changes=False)
            else:
                screen.tap(character)
        screen.tap("Continuar")
        screen.wait_for("Permitir")
        screen.tap("Permitir")
        screen.wait_for("¡Listo!")
        screen.tap("Continuar")

        screen.wait_for("Ingresar tu usuario")
        screen.tap_each(DOCUMENT)
        screen.tap("Continuar")
        screen.wait_for(f"«{PHRASE}»")  # her new image and phrase, before the key
        screen.tap_each(NEW_KEY)
        screen.tap("Continuar")
        screen.wait_for("Ana María")  # her home

        with Session(engine) as session:
            progressa = select(Member).where(Member.institution == "progressa", Member.document_number == DOCUMENT)
            me = session.exec(progressa).one()
            key = session.exec(select(MemberKey).where(MemberKey.member_id == me.id)).one()
        assert Hasher(TEST_PEPPER, cost=4).verify(NEW_KEY, key.hash) and not key.temporary
    finally:
        engine.dispose()
