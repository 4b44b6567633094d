"""The search service: full-text search over ideas, on PostgreSQL (default) or OpenSearch, fed by the events of
campaign, idea, coin and auth. Contract: proto/coins/v1/search_service.proto."""
