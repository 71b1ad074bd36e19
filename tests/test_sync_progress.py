"""The Calls tab's "Sync now" progress line: pages and records while it runs, a summary that stays."""

from bs4 import BeautifulSoup
from django.utils import timezone

from telephony.history.connector import sync_progress_html
from telephony.models_sync import CallLogSync
from tests.test_wizard import text


def line(html: str) -> str:
    return text(BeautifulSoup(html, "html.parser").select_one("#sync-progress"))


def test_it_shows_pages_and_records_fetched_and_written_while_running():
    running = CallLogSync(run_token="t", pages=3, records_seen=250, created=40, updated=5, unchanged=205)
    assert line(sync_progress_html(running, oob=True)) == (
        "Syncing with RingCentral… page 3 · 250 records fetched · 45 written"
    )
    assert 'hx-swap-oob="true"' in sync_progress_html(running, oob=True)


def test_it_ends_with_a_summary_and_says_why_it_failed():
    done = CallLogSync(
        pages=2, records_seen=120, created=7, updated=1, unchanged=112, last_result="ok",
        last_finished_at=timezone.now().replace(hour=9, minute=5, second=2),
    )  # fmt: skip
    summary = line(sync_progress_html(done))
    assert summary.startswith("Sync finished ")
    assert summary.endswith(
        ": 2 pages, 120 records fetched, 7 new, 1 updated, 112 unchanged. Reload the list"
    )
    failed = CallLogSync(last_result="error", last_error="RingCentral is not answering.")
    assert line(sync_progress_html(failed)) == "Sync failed: RingCentral is not answering."
    assert line(sync_progress_html(None, queued=True)) == "Sync queued: it starts in a moment…"
