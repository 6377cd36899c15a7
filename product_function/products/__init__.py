"""The products service: CRUD over the products table, behind API Gateway."""
