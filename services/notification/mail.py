"""Email: rendering (Jinja2 templates in ./templates, plain text and HTML), building the MIME message, and sending it
over SMTP (aiosmtplib). The notification service decides what to send and when; this module only says how."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from services.common.config import MailSettings

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Each has <name>.txt (with the subject in `{% block subject %}`) and <name>.html, both extending the base layouts.
TEMPLATES = ("notification", "verification", "invitation", "digest")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class MailRenderer:
    """Renders the mail templates. Every template is loaded here, once: rendering reads no file afterwards, so it may
    run on the event loop. A context value missing from the call is an error, not an empty string."""

    def __init__(self, directory: Path = TEMPLATE_DIR):
        environment = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            auto_reload=False)
        self._templates: dict[str, tuple[Template, Template]] = {
            name: (environment.get_template(f"{name}.txt"), environment.get_template(f"{name}.html"))
            for name in TEMPLATES}

    def render(self, template: str, context: Mapping[str, Any]) -> RenderedMail:
        try:
            text_template, html_template = self._templates[template]
        except KeyError:
            raise ValueError(f"no mail template {template!r}; there are {', '.join(TEMPLATES)}") from None
        # The subject block is defined in the .txt template only and left out of its body by base.txt.
        subject_block = text_template.blocks["subject"]
        subject = " ".join("".join(subject_block(text_template.new_context(dict(context)))).split())
        return RenderedMail(subject=subject, text=text_template.render(context),
                            html=html_template.render(context, mail_subject=subject))


def stable_message_id(key: str, sender: str) -> str:
    """A Message-ID that stays the same for every attempt at one mail: `key` (the mail's id) at the sender's
    domain, so a resend is recognisable as the same message."""
    domain = sender.rpartition("@")[2].rstrip(">").strip() or "coins.local"
    return f"<{key}@{domain}>"


def build_message(rendered: RenderedMail, *, sender: str, to_email: str, to_name: str, message_id: str,
                  unsubscribe_url: str | None = None) -> EmailMessage:
    """multipart/alternative (text, then HTML). With `unsubscribe_url`, the one-click unsubscribe headers of
    RFC 8058: mail clients show an unsubscribe button that POSTs to the URL."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_email)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to us
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class MailError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MailDeferred(MailError):
    """Not sent, try again later: the server was unreachable or slow, dropped the connection, answered 4xx, or
    refused our login or TLS (a configuration to fix; the mail must not be lost meanwhile)."""


class MailRejected(MailError):
    """Not sent and never will be: the server refused this message for good (5xx to its sender, recipient or
    content, e.g. an address that does not exist), or it cannot be sent at all."""


class SmtpSender:
    """Sends over kept-open SMTP connections, at most one per concurrent sender: a connection is reused while it works
    and dropped at its first error. A kept connection the server closed while idle is replaced, for the same mail, by
    a fresh one; every other failure is classified for the queue (MailDeferred, MailRejected)."""

    def __init__(self, settings: MailSettings):
        self._settings = settings
        self._idle: list[aiosmtplib.SMTP] = []

    @property
    def server(self) -> str:
        return f"{self._settings.host}:{self._settings.port}"

    async def close(self) -> None:
        while self._idle:
            client = self._idle.pop()
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()

    async def send(self, message: EmailMessage) -> None:
        try:
            await self._send(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusals = [_reply(refused.code, refused.message) for refused in error.recipients]
            if all(refused.code >= 500 for refused in error.recipients):
                raise MailRejected(f"recipient refused: {'; '.join(refusals)}") from error
            raise MailDeferred(f"recipient deferred: {'; '.join(refusals)}") from error
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
                OSError) as error:
            # Refused or reset connections, no greeting, timeouts, a disconnect mid-mail.
            raise MailDeferred(f"SMTP server {self.server} unreachable: {_describe(error)}") from error
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPHeloError) as error:
            raise MailDeferred(f"SMTP server {self.server} refused the session: {_describe(error)}") from error
        except aiosmtplib.SMTPResponseException as error:
            if 400 <= error.code < 500:
                raise MailDeferred(f"deferred by {self.server}: {_describe(error)}") from error
            raise MailRejected(f"rejected by {self.server}: {_describe(error)}") from error
        except aiosmtplib.SMTPException as error:
            # STARTTLS required but not offered, or failing; a login the server does not offer.
            raise MailDeferred(f"SMTP with {self.server} failed: {_describe(error)}") from error
        except ValueError as error:
            # aiosmtplib refuses a message it cannot send as it is (no recipient, an address it cannot encode).
            raise MailRejected(f"cannot be sent: {error}") from error

    async def _send(self, message: EmailMessage) -> None:
        if self._idle:
            kept = self._idle.pop()
            if await self._over(kept, message, stale_ok=True):
                return
        settings = self._settings
        fresh = aiosmtplib.SMTP(hostname=settings.host, port=settings.port, username=settings.username or None,
                                password=settings.password or None, start_tls=settings.starttls,
                                timeout=settings.timeout_s)
        await fresh.connect()
        await self._over(fresh, message, stale_ok=False)

    async def _over(self, client: aiosmtplib.SMTP, message: EmailMessage, *, stale_ok: bool) -> bool:
        """Sends over `client` and keeps it for the next mail; False when a kept connection had gone stale."""
        try:
            await client.send_message(message)
        except aiosmtplib.SMTPServerDisconnected:
            client.close()
            if stale_ok:
                return False
            raise
        except BaseException:
            client.close()
            raise
        self._idle.append(client)
        return True


def _reply(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}"


def _describe(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _reply(error.code, error.message)
    return str(error) or type(error).__name__
