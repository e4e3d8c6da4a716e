"""``python -m bench`` (what ``make bench`` runs). ``python -m bench --help`` lists the options.

``--ops`` picks rows of both parts: the HTTP harness (:mod:`bench.run`, W0…W8) and the live rows
(:mod:`bench.live`, L1 subscription fan-out, L2 change-feed paging); without it both run."""

import sys

from bench.live import main as live_main
from bench.live import split_argv
from bench.run import main

http_argv, live_argv = split_argv(sys.argv[1:])
if "-h" in sys.argv[1:] or "--help" in sys.argv[1:]:
    http_argv, live_argv = sys.argv[1:], None
rc = main(http_argv) if http_argv is not None else 0
if rc == 0 and live_argv is not None:
    rc = live_main(live_argv)
sys.exit(rc)
