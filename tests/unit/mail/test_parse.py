"""Parsing inbound mail: who wrote, the new text only, threading headers, and clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tierline.mail.parse import MailRejected, parse


def mail(body: str, **headers: str) -> bytes:
    head = {
        "From": "Hank Scorpio <Hank@Globex.Example>",
        "To": "support@acme.test",
        "Subject": "Export stops at 10,000 rows",
        "Message-ID": "<m1@globex.example>",
        "Date": "Mon, 23 Nov 2026 10:00:00 +0100",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    lines = [f"{k}: {v}" for k, v in head.items() if v]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def test_sender_subject_ids_and_date() -> None:
    m = parse(
        mail(
            "Our export is cut off.",
            In_Reply_To="<tl-7-abc@acme.test>",
            References="<first@globex.example>\r\n <tl-7-abc@acme.test>",
        )
    )
    assert m.from_address == "hank@globex.example" and m.from_name == "Hank Scorpio"
    assert m.domain == "globex.example"
    assert m.subject == "Export stops at 10,000 rows"
    assert m.message_id == "<m1@globex.example>"
    assert m.in_reply_to == ("<tl-7-abc@acme.test>",)
    assert m.refers_to == ["<first@globex.example>", "<tl-7-abc@acme.test>"]
    assert m.date == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert m.body == "Our export is cut off."
    assert not m.auto_generated


def test_encoded_words_and_charsets_are_decoded() -> None:
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@example.de>\r\n"
        b"Subject: =?iso-8859-1?q?Pr=FCfung_fehlgeschlagen?=\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Die Pr=FCfung schl=E4gt fehl.\r\n"
    )
    m = parse(raw)
    assert m.from_name == "Jürgen Müller"
    assert m.subject == "Prüfung fehlgeschlagen"
    assert m.body == "Die Prüfung schlägt fehl."


def test_a_mislabelled_or_unknown_charset_falls_back() -> None:
    raw = "From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    m = parse(raw.encode() + "Grüße".encode())
    assert m.body == "Grüße"  # 8-bit UTF-8 in a part labelled us-ascii
    raw = "From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
    assert parse(raw.encode() + "café".encode("cp1252")).body == "café"


def test_plain_text_is_preferred_over_html() -> None:
    raw = (
        "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n"
        "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n--B--\r\n"
    )
    assert parse(raw.encode()).body == "plain words"


def test_html_only_is_stripped_without_its_quoted_part() -> None:
    html = (
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<p>The export &amp; the <b>import</b> fail.</p><div>Since Monday<br>at 10:00</div>"
        "<ul><li>one</li><li>two</li></ul><script>alert(1)</script>"
        '<div class="gmail_quote"><div>On Mon, Support wrote:</div>'
        "<blockquote>old text</blockquote></div></body></html>"
    )
    raw = "From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    body = parse((raw + html).encode()).body
    assert body == "The export & the import fail.\n\nSince Monday\nat 10:00\n\n- one\n- two"


@pytest.mark.parametrize(
    "tail",
    [
        "\n\nOn Mon, 23 Nov 2026 at 09:00, Acme Support <support@acme.test> wrote:\n> fixed\n",
        "\n\nOn Mon, 23 Nov 2026 at 09:00, Acme Support\n<support@acme.test> wrote:\n> fixed\n",
        "\n\nAm Mo., 23. Nov. 2026 um 09:00 Uhr schrieb Support <s@acme.test>:\n> behoben\n",
        "\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: fixed\n",
        "\n\n________________________________\nFrom: Support <s@acme.test>\nSent: Monday\n",
        "\n\nFrom: Support <s@acme.test>\nSent: Monday, 23 November 2026 09:00\nTo: Hank\n",
        "\n\n-- \nHank Scorpio\nGlobex Corporation\n",
        "\n\nSent from my iPhone\n\n> On 23 Nov: fixed\n",
    ],
)
def test_quoted_replies_and_signatures_are_cut(tail: str) -> None:
    assert parse(mail("It is still broken." + tail)).body == "It is still broken."


def test_interleaved_quotes_keep_the_answers() -> None:
    body = "> Does it fail for all users?\nYes, all of them.\n> Since when?\nSince Monday."
    assert parse(mail(body)).body == "Yes, all of them.\nSince Monday."


def test_a_forwarded_message_in_the_text_is_kept() -> None:
    body = (
        "See below, this is what our admin got.\n\n"
        "---------- Forwarded message ---------\nFrom: Monitor <m@globex.example>\n"
        "Subject: Export failed\n\nJob 17 failed at row 10,000.\n"
    )
    assert "Job 17 failed at row 10,000." in parse(mail(body)).body


def test_format_flowed_is_joined() -> None:
    raw = (
        "From: a@b.example\r\nSubject: x\r\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        "This line is soft \r\nbroken here.\r\nNew line.\r\n"
    )
    assert parse(raw.encode()).body == "This line is soft broken here.\nNew line."


def test_attachments_are_named_not_stored() -> None:
    raw = (
        "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nScreenshot attached.\r\n"
        "--B\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=err.png\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--B--\r\n"
    )
    m = parse(raw.encode())
    assert m.attachments == ("err.png",)
    assert m.body == "Screenshot attached.\n\n[attachments not stored: err.png]"


def test_a_message_of_only_an_attachment_is_kept() -> None:
    raw = (
        "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        "filename=invoice.pdf\r\n\r\nJVBERi0=\r\n--B--\r\n"
    )
    assert parse(raw.encode()).body == "(no text; attachments: invoice.pdf)"


def test_a_missing_message_id_is_derived_from_the_content() -> None:
    raw = mail("hello", Message_ID="")
    first, again = parse(raw), parse(raw)
    assert first.message_id == again.message_id
    assert first.message_id.endswith("@tierline.missing-message-id>")
    assert parse(mail("other", Message_ID="")).message_id != first.message_id


def test_a_message_that_is_only_a_quote_keeps_its_text() -> None:
    # Nothing the customer sent is thrown away: with no new text, the quoted text is kept.
    assert parse(mail("> the export fails\n> at 10,000 rows")).body.startswith("> the export")


def test_an_mbox_envelope_line_is_skipped() -> None:
    raw = b"From hank@globex.example Mon Nov 23 10:00:00 2026\n" + mail("hello")
    assert parse(raw).from_address == "hank@globex.example"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"X_Autoreply": "yes"}, "X-Autoreply"),
        ({"From": "MAILER-DAEMON@mx.globex.example"}, "sent by mailer-daemon"),
        ({"Return_Path": "<>"}, "null sender"),
    ],
)
def test_machine_generated_mail_is_recognised(headers: dict[str, str], why: str) -> None:
    assert why.lower() in parse(mail("I am out of the office.", **headers)).auto_generated.lower()


def test_auto_submitted_no_is_a_person() -> None:
    assert parse(mail("hello", Auto_Submitted="no")).auto_generated == ""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"just some words, not a mail", "not an e-mail"),
        (b'{"from": "a@b.example", "text": "hi"}', "not an e-mail"),
        (b"X-Custom: 1\r\n\r\nbody", "not an e-mail"),
        (b"Subject: hello\r\n\r\nbody", "no From header"),
        (b"From: Hank\r\nSubject: hello\r\n\r\nbody", "no usable address"),
        (b"From: a@b.example\r\nSubject: hello\r\n\r\n \r\n", "no body"),
    ],
)
def test_malformed_input_is_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MailRejected, match=reason):
        parse(raw)


def test_oversized_mail_is_refused() -> None:
    with pytest.raises(MailRejected, match="the limit is 1 MB"):
        parse(mail("x" * 2_000_000), max_bytes=1_048_576)


def test_very_long_text_is_cut() -> None:
    body = parse(mail("word " * 30_000)).body
    assert len(body) < 100_100 and body.endswith("characters]")
