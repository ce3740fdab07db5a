"""``python -m roster_tui.cli``: the ``roster`` command."""

import sys

from roster_tui.cli.main import main

sys.exit(main())
