from ninja import NinjaAPI

api = NinjaAPI(title="党课 Dangke API", version="1", urls_namespace="api")
