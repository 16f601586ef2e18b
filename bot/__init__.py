"""Listening Post's entry points: settings, CLI and the wiring of the Telegram application."""
