"""Parsers: text -> docker commands (text), a docker run argv -> Container (docker_run, flags),
Docker Engine API -> Container (engine; the only module that imports docker)."""
