"""The search service. Its contract is in proto/coins/v1/search_service.proto; its logic comes with its own issue."""
