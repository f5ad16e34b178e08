"""Settings for benchmark processes: the production profile of the test settings, the bench URLconf.

The test settings are the production profile (DEBUG off, whitenoise, axes, the real middleware)
with an eager Celery and plain static storage, which is what the measured pages should run on.
Added here: the bench URLconf (the project's URLs plus a trivial view and throwaway admin sites)
and persistent database connections, as a deployment sets them with DB_CONN_MAX_AGE.
"""

import os

os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DB_CONN_MAX_AGE", "600")

from dukcapil.settings_test import *  # noqa: E402,F403
from dukcapil.settings_test import DATABASES  # noqa: E402

ROOT_URLCONF = os.environ.get("BENCH_ROOT_URLCONF", "bench.urls_bench")
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["DB_CONN_MAX_AGE"])
