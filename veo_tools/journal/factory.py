"""Which journal store a service opens: PostgreSQL when configured, else the SQLite file.

Apart from :mod:`veo_tools.journal.interface` because it imports the stores, and the stores
import the interface.
"""

from __future__ import annotations

from veo_tools.journal.interface import JournalStore
from veo_tools.settings import Settings


def open_journal(settings: Settings) -> JournalStore:
    """PostgreSQL when ``journal_url`` is set (and this is not a sandbox run), else SQLite.

    Sandbox runs always keep their own SQLite journal, so simulated tasks never deduplicate a
    real request or count against the real budget in a shared database.
    """
    if settings.journal_url and not settings.sandbox:
        from veo_tools.journal.postgres import PostgresJournal

        return PostgresJournal(settings.journal_url.get_secret_value())
    from veo_tools.journal.store import Journal

    return Journal.in_state_dir(settings.journal_dir)
