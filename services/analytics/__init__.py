"""The analytics service. Its contract is in proto/coins/v1/analytics_service.proto; its logic comes with its own
issue."""
