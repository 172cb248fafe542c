"""What counts as a credential, and how to keep its value out of everything but Secrets."""

from __future__ import annotations

import re

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


# Flags of a command line whose value is a credential though their name holds none of CREDENTIAL_WORDS
# (redis-server's --requirepass and --masterauth, --pass, --passphrase).
ARGUMENT_CREDENTIALS = frozenset({"requirepass", "masterauth", "pass", "passphrase"})
_FLAG_VALUE = lazy(r"(--?[A-Za-z][A-Za-z0-9_.-]*)=(.+)$", re.S)
_FLAG = lazy(r"--?[A-Za-z][A-Za-z0-9_.-]*$")
# every credential flag holds one of these (lower-cased), and every URL password an `@`
_HINTS = ("pass", "secret", "token", "key", "credential", "private", "auth", "@")
_TOKEN = lazy(r"""(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"])+""")  # a script's words, quotes kept whole


def is_credential_flag(flag: str) -> bool:
    """`--requirepass`, `--db-password`, `--api-key`: a command-line flag whose value is a credential."""
    name = flag.lstrip("-")
    return name.lower() in ARGUMENT_CREDENTIALS or is_credential_name(name.replace("-", "_").replace(".", "_"))


def argument_credentials(words: list[str]) -> list[tuple[int, int, int, str]]:
    """Where credentials sit in an argv: (word, start, end, what) for each, `what` the flag that gives it
    (`--requirepass`) or `url` for the password of a URL (`redis://:pw@cache`). A word with blanks (the
    script of `sh -c`) is read token by token. `--flag=VALUE` and `--flag VALUE` count; a value that is a
    path (`--key /etc/tls.key`: the file is the secret, not its name) or a variable (`$PASSWORD`) does not."""
    text = "\0".join(words).lower()
    if not any(hint in text for hint in _HINTS):  # the usual case: nothing that could name or hold a credential
        return []
    found: list[tuple[int, int, int, str]] = []
    for i, word in enumerate(words):
        if any(ch.isspace() for ch in word):  # a script: its tokens, each with the one after it
            tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(word)]
            for k, (start, token) in enumerate(tokens):
                after = tokens[k + 1][1] if k + 1 < len(tokens) else None
                for in_next, a, b, what in _token_credentials(token, after, quoted=True):
                    base = tokens[k + 1][0] if in_next else start
                    found.append((i, base + a, base + b, what))
        else:
            after = words[i + 1] if i + 1 < len(words) else None
            for in_next, a, b, what in _token_credentials(word, after, quoted=False):
                found.append((i + 1 if in_next else i, a, b, what))
    return found


def _token_credentials(token: str, after: str | None, *, quoted: bool) -> list[tuple[bool, int, int, str]]:
    """The credential spans of one token: (in the token after it?, start, end, what)."""
    pair = _FLAG_VALUE.match(token)
    if pair and is_credential_flag(pair.group(1)):
        a, b = _value_span(pair.group(2), quoted)
        return [(False, pair.start(2) + a, pair.start(2) + b, pair.group(1))] if a < b else []
    if _FLAG.match(token) and is_credential_flag(token) and after is not None and not after.startswith("-"):
        a, b = _value_span(after, quoted)
        return [(True, a, b, token)] if a < b else []
    at = pair.start(2) if pair else 0  # `--uri=mongodb://u:pw@db`: the URL is the value
    lead = at + len(token[at:]) - len(token[at:].lstrip("'\""))
    url = _URL_PASSWORD.match(token[lead:])
    if url:
        head = url.group(0)
        return [(False, lead + head.rindex(":") + 1, lead + len(head) - 1, "url")]
    return []


def _value_span(value: str, quoted: bool) -> tuple[int, int]:
    """The part of a flag's value that is the credential: inside its quotes in a script; nothing for a path
    or a variable."""
    a, b = 0, len(value)
    if quoted and b >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        a, b = 1, b - 1
    inner = value[a:b]
    if not inner or inner.startswith(("/", "./", "~/", "$", "-")):
        return 0, 0
    return a, b
