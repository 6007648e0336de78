"""The HTTP face of kg: the FastAPI app (``api.app.create_app``) and, later, the strawberry GraphQL schema."""
