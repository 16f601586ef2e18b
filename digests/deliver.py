"""Deliver a built digest: Telegram (HTML in clean pieces, the chart, the CSV) and e-mail."""

from __future__ import annotations

from telegram import Bot, InputFile
from telegram.constants import ParseMode

from digests.chart import weekly_chart
from digests.csv_export import digest_csv
from digests.mail import Mail, SmtpServer, send_mail
from digests.model import Digest
from digests.render import email_html, plain_text, telegram_html
from digests.split import split_message
from digests.suppression import SUPPRESSED
from digests.texts import digest_texts


def chart_png(digest: Digest) -> bytes:
    """The last weeks per service; a suppressed week is a gap, never a small number."""
    series = {
        name: [None if cell == SUPPRESSED else int(cell) for cell in cells]
        for name, cells in digest.trend.groups
    }
    return weekly_chart(digest.trend.weeks, series, digest_texts())


async def send_by_telegram(bot: Bot, chat_id: int, digest: Digest) -> None:
    for piece in split_message(telegram_html(digest)):
        await bot.send_message(chat_id, piece, parse_mode=ParseMode.HTML)
    await bot.send_photo(chat_id, InputFile(chart_png(digest), filename=f"{digest.week}.png"))
    csv = InputFile(
        digest_csv(digest).encode("utf-8"), filename=f"listening-post-{digest.week}.csv"
    )
    await bot.send_document(chat_id, csv)


async def send_by_email(server: SmtpServer, to: str, digest: Digest) -> None:
    mail = Mail(
        to=to,
        subject=digest_texts()("title", week=digest.week),
        text=plain_text(digest),
        html=email_html(digest, chart=True),
        chart_png=chart_png(digest),
    )
    await send_mail(server, mail)
