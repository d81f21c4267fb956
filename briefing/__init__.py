"""briefing: turn a written article into a spoken audio briefing, fully offline."""

__version__ = "0.1.0"
