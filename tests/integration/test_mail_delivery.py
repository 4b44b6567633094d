"""SMTP delivery for real: the dev mailbox (tools/mailbox.py) as its own process on a free port, SmtpSender sending to
it, the reader finding what arrived; the mailbox's REFUSE / REJECT switches and a port nobody listens on give the
failures a sender must tell apart (retry later or give up)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from services.common.config import MailSettings
from services.notification.mail import (
    MailDeferred,
    MailRejected,
    MailRenderer,
    SmtpSender,
    build_message,
    stable_message_id,
)
from tools import mailbox
from tools.devstack import ROOT, free_port

SENDER = "Coins for Change <no-reply@coins.local>"


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mailbox") / "mail"


@pytest.fixture(scope="module")
def smtp_port(mail_dir: Path) -> Iterator[int]:
    port = free_port()
    with open(mail_dir.parent / "mailbox.log", "ab") as log:
        server = mailbox.start(mail_dir, port, log)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def sender(smtp_port: int) -> SmtpSender:
    return SmtpSender(MailSettings(port=smtp_port, timeout_s=5, sender=SENDER))


@pytest.fixture(autouse=True)
def no_fault_switch(mail_dir: Path) -> Iterator[None]:
    yield
    for switch in (mailbox.REFUSE, mailbox.REJECT):
        (mail_dir / switch).unlink(missing_ok=True)


def invitation(key: str, to_email: str = "ann@example.org") -> EmailMessage:
    rendered = MailRenderer().render("invitation", {
        "campaign_title": "Greener Office", "role": "member", "link": f"https://coins.example/invitations/{key}",
        "expire_time": "9 December 2026", "inviter_name": "Bob"})
    return build_message(rendered, sender=SENDER, to_email=to_email, to_name="Ann Lee",
                         message_id=stable_message_id(key, SENDER))


def delivered(mail_dir: Path, key: str) -> list[EmailMessage]:
    return [m for m in mailbox.read_mailbox(mail_dir) if m["Message-ID"] == stable_message_id(key, SENDER)]


async def test_a_sent_mail_is_in_the_mailbox_with_its_headers_and_both_parts(sender, mail_dir):
    await sender.send(invitation("first"))
    [mail] = delivered(mail_dir, "first")  # on disk as soon as send() returns
    assert mail["Subject"] == "Bob invites you to Greener Office"
    assert mail["To"].addresses[0].addr_spec == "ann@example.org" and mail["Delivered-To"] == "ann@example.org"
    assert "https://coins.example/invitations/first" in mail.get_body(("plain",)).get_content()
    assert 'href="https://coins.example/invitations/first"' in mail.get_body(("html",)).get_content()


async def test_every_delivery_is_kept_so_a_duplicate_shows(sender, mail_dir):
    await sender.send(invitation("twice"))
    await sender.send(invitation("twice"))
    assert len(delivered(mail_dir, "twice")) == 2


async def test_refuse_switch_defers_and_removing_it_lets_the_retry_through(sender, mail_dir):
    (mail_dir / mailbox.REFUSE).touch()
    with pytest.raises(MailDeferred, match="451") as refused:
        await sender.send(invitation("retried"))
    assert "REFUSE" in refused.value.reason
    assert delivered(mail_dir, "retried") == []

    (mail_dir / mailbox.REFUSE).unlink()
    await sender.send(invitation("retried"))
    assert len(delivered(mail_dir, "retried")) == 1


async def test_a_permanent_refusal_is_rejected_not_deferred(sender, mail_dir):
    (mail_dir / mailbox.REJECT).touch()
    with pytest.raises(MailRejected, match="550"):
        await sender.send(invitation("rejected"))
    assert delivered(mail_dir, "rejected") == []


async def test_nothing_listening_is_deferred_with_a_readable_reason():
    closed = SmtpSender(MailSettings(port=free_port(), timeout_s=2, sender=SENDER))
    with pytest.raises(MailDeferred, match="unreachable") as failed:
        await closed.send(invitation("nobody"))
    assert closed.server in failed.value.reason


@pytest.mark.parametrize("server_behaviour", ["never greets", "hangs up"])
async def test_a_server_that_never_greets_or_hangs_up_is_deferred(server_behaviour):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if server_behaviour == "never greets":
            await reader.read()  # until the sender gives up and closes
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(MailDeferred, match="unreachable"):
            await SmtpSender(MailSettings(port=port, timeout_s=0.5, sender=SENDER)).send(invitation("odd"))


async def test_the_list_command_shows_time_recipient_subject_and_message_id(sender, mail_dir):
    await sender.send(invitation("listed"))
    shown = subprocess.run([sys.executable, "-m", "tools.mailbox", "list", "--dir", str(mail_dir)], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    [line] = [line for line in shown.splitlines() if stable_message_id("listed", SENDER) in line]
    assert "ann@example.org" in line and "Bob invites you to Greener Office" in line
    assert line[:4].isdigit()  # the arrival time first


async def test_one_connection_carries_many_mails_and_a_mailbox_restart_costs_none(mail_dir, tmp_path):
    port = free_port()
    with open(tmp_path / "mailbox.log", "ab") as log:
        server = mailbox.start(mail_dir, port, log)
    sender = SmtpSender(MailSettings(port=port, timeout_s=5, sender=SENDER))
    try:
        for n in range(3):
            await sender.send(invitation(f"kept-{n}"))
        assert all(len(delivered(mail_dir, f"kept-{n}")) == 1 for n in range(3))
        assert len(sender._idle) == 1  # one connection carried all three
        server.terminate()
        server.wait(10)
        with open(tmp_path / "mailbox.log", "ab") as log:
            server = mailbox.start(mail_dir, port, log)
        await sender.send(invitation("after-restart"))  # the kept connection died with the old mailbox
        assert len(delivered(mail_dir, "after-restart")) == 1
    finally:
        await sender.close()
        server.terminate()
        server.wait(10)
