"""The shared cache: Django's database cache with an atomic increment (ADR 071).

django-ratelimit counts with `cache.add` then `cache.incr`; Django's DatabaseCache
increments by reading and writing again, so two processes can lose a count. Here the
row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions
already serialise writers), then the value is rewritten keeping its expiry. No new
server to run: the database every process already shares is the counter.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=db):
            validated = self.make_and_validate_key(key, version=version)
            lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT cache_key FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608
                    [validated],
                )
                locked = cursor.fetchone() is not None
            value = self.get(key, version=version) if locked else None
            if value is None:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET value = %s WHERE cache_key = %s",  # noqa: S608
                    [encoded, validated],
                )
        return value
