"""Subcommands of `bankml`; each module defines register(subparsers) and sets func."""
