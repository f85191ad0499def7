"""Talking to the outside: SMTP (with STARTTLS and auth from settings), Slack and signed webhooks.

Each function raises ``Transient`` (try again later), ``Permanent`` (give up, with the reason),
``Bounced`` (the server refused the recipient) or ``Unconfirmed`` (the message was handed over
and the answer was lost, so it may have been delivered). The sender decides what each means
for the message.
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import json
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.utils import timezone

from csops.outreach import links


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


class Bounced(Permanent):
    pass


class Unconfirmed(Exception):
    pass


def sender_address() -> str:
    return parseaddr(settings.CSOPS_SMTP_FROM)[1]


def message_id_header(message: Any) -> str:
    """Stable per message: a resend after a crash carries the same Message-ID, so receivers can tell."""
    domain = sender_address().rpartition("@")[2] or "csops.local"
    return f"<{message.public_id}@{domain}>"


def build_email(message: Any, *, now: Any = None) -> bytes:
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = settings.CSOPS_SMTP_FROM
    name = message.contact.name if message.contact_id and message.contact else ""
    mail["To"] = formataddr((name, message.to_address)) if name else message.to_address
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(timezone.localtime(now or timezone.now()))
    mail["Message-ID"] = message_id_header(message)
    if message.contact_id:
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to this URL.
        mail["List-Unsubscribe"] = f"<{links.unsubscribe_url(message)}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(message.body_text or message.subject)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    if message.language:  # after the body: add_alternative moves Content-* headers into the first part
        mail["Content-Language"] = message.language
    return mail.as_bytes()


class SmtpSession:
    """One SMTP connection reused for a batch; reconnects after an error."""

    def __init__(self) -> None:
        self.connection: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
        if self.connection is None:
            try:
                connection = smtplib.SMTP(settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT,
                                          timeout=settings.CSOPS_SMTP_TIMEOUT)
                connection.ehlo()
                if settings.CSOPS_SMTP_STARTTLS:
                    connection.starttls(context=ssl.create_default_context())
                    connection.ehlo()
                if settings.CSOPS_SMTP_USER:
                    connection.login(settings.CSOPS_SMTP_USER, settings.CSOPS_SMTP_PASSWORD)
            except smtplib.SMTPAuthenticationError as exc:
                raise Transient(f"SMTP authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
            except (OSError, smtplib.SMTPException) as exc:
                raise Transient(f"cannot connect to SMTP {settings.CSOPS_SMTP_HOST}:{settings.CSOPS_SMTP_PORT}: "
                                f"{exc}") from exc
            self.connection = connection
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None

    def drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _refused(code: int, reply: bytes, what: str) -> Exception:
    reason = f"{what}: {code} {_text(reply)}"
    return Transient(reason) if 400 <= code < 500 else Permanent(reason)


def send_email(session: SmtpSession, message: Any, *, on_handover: Callable[[], None], now: Any = None) -> str:
    """Send one email over ``session``; returns the server's acceptance reply.

    The SMTP conversation is done by hand (not ``sendmail``) so that ``on_handover`` runs between
    the server's 354 and the final dot: before it nothing can have been delivered, after it the
    message may have been (docs/worker.md, "exactly once").
    """
    data = build_email(message, now=now)
    connection = session.get()
    try:
        code, reply = connection.mail(sender_address())
        if code != 250:
            connection.rset()
            raise _refused(code, reply, "sender refused")
        code, reply = connection.rcpt(message.to_address)
        if code not in (250, 251):
            connection.rset()
            if 500 <= code < 600:
                raise Bounced(f"recipient refused: {code} {_text(reply)}")
            raise Transient(f"recipient deferred: {code} {_text(reply)}")
        code, reply = connection.docmd("DATA")
        if code != 354:
            connection.rset()
            raise _refused(code, reply, "DATA refused")
    except (OSError, smtplib.SMTPException) as exc:
        session.drop()
        raise Transient(f"SMTP error before the message was handed over: {exc}") from exc
    on_handover()
    body = re.sub(rb"(?m)^\.", b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    try:
        connection.send(body + b".\r\n")
        code, reply = connection.getreply()
    except (OSError, smtplib.SMTPException) as exc:
        session.drop()
        raise Unconfirmed(f"connection lost after the message was handed over: {exc}") from exc
    if code != 250:
        # The server answered: it did not take the message, so trying again cannot duplicate it.
        raise _refused(code, reply, "message refused")
    return f"{code} {_text(reply)}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook is posted to the configured URL only: a redirect is an answer, not a new destination."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>." + body`` (docs/outreach.md, webhooks)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_webhook(message: Any, *, now: Any = None) -> str:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.is_active:
        raise Permanent("the endpoint was removed or turned off")
    if not endpoint.url.startswith(("https://", "http://")):
        raise Permanent("the endpoint URL must be http(s)")
    headers = {"Content-Type": "application/json", "User-Agent": "csops-webhooks/1"}
    if message.channel == "slack":
        body = json.dumps(message.payload, ensure_ascii=False).encode()
    else:
        sent = now or timezone.now()
        body = json.dumps({"id": str(message.public_id), "event": message.event, "created_at": sent.isoformat(),
                           "data": message.payload}, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time() if now is None else now.timestamp()))
        headers.update({"X-Csops-Event": message.event, "X-Csops-Delivery": str(message.public_id),
                        "X-Csops-Timestamp": timestamp})
        if endpoint.secret:
            headers["X-Csops-Signature"] = signature(endpoint.secret, timestamp, body)
    request = urllib.request.Request(endpoint.url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) checked)
    try:
        with _opener.open(request, timeout=settings.CSOPS_WEBHOOK_TIMEOUT) as response:
            return f"{response.status}"
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            raise Transient(f"{endpoint.name} answered {exc.code}") from exc
        raise Permanent(f"{endpoint.name} answered {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Transient(f"{endpoint.name} unreachable: {getattr(exc, 'reason', exc)}") from exc
