"""Spelling database URLs: the same server as another database, or as another user."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def with_user(url: str, user: str, password: str | None = None) -> str:
    """The same server and database, connecting as `user` (with `password` when given)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{credentials}@{host}"))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")
