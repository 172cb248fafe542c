"""d2k: migrate `docker run` commands and running containers to Kubernetes manifests.

Importing d2k loads neither typer nor docker nor the Kubernetes client: conversion from
commands never waits for them.
"""

__version__ = "0.1.0"
