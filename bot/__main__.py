"""`python -m bot` is the same program as `listening-post`."""

import sys

from bot.cli import main

sys.exit(main())
