"""d2k.ending.leave: a finished run ends at once, with what the usual exit would have done done first.

Every exit status of the CLI (tests/test_cli.py, test_options.py) already goes through it; here
what it must keep: exit handlers, buffered output, and the usual exit where ending at once could
lose something.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(body: str) -> subprocess.CompletedProcess[str]:
    code = "import atexit, sys, threading, time\nfrom d2k.ending import leave\n" + body
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_leave_runs_the_exit_handlers_flushes_both_streams_and_keeps_the_status() -> None:
    done = run("atexit.register(print, 'handler ran')\n"
               "sys.stdout.write('buffered, no newline')\nsys.stderr.write('err')\n"
               "leave(3)\nprint('not reached')\n")
    assert done.returncode == 3
    assert done.stdout == "buffered, no newlinehandler ran\n" and done.stderr == "err"


def test_leave_without_a_status_is_success() -> None:
    assert run("leave(None)\nsys.exit(5)\n").returncode == 0


def test_a_message_or_a_running_thread_gets_the_usual_exit() -> None:
    message = run("leave('a message')\nprint('usual exit')\nsys.exit('a message')\n")
    assert (message.returncode, message.stdout, message.stderr) == (1, "usual exit\n", "a message\n")
    thread = run("t = threading.Thread(target=time.sleep, args=(0.2,)); t.start()\n"
                 "leave(0)\nprint('usual exit')\nt.join()\nsys.exit(4)\n")
    assert (thread.returncode, thread.stdout) == (4, "usual exit\n")
