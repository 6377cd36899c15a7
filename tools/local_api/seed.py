"""Sample users and products for `make local SEED=1`, created through the API itself (signed requests)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import requests
from botocore.credentials import Credentials

from tools.local_api.sigv4_signer import ExecuteApiAuth

USERS: list[dict[str, Any]] = [
    {"name": "Ada Lovelace", "email": "ada@example.com"},
    {"name": "Grace Hopper", "email": "grace@example.com"},
    {"name": "Alan Turing", "email": "alan@example.com"},
]
PRODUCTS: list[dict[str, Any]] = [
    {
        "name": "Mechanical keyboard",
        "price": 129.99,
        "category": "peripherals",
        "description": "Tactile switches",
    },
    {"name": "Trackball", "price": 79.5, "category": "peripherals"},
    {"name": "27-inch monitor", "price": 349.0, "category": "displays"},
    {
        "name": "Portable monitor",
        "price": 199.99,
        "category": "displays",
        "description": "USB-C, 15.6 inches",
    },
    {"name": "Gift card", "price": 25},
]


def seed(base_url: str, credentials: Credentials, region: str, post_paths: Collection[str]) -> str:
    auth = ExecuteApiAuth(credentials, region)
    created = {"users": 0, "products": 0}
    with requests.Session() as session:
        for collection, items in (("users", USERS), ("products", PRODUCTS)):
            if f"/{collection}" not in post_paths:
                continue
            for item in items:
                response = session.post(f"{base_url}/{collection}", json=item, auth=auth, timeout=30)
                if response.status_code == 201:
                    created[collection] += 1
                elif (
                    response.status_code != 409
                ):  # 409: already there from an earlier run (external DynamoDB)
                    response.raise_for_status()
    return f"seeded {created['users']} users and {created['products']} products"
