"""The `briefing` program (and `python -m briefing`).

Before the command line's own imports, a build or script forks its reader
(`read.ahead.start_early`): importing a page's extractor, and the normalizer that makes the
script, is most of what reading and scripting cost, and it then runs on the other core from
the first milliseconds, while this process loads the speech and audio stages.
"""

import sys


def main() -> int:
    arguments = sys.argv[1:]
    # Only these two read ahead; the other commands (and --help) start without its imports.
    early = arguments[:1] in (["build"], ["script"])
    if early:
        from briefing.read import ahead

        ahead.start_early(arguments, warm=_load_script_stages)
    try:
        from briefing.cli import main as run

        return run()
    finally:
        if early:
            ahead.discard_early()


def _load_script_stages() -> None:
    """In the early reader, while it waits for its job: what making the script loads."""
    from briefing import pipeline

    for step in pipeline.preparations(None):
        step()


# The guard matters: a local Dask cluster starts its workers by spawning Python processes that
# import this module again, and they must not run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
