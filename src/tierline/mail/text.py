"""Text of an e-mail: HTML to plain text, format=flowed, and cutting quoted replies and signatures.

The rules are deliberately conservative: a line is only taken for the start of a quote or a
signature when it looks like the markers mail programs actually write (Gmail's and Apple Mail's
"On … wrote:", Outlook's "From: … Sent: …" block and its underscore rule, "-----Original
Message-----" in several languages, the RFC 3676 "-- " delimiter, "Sent from my iPhone").
A forwarded message ("---------- Forwarded message ----------") is kept: it is what the customer
wants us to read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_ATTRIBUTION = re.compile(
    r"^\s*(on|am|le|el|il|op|em|den|w dniu)\b.{0,300}"
    r"\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał)\b.{0,200}:\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(from|von|de|van|da)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|verzonden|inviato|to|an)\s*:",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(sent from my|sent from outlook|get outlook for|von meinem|envoyé de mon|"
    r"enviado desde mi)\b.{0,60}$",
    re.IGNORECASE,
)


def _cut_at(lines: list[str]) -> int:
    """Index of the first line of the quoted reply or signature (len(lines) if none)."""
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line) or _ORIGINAL.match(line) or _MOBILE.match(line):
            return i
        if _ATTRIBUTION.match(line):
            return i
        # Gmail wraps a long attribution over two lines.
        if (
            i + 1 < len(lines)
            and line.strip()
            and not line.lstrip().startswith(">")
            and _ATTRIBUTION.match(f"{line} {lines[i + 1]}")
        ):
            return i
        if _RULE.match(line) and any(_HEADER_FROM.match(n) for n in lines[i + 1 : i + 3]):
            return i
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1 : i + 5]):
            return i
    return len(lines)


def strip_reply(text: str) -> str:
    """The new part of a reply: text above the quote or signature, quoted ('>') lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [ln.rstrip() for ln in lines[: _cut_at(lines)] if not ln.lstrip().startswith(">")]
    return _tidy("\n".join(kept))


def _tidy(text: str) -> str:
    """At most one blank line in a row; no blank lines at either end."""
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def unflow(text: str, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: join soft line breaks (a line ending in a space)."""
    out: list[str] = []
    buf = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw[1:] if raw.startswith(" ") else raw  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            buf += line[:-1] if delsp else line
            continue
        out.append(buf + line)
        buf = ""
    if buf:
        out.append(buf)
    return "\n".join(out)


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title", "blockquote", "template"})
    _BLOCK = frozenset(
        {"p", "div", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr"}
    )
    #: Containers mail programs put the quoted conversation in.
    _QUOTE_MARKS = ("gmail_quote", "divrplyfwdmsg", "yahoo_quoted", "moz-cite-prefix")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        marks = " ".join((v or "") for k, v in attrs if k in ("class", "id")).lower()
        if tag in self._SKIP or any(m in marks for m in self._QUOTE_MARKS):
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_tag is None:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail body, without its quoted conversation."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _tidy("\n".join(lines))
