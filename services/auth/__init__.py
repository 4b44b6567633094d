"""The auth service: accounts, sign-in with rotating refresh tokens, system roles."""
