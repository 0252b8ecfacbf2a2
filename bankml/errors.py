"""The library's exception types: each names what is wrong and how to fix it."""


class BankmlError(Exception):
    """Base class: a clean, user-facing failure (the CLI prints it in one line, pages in st.error)."""


class InputError(BankmlError, ValueError):
    """Bad input at a boundary (file, column, row, value, allowed range)."""


class StoreError(BankmlError):
    """The bank database is missing, unreadable or not a bank; regenerating fixes it."""


class BankBusyError(StoreError):
    """Another regeneration holds the writer lock."""


class ModelError(BankmlError):
    """A model artefact is missing, tampered with or incompatible; retraining fixes it."""
