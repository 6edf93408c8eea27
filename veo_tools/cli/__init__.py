"""The ``veo-tools`` command line: a thin front-end over :class:`veo_tools.service.VeoService`.

``main(argv)`` parses the arguments, runs one command and returns the exit code (0 success, 1 task
failed, 2 bad input, 3 API or network error), so tests and other programs can call it in-process.
"""

from veo_tools.cli.app import main

__all__ = ["main"]
