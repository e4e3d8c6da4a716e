"""``python -m bench`` (what ``make bench`` runs). ``python -m bench --help`` lists the options."""

import sys

from bench.run import main

sys.exit(main(sys.argv[1:]))
