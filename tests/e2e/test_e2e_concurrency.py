"""Races over HTTP: unique emails hold under concurrent creates; If-Match admits one writer per version."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from e2e_support import STATS, Api, assert_problem


def _session_per_thread(api: Api) -> Callable[..., requests.Response]:
    # requests.Session is not thread-safe; each worker signs and sends on its own.
    def send(method: str, path: str, **kwargs: Any) -> requests.Response:
        response = requests.request(method, api.url(path), auth=api.auth, timeout=60, **kwargs)
        STATS.count(method, path, response.status_code)
        return response

    return send


def test_twenty_concurrent_creates_of_one_email_give_exactly_one_201(api: Api, unique: str) -> None:
    send = _session_per_thread(api)
    body = {"name": "Racer", "email": f"race-{unique}@example.com"}

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: send("POST", "/users", json=body), range(20)))

    statuses = sorted(r.status_code for r in responses)
    winners = [r for r in responses if r.status_code == 201]
    assert len(winners) == 1, statuses
    api.created.append(winners[0].headers["Location"])
    for loser in (r for r in responses if r.status_code != 201):
        assert_problem(loser, 409)


def test_fifty_concurrent_if_match_updates_have_one_winner(api: Api, unique: str) -> None:
    send = _session_per_thread(api)
    item = api.post("/products", json={"name": "v1", "price": 1, "category": f"race-{unique}"}).json()
    path = f"/products/{item['id']}"

    def update(n: int) -> requests.Response:
        body = {"name": f"writer-{n}", "price": n, "category": f"race-{unique}"}
        return send("PUT", path, json=body, headers={"If-Match": '"1"'})

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(update, range(50)))

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, sorted(r.status_code for r in responses)
    for loser in (r for r in responses if r.status_code != 200):
        assert_problem(loser, 412)
    final = api.get(path).json()
    assert final == winners[0].json()
    assert final["version"] == 2


def test_retrying_writers_lose_no_update(api: Api, unique: str) -> None:
    """Read-modify-write with If-Match and retry: every append survives, each version has one writer."""
    send = _session_per_thread(api)
    item = api.post("/products", json={"name": "log", "price": 1, "description": "start"}).json()
    path = f"/products/{item['id']}"
    writers, rounds = 10, 3

    def writer(n: int) -> list[int]:
        versions = []
        for r in range(rounds):
            while True:
                current = send("GET", path)
                assert current.status_code == 200, current.text
                body = current.json()
                description = f"{body['description']} w{n}r{r}"
                attempt = send(
                    "PUT",
                    path,
                    json={"name": "log", "price": 1, "description": description},
                    headers={"If-Match": current.headers["ETag"]},
                )
                if attempt.status_code == 200:
                    versions.append(attempt.json()["version"])
                    break
                assert_problem(attempt, 412)
        return versions

    with ThreadPoolExecutor(max_workers=writers) as pool:
        won = [version for versions in pool.map(writer, range(writers)) for version in versions]

    final = api.get(path).json()
    assert sorted(won) == list(range(2, 2 + writers * rounds)), "two writers won the same version"
    assert final["version"] == 1 + writers * rounds
    tokens = final["description"].split()[1:]
    assert sorted(tokens) == sorted(f"w{n}r{r}" for n in range(writers) for r in range(rounds)), "lost update"
