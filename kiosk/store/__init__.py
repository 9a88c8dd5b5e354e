from kiosk.store.db import make_engine, migrate, open_store, transaction

__all__ = ["make_engine", "migrate", "open_store", "transaction"]
