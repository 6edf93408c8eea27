from __future__ import annotations

from pathlib import Path

from veo_tools.journal.factory import open_journal
from veo_tools.journal.postgres import PostgresJournal
from veo_tools.journal.store import Journal
from veo_tools.settings import Settings


async def test_the_journal_url_selects_postgres_and_never_shows_its_password(
    postgres_url: str, tmp_path: Path
) -> None:
    url = postgres_url.replace("postgres:@", "postgres:s3cret-pw@")
    settings = Settings.from_env({"VEO_TOOLS_JOURNAL_URL": url}, state_dir=tmp_path)
    assert "s3cret-pw" not in repr(settings)
    async with open_journal(settings) as journal:
        assert isinstance(journal, PostgresJournal)
        assert "s3cret-pw" not in repr(journal)


async def test_without_a_url_and_on_the_sandbox_the_journal_is_the_local_sqlite_file(
    tmp_path: Path,
) -> None:
    url = "postgresql://u:p@db.invalid/veo"
    for settings in (
        Settings.from_env({}, state_dir=tmp_path),
        Settings.from_env({"VEO_TOOLS_JOURNAL_URL": url}, state_dir=tmp_path, sandbox=True),
    ):
        async with open_journal(settings) as journal:
            assert isinstance(journal, Journal)
