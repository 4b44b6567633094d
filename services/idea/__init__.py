"""The idea service. Its contract is in proto/coins/v1/idea_service.proto; its logic comes with its own issue."""
