"""Inbound e-mail (R-CASE-4): RFC 822 messages become customer messages on cases.

``parse`` turns bytes into an :class:`InboundMail` (or refuses them with a reason), ``ingest``
threads it into its case or opens one, in one transaction per message, and ``maildir`` walks a
Maildir the way a mail delivery agent expects.
"""

from tierline.mail.parse import InboundMail, MailRejected, parse

__all__ = ["InboundMail", "MailRejected", "parse"]
