"""``python -m veo_tools.cli`` works like the ``veo-tools`` console script."""

import sys

from veo_tools.cli.app import main

sys.exit(main())
