"""The real `senim serve` (waitress, the in-process projection runner) on a SQLite file, as an operator runs it."""
import os
import signal
import subprocess
import uuid
from pathlib import Path

import requests

from domain.actor import Actor
from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.helpers.workers import COMMAND, clean_env, free_port, wait_until

ADMIN = Actor.system("tests")


def staff_tokens(database_url: str, role: str, count: int) -> list[str]:
    """COUNT users of ROLE with a bearer token each, made through the product's composition root."""
    senim = bootstrap(Settings(database_url=database_url, testing=True))
    try:
        tokens = []
        for _ in range(count):
            written = senim.staff.add_user(username=f"{role}-{uuid.uuid4().hex[:6]}", role=role,
                                           password="correct horse 1", actor=ADMIN)
            tokens.append(senim.staff.issue_token(written.id, actor=ADMIN)[0])
        return tokens
    finally:
        senim.close()


class ServeProcess:
    """`senim serve` on a free port, until stop() or kill()."""

    def __init__(self, cwd: Path, database_url: str, secret_key: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = cwd / f"serve-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(self.port)], cwd=cwd,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            env=clean_env(SENIM_DATABASE_URL=database_url, SENIM_SECRET_KEY=secret_key))
        wait_until(self._ready, timeout=60, what="senim serve answering /readyz", pause=0.2,
                   explain=self.log_tail)

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"senim serve exited with {self.process.returncode}: {self.log_tail()}")
        try:
            return requests.get(self.url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        """SIGKILL: no finally block, no rollback by the server, as when a machine loses power."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
