"""Draw a laid-out digest as Telegram HTML, plain text or an HTML e-mail, escaping every text."""

from __future__ import annotations

from html import escape

from digests.document import Document, Line, layout
from digests.model import Digest
from digests.split import split_message
from digests.texts import digest_texts

__all__ = ["email_html", "plain_text", "split_message", "telegram_html"]

_TELEGRAM = {"": ("", ""), "b": ("<b>", "</b>"), "i": ("<i>", "</i>")}
_EMAIL = {"": ("", ""), "b": ("<strong>", "</strong>"), "i": ("<em>", "</em>")}


def _line(line: Line, tags: dict[str, tuple[str, str]], quote: bool) -> str:
    return "".join(
        f"{tags[s.style][0]}{escape(s.text, quote=quote)}{tags[s.style][1]}" for s in line
    )


def telegram_html(digest: Digest | Document) -> str:
    """Telegram's HTML: only <b> and <i>, paragraphs apart by blank lines (split_message cuts)."""
    doc = digest if isinstance(digest, Document) else layout(digest)
    parts = [f"<b>{escape(doc.title, quote=False)}</b>\n<i>{escape(doc.subtitle, quote=False)}</i>"]
    for section in doc.sections:
        paragraphs = [
            "\n".join(_line(ln, _TELEGRAM, False) for ln in p) for p in section.paragraphs
        ]
        paragraphs[0] = f"<b>{escape(section.heading, quote=False)}</b>\n{paragraphs[0]}"
        parts += paragraphs
    parts += [f"<i>{escape(text, quote=False)}</i>" for text in doc.footer]
    return "\n\n".join(parts)


def plain_text(digest: Digest | Document) -> str:
    """The same words with no markup, for a text e-mail or a log of what was sent."""
    doc = digest if isinstance(digest, Document) else layout(digest)
    parts = [f"{doc.title}\n{doc.subtitle}"]
    for section in doc.sections:
        paragraphs = [
            "\n".join("".join(s.text for s in ln) for ln in p) for p in section.paragraphs
        ]
        paragraphs[0] = f"{section.heading.upper()}\n{paragraphs[0]}"
        parts += paragraphs
    return "\n\n".join([*parts, *doc.footer]) + "\n"


def email_html(digest: Digest | Document, *, chart: bool = False) -> str:
    """A whole HTML e-mail body: headings, paragraphs and a footer, styled inline.

    With `chart`, an image of the weekly chart follows the first section, as
    `<img src="cid:{chart_cid}">` for the mailer to fill in with the attachment's id.
    """
    doc = digest if isinstance(digest, Document) else layout(digest)
    body = [f"<h1>{escape(doc.title)}</h1>", f"<p><em>{escape(doc.subtitle)}</em></p>"]
    for number, section in enumerate(doc.sections):
        if chart and number == 1:
            alt = escape(digest_texts()("chart"))
            body.append(f'<p><img src="cid:{{chart_cid}}" alt="{alt}" style="max-width:100%"></p>')
        body.append(f"<h2>{escape(section.heading)}</h2>")
        body += [
            "<p>" + "<br>\n".join(_line(ln, _EMAIL, True) for ln in p) + "</p>"
            for p in section.paragraphs
        ]
    body += [f'<p style="color:#555;font-size:small">{escape(text)}</p>' for text in doc.footer]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(doc.title)}</title>\n</head>\n"
        '<body style="font-family:sans-serif;max-width:42em;line-height:1.4">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
