"""`python -m d2k` is the `d2k` command."""

from d2k.cli import main

main()
