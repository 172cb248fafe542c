"""What counts as a credential, and how to keep its value out of everything but Secrets."""

from __future__ import annotations

from d2k.patterns import lazy

CREDENTIAL_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE")
_NOT_CREDENTIAL = lazy(r"(?:^|_)(?:KEY_?(?:ID|NAME|FILE|PATH|ALG|ALGORITHM|SIZE|LENGTH|TYPE))$|_FILE$|_PATH$")
# scheme://user:password@host -- a password inside a URL
_URL_PASSWORD = lazy(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@")
REDACTED = "<redacted>"


def is_credential_name(name: str) -> bool:
    """PASSWORD, PASSWD, SECRET, TOKEN, KEY, CREDENTIAL or PRIVATE in the name, case-insensitive.

    Names that point at a credential rather than hold one (`*_FILE`, `*_PATH`, e.g.
    POSTGRES_PASSWORD_FILE) are plain values: the file itself is what is secret.
    """
    upper = name.upper()
    if not any(word in upper for word in CREDENTIAL_WORDS):
        return False
    return not _NOT_CREDENTIAL.search(upper)


def is_credential_value(value: str) -> bool:
    """A value that carries a password whatever its name: a URL with user:password@."""
    return bool(_URL_PASSWORD.match(value))


def is_credential(name: str, value: str | None) -> bool:
    return is_credential_name(name) or (value is not None and is_credential_value(value))


def redact_assignment(text: str) -> str:
    """`NAME=value` -> `NAME=<redacted>` when it is a credential; anything else unchanged."""
    name, sep, value = text.partition("=")
    if sep and value and is_credential(name, value):
        return f"{name}={REDACTED}"
    return text


def redact_url(text: str) -> str:
    """`postgres://u:pw@db/x` -> `postgres://u:<redacted>@db/x`; text without a URL password unchanged."""
    match = _URL_PASSWORD.match(text)
    if not match:
        return text
    head = match.group(0)
    user = head[: head.rindex(":")]
    return f"{user}:{REDACTED}@" + text[len(head):]


def is_credential_file(name: str, data: bytes) -> bool:
    """A file that holds a credential: its name says so (`db.password`, `tls.key`), or it holds a private
    key, or a `NAME=value` line with a credential name (an env file with passwords)."""
    if is_credential_name(name.replace(".", "_").replace("-", "_")):
        return True
    text = data.decode("utf-8", "replace")
    if "PRIVATE KEY-----" in text:
        return True
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and value.strip() and " " not in key.strip() and is_credential(key.strip(), value):
            return True
    return any(is_credential_value(word) for word in text.split())
