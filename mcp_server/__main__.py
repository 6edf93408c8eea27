"""``python -m mcp_server``: the same as the ``veo-mcp`` console script."""

import sys

from mcp_server.server import main

sys.exit(main())
