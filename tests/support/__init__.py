"""Shared test servers: SMTP on loopback, a Twilio emulator, an HTTP receiver, key helpers."""
