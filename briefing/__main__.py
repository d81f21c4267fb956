"""The `briefing` program (and `python -m briefing`).

Before the command line's own imports, a build or script of a web page, a feed or standard
input forks its reader (`read.ahead.start_early`): importing the extractor is most of what
reading a page costs, and it then runs on the other core from the first milliseconds.
"""

import sys


def main() -> int:
    arguments = sys.argv[1:]
    # Only these two read ahead; the other commands (and --help) start without its imports.
    early = arguments[:1] in (["build"], ["script"])
    if early:
        from briefing.read import ahead

        ahead.start_early(arguments)
    try:
        from briefing.cli import main as run

        return run()
    finally:
        if early:
            ahead.discard_early()


# The guard matters: a local Dask cluster starts its workers by spawning Python processes that
# import this module again, and they must not run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
