import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangke.settings")
application = get_wsgi_application()

# A WSGI server faces users: without DEBUG it refuses to start on development fallbacks.
from dangke.core.production import require_production_settings  # noqa: E402

require_production_settings()
