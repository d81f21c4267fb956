"""The web page: `briefing serve DIR` as a small application to make and hear briefings.

A front end like `cli.py`: it calls the same library (the reader, `pipeline.build` and its
progress callback, the feed), and it never builds in the server's own process: every build
runs in a worker process (`worker.py`) started from a queue (`builds.py`).
"""
