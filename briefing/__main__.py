from briefing.cli import main

# The guard matters: a local Dask cluster starts its workers by spawning Python processes that
# import this module again, and they must not run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
