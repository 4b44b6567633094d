"""The dev mailbox: a real SMTP server (aiosmtpd) that keeps every mail it receives, one `.eml` file per delivery,
so a resend shows as a second file. `make dev` and the test stacks start it; it sends nothing on.

    python -m tools.mailbox --host 127.0.0.1 --port 2525 --dir .dev/mail   # serve until Ctrl-C / SIGTERM
    python -m tools.mailbox list --dir .dev/mail                           # time, to, subject, Message-ID

Fault switches for tests, read at each message: while a file named REFUSE exists in the folder every message is
answered 451 (temporary: the sender must retry); while REJECT exists, 550 (permanent). Nothing is stored then.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import IO, cast

from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parent.parent
REFUSE = "REFUSE"
REJECT = "REJECT"
_STAMP = "%Y%m%dT%H%M%S.%fZ"  # sorts as it reads: file names list in arrival order

log = logging.getLogger("mailbox")


class MailboxHandler:
    """aiosmtpd handler: stores each message, or refuses it while a fault switch is on."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._counter = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = cast(bytes, envelope.original_content)
        recipients = ", ".join(envelope.rcpt_tos)
        subject = BytesHeaderParser(policy=policy.default).parsebytes(content).get("Subject", "")
        # File system calls off the event loop: the server keeps answering other connections meanwhile.
        if await asyncio.to_thread((self.directory / REFUSE).exists):
            log.info("refused (451, %s file) mail to %s: %r", REFUSE, recipients, subject)
            return f"451 4.3.0 Mailbox refuses mail while {REFUSE} exists; try again later"
        if await asyncio.to_thread((self.directory / REJECT).exists):
            log.info("rejected (550, %s file) mail to %s: %r", REJECT, recipients, subject)
            return f"550 5.7.1 Mailbox rejects mail while {REJECT} exists"
        name = f"{datetime.now(UTC).strftime(_STAMP)}-{next(self._counter):06d}.eml"
        trace = f"Return-Path: <{envelope.mail_from}>\r\n" + "".join(f"Delivered-To: {to}\r\n"
                                                                      for to in envelope.rcpt_tos)
        await asyncio.to_thread(_write_new, self.directory / name, trace.encode() + content)
        # 250 only once the file is complete: a sender that got its answer finds the mail on disk.
        log.info("received %s to %s: %r", name, recipients, subject)
        return "250 2.0.0 OK: stored as " + name


def _write_new(path: Path, content: bytes) -> None:
    # Written beside, then renamed: a reader never sees half a mail. "xb": never overwrite one.
    partial = path.with_name("." + path.name + ".partial")
    with partial.open("xb") as out:
        out.write(content)
    partial.rename(path)


async def serve(host: str, port: int, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    handler = MailboxHandler(directory)
    # hostname given: aiosmtpd would otherwise look up this machine's FQDN (a blocking DNS call) per connection.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mailbox.coins.local", enable_SMTPUTF8=True, loop=loop), host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("SMTP on %s:%d, keeping mail in %s", host, port, directory)
    async with server:
        await stop.wait()
    log.info("stopped")


# ---- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    path: Path
    received_at: datetime
    message: EmailMessage

    @classmethod
    def load(cls, path: Path) -> "Mail":
        with path.open("rb") as file:
            message = cast(EmailMessage, BytesParser(policy=policy.default).parse(file))
        received_at = datetime.strptime(path.name.split("-")[0], _STAMP).replace(tzinfo=UTC)
        return cls(path, received_at, message)


def mail_files(directory: Path) -> list[Path]:
    """The stored mails in arrival order."""
    return sorted(directory.glob("*.eml")) if directory.exists() else []


def read_mail(directory: Path) -> list[Mail]:
    return [Mail.load(path) for path in mail_files(directory)]


def read_mailbox(directory: Path) -> list[EmailMessage]:
    """Every mail received, oldest first (for tests: one message per delivery, duplicates included)."""
    return [mail.message for mail in read_mail(directory)]


def describe(mail: Mail) -> str:
    return (f"{mail.received_at:%Y-%m-%d %H:%M:%S}Z  {mail.message.get('To', '')}  "
            f"{mail.message.get('Subject', '')!r}  {mail.message.get('Message-ID', '')}")


# ---- starting it as a process (tools/devstack.py, tests) ----------------------------------------------------------


def start(directory: Path, port: int, output: IO[bytes] | int | None = None, host: str = "127.0.0.1",
          timeout: float = 15) -> subprocess.Popen:
    """Starts `python -m tools.mailbox` and returns once it answers SMTP's greeting."""
    # cwd=ROOT: `-m` puts it first on sys.path, so `tools` imports without PYTHONPATH.
    process = subprocess.Popen([sys.executable, "-m", "tools.mailbox", "--host", host, "--port", str(port),
                                "--dir", str(directory)], cwd=ROOT, stdout=output,
                               stderr=subprocess.STDOUT if output is not None else None, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the mailbox exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5) as conn:
            if conn.recv(512).startswith(b"220"):
                conn.sendall(b"QUIT\r\n")
                return process
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"the mailbox did not answer on {host}:{port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=["serve", "list"], default="serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, default=ROOT / ".dev" / "mail")
    args = parser.parse_args()
    if args.command == "list":
        mails = read_mail(args.dir)
        for mail in mails:
            print(describe(mail))
        print(f"{len(mails)} mail(s) in {args.dir}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s mailbox: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's own lines: one per SMTP command
    asyncio.run(serve(args.host, args.port, args.dir))


if __name__ == "__main__":
    main()
