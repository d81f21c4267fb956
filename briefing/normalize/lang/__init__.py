"""Normalization in languages other than English: `registry` picks a language's rules."""
