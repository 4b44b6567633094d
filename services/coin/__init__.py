"""The coin service. Its contract is in proto/coins/v1/coin_service.proto; its logic comes with its own issue."""
