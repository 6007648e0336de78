"""The strawberry GraphQL schema: types separate from the engine's pydantic models, explicit converters."""
