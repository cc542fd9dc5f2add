"""The demo's URLs plus `/bench/insert/`: a view with the same CSRF check as the survey
page, open without a login like it, that inserts one row and answers with a short page —
the least a Django view that stores a form can do. (Without `login_not_required` the
login middleware sent every phone to the login page and nothing was inserted: the bench
counted 0 rows stored for 500 acknowledged.)"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path
from django.views.decorators.csrf import csrf_protect


@login_not_required
@csrf_protect
def bare_insert(request):
    if request.method == "POST":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_row (body) VALUES (%s)", [request.POST.urlencode()])
        return HttpResponse("<p>ok</p>")
    token = get_token(request)
    return HttpResponse(
        f'<form method="post"><input name="csrfmiddlewaretoken" value="{token}"></form>'
    )


urlpatterns = [
    path("bench/insert/", bare_insert),
    path("", include("dangke.urls")),
]
