"""Text -> docker commands: plain lists, shell scripts and Markdown, lexed as a POSIX shell would.

CONTRACT (used by d2k.parsers.docker_run; keep it stable):

    extract(text: str, file: str) -> Extraction

Extraction.commands lists every simple command whose program is `docker` or `podman`
(after `$ ` / `# ` prompts, `sudo [opts]`, and leading `VAR=value` assignments are stripped),
in input order. Command.words are its words after shell processing (quotes removed,
variables substituted where known), each with the 1-based line it starts on, beginning
with the program word itself ("docker"/"podman"). Unbalanced quotes, or a command cut
short, raise d2k.errors.InputError(message, file, line).
Extraction.diagnostics reports what stayed unresolved (`$(pwd)`, unset variables: the
text stays in the word as written) and anything skipped.
"""
