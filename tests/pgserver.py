"""A throwaway PostgreSQL server for the tests, started from the server
binaries (``initdb`` / ``pg_ctl``) in a temporary directory, listening on
loopback only, with fsync off: nothing in it outlives the test session.

initdb refuses to run as root, so when the tests run as root the server runs
as the ``postgres`` user (``runuser``), its directory handed over to it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

REQUIRE_ENV = "KIOSK_REQUIRE_POSTGRES"
SERVER_USER = "postgres"
DB_USER = "kiosk"


def find_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: on PATH, else Debian's /usr/lib/postgresql/<n>/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True)
    for initdb in versions:
        if (Path(initdb).parent / "pg_ctl").exists():
            return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if self._as_root:
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        return subprocess.run(argv, check=True, capture_output=True, text=True, cwd=self.base)

    def start(self) -> None:
        if self._as_root:
            shutil.chown(self.base, SERVER_USER, SERVER_USER)
        self._run("initdb", "-D", str(self.data), "-U", DB_USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.resume()

    def resume(self) -> None:
        """Start the server (again, after ``halt``) on the same port and data."""
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-t", "60",
                      "-o", options, "start")
        except subprocess.CalledProcessError as failure:
            log = (self.base / "server.log").read_text(errors="replace") if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {failure.stderr}\n{log}") from failure

    def halt(self) -> None:
        """Stop the server as an outage would (its connections cut), keeping its data."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=DB_USER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        copy = ""
        if template:
            # A small template is copied faster as files than page by page
            # through the WAL (PostgreSQL 15's default), about a second a test.
            copy = f' TEMPLATE "{template}"' + (" STRATEGY = FILE_COPY" if self._version() >= 150000 else "")
        self._admin(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def _version(self) -> int:
        if not hasattr(self, "_version_number"):
            import psycopg

            with psycopg.connect(host="127.0.0.1", port=self.port, user=DB_USER, dbname="postgres") as connection:
                self._version_number = connection.info.server_version
        return self._version_number

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
