"""Report and reminder emails through SES (raw MIME, so the PDF can be attached). ``send`` blocks: run it in a
thread. Every email can carry an unsubscribe link, in its text and its ``List-Unsubscribe`` header.

It calls the SES v2 API (``SendEmail`` with raw content): its JSON body costs far less to build than
v1's ``SendRawEmail``, whose form-encoding of a PDF-sized message took a fifth of the worker's CPU."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid
from typing import Any


@dataclass(frozen=True)
class ReportMail:
    to: str
    subject: str
    summary: str
    filename: str
    pdf: bytes | None
    """Attached when given; else ``link`` is in the body."""
    link: str = ""
    unsubscribe: str = ""
    """A signed link that turns the scheduled emails off (none: no link)."""


@dataclass(frozen=True)
class TextMail:
    """A plain-text email (the daily reminder)."""

    to: str
    subject: str
    text: str
    unsubscribe: str = ""


class _Headers(HeaderRegistry):
    """The standard header classes, each made once: ``HeaderRegistry`` makes a new class for every
    header it parses (a quarter of the time an email took to build, measured)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


_POLICY = default.clone(max_line_length=998, header_factory=_Headers())
"""RFC 5322's line bound: a long ``List-Unsubscribe`` URL stays one plain header, not an encoded word."""


def _headers(sender: str, to: str, subject: str, unsubscribe: str) -> EmailMessage:
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    return msg


def _footer(unsubscribe: str) -> str:
    return f"\n--\nTo stop these emails, open: {unsubscribe}\n" if unsubscribe else ""


def build_text(sender: str, mail: TextMail) -> bytes:
    msg = _headers(sender, mail.to, mail.subject, mail.unsubscribe)
    msg.set_content(mail.text + "\n" + _footer(mail.unsubscribe))
    return msg.as_bytes()


def build(sender: str, mail: ReportMail) -> bytes:
    msg = _headers(sender, mail.to, mail.subject, mail.unsubscribe)
    body = mail.summary
    if mail.pdf is None:
        body += f"\n\nYour report (a PDF) is here; the link works for a few days:\n{mail.link}\n"
    else:
        body += "\n\nYour report is attached as a PDF.\n"
    body += _footer(mail.unsubscribe)
    msg.set_content(body)
    if mail.pdf is not None:
        msg.add_attachment(mail.pdf, maintype="application", subtype="pdf", filename=mail.filename)
    return msg.as_bytes()


class Mailer:
    def __init__(self, ses: Any, sender: str) -> None:
        self.ses = ses
        self.sender = sender

    def send(self, mail: ReportMail | TextMail) -> str:
        """Send the email; returns SES's message id."""
        data = build_text(self.sender, mail) if isinstance(mail, TextMail) else build(self.sender, mail)
        answer = self.ses.send_email(
            FromEmailAddress=self.sender, Destination={"ToAddresses": [mail.to]}, Content={"Raw": {"Data": data}}
        )
        return str(answer.get("MessageId", ""))
