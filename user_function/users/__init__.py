"""The users service: CRUD over the users table, behind API Gateway."""
