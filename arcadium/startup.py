"""What a long-running server process (daphne, the ingest process) does once it has loaded."""

import gc


def freeze_loaded_objects() -> None:
    """Take everything loaded at start-up (Django, the apps, their modules) out of the garbage
    collector's full passes. Those objects live as long as the process, and scanning them all made
    a pause of 60-120 ms every few seconds under load: the slowest popups of the screen-pop
    benchmark. Objects made afterwards are collected as usual."""
    gc.collect()
    gc.freeze()
