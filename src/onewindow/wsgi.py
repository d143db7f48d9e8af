import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    # Loading the segmentation dictionary and building the search index takes a few seconds;
    # do it now rather than in the first citizen's search.
    try:
        from onewindow.catalog import search

        search.get_index()
    except Exception:  # the database may not be migrated yet
        pass
    finally:
        from django.db import connection

        connection.close()


threading.Thread(target=_warm_up, name="search-warm-up", daemon=True).start()
