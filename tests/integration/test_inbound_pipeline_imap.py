"""E-mail replies as mail clients send them (RFC 822): sender, own words, Message-ID.

No IMAP server runs here: these pin the parsing that `poll_mailbox` applies to every
message it fetches.
"""

from __future__ import annotations

from creditflow.inbound.imap import parse_email, reply_text

THUNDERBIRD_REPLY = b"""\
Return-Path: <jan@example.nl>
Message-ID: <7a1c2e0b-1111-4b2a-9c3d-5e6f7a8b9c0d@example.nl>
Date: Mon, 2 Mar 2026 10:15:02 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Herinnering factuur INV-1001
To: debiteuren@example.nl
From: Jan de Vries <Jan@Example.nl>
Content-Type: multipart/alternative; boundary="------------abc123"

This is a multi-part message in MIME format.
--------------abc123
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: quoted-printable

Ik betaal vrijdag, excuses voor de vertraging.

Groet, Jan

Op 01-03-2026 om 09:00 schreef creditflow demo B.V.:
> Beste Jan, factuur INV-1001 staat nog open.

--------------abc123
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 7bit

<html><body><p>Ik betaal vrijdag, excuses voor de vertraging.</p></body></html>
--------------abc123--
"""

OUTLOOK_HTML_ONLY = b"""\
Message-ID: <AM0PR01MB1234@eurprd01.prod.outlook.com>
Subject: RE: Payment reminder
From: "Ann Smith" <ann@example.com>
To: <billing@example.nl>
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

<html><head><style>p {color: red}</style></head><body><p>Can I pay in installments?</p>=
<div>-----Original Message-----<br>From: billing</div></body></html>
"""


def test_a_thunderbird_reply_gives_only_the_debtors_words():
    mail = parse_email(THUNDERBIRD_REPLY)
    assert mail.sender == "jan@example.nl"
    assert mail.message_id == "<7a1c2e0b-1111-4b2a-9c3d-5e6f7a8b9c0d@example.nl>"
    text = reply_text(mail.subject, mail.text)
    assert text.startswith("Ik betaal vrijdag") and "staat nog open" not in text


def test_an_html_only_outlook_reply_is_read_as_text():
    mail = parse_email(OUTLOOK_HTML_ONLY)
    assert mail.sender == "ann@example.com"
    text = reply_text(mail.subject, mail.text)
    assert text == "Can I pay in installments?"


def test_an_empty_body_falls_back_to_the_subject():
    assert reply_text("Re: AW: Stuur me een betaallink", "\n> quoted only\n") == (
        "Stuur me een betaallink"
    )
