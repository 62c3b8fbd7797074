"""A stand-in for ``GET /api/search`` while the ``lemming`` under test does not serve it yet.

``SearchStandIn(server)`` listens on 127.0.0.1 (port 0) in front of a running ``Server``: it answers
``GET /api/search`` itself, in the shape the issue fixes (COMMON.md), from an in-memory SQLite FTS5
index of the org's files built for each request (outbox entries with the archive, memory records,
turn records); everything else, the event WebSocket included, it passes to the server unchanged but
for ``Host`` and ``Origin``, which name the server (it refuses other hosts, as DESIGN §8 asks).

Only for the browser tests of the search box, and only until the real endpoint is on main: a test
module uses it when the server answers 404 to ``/api/search``.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import urllib.parse
from pathlib import Path

START, END = "\x02", "\x03"


def _documents(org: Path):
    """Every searchable record of the org as (fields, text)."""
    for folder, archived in [(p, False) for p in sorted(org.glob("agents/*/outbox"))] + \
            [(p, True) for p in sorted(org.glob("archive/outbox/*"))]:
        for path in sorted(folder.glob("*.json")):
            entry = json.loads(path.read_text())
            payload = entry.get("payload")
            text = payload["text"] if isinstance(payload, dict) and isinstance(payload.get("text"), str) \
                else json.dumps(payload)
            yield {"source": "entry", "id": entry["id"], "agent": entry["agent"], "tick": entry["tick"],
                   "kind": entry.get("kind"), "recipients": entry.get("recipients"), "thread": entry.get("thread"),
                   "reply_to": entry.get("reply_to"), "priority": entry.get("priority") or "normal",
                   "tags": entry.get("tags") or [], "archived": archived, "time": entry.get("created_at")}, text
    for path in sorted(org.glob("agents/*/memory/*.json")):
        record = json.loads(path.read_text())
        value = record.get("value")
        text = record["key"] + " " + (value if isinstance(value, str) else json.dumps(value))
        yield {"source": "memory", "agent": path.parent.parent.name, "key": record["key"],
               "tick": record.get("updated_tick"), "time": record.get("updated_at")}, text
    for path in sorted(org.glob("agents/*/logs/turns.jsonl")):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            turn = json.loads(line)
            parsed = turn.get("parsed") or {}
            parts = [parsed.get("notes") or "", turn.get("stop_reason") or "", turn.get("error") or ""]
            parts += [json.dumps(v) for v in turn.get("violations") or []]
            parts += [json.dumps(call) for call in parsed.get("tool_calls") or []]
            parts += [json.dumps(result) for result in turn.get("tool_results") or []]
            yield {"source": "turn", "agent": turn["agent"], "tick": turn["tick"], "kind": turn.get("stop_reason"),
                   "time": turn.get("started_at")}, " ".join(p for p in parts if p)


def _split(snippet: str) -> list[str]:
    parts = [""]
    for char in snippet:
        if char in (START, END):
            parts.append("")
        else:
            parts[-1] += char
    return parts


class BadQuery(Exception):
    pass


def search(org: Path, params: dict[str, str]) -> dict:
    """The answer of ``GET /api/search`` for ``params`` (raises BadQuery for a 400)."""
    q = params.get("q", "").strip()
    if not q:
        raise BadQuery("q is required")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(text, tokenize='unicode61')")
    records = []
    for fields, text in _documents(org):
        records.append(fields)
        db.execute("INSERT INTO fts(rowid, text) VALUES (?, ?)", (len(records), text))
    scopes = {"entries": "entry", "memory": "memory", "turns": "turn"}
    wanted = {scopes[s] for s in params.get("in", "entries,memory,turns").split(",") if s in scopes}
    lists = {key: set(filter(None, params.get(key, "").split(","))) for key in ("agent", "kind", "tag", "priority")}
    low, high = params.get("from_tick"), params.get("to_tick")

    def keep(r: dict) -> bool:
        if r["source"] not in wanted or (lists["agent"] and r["agent"] not in lists["agent"]):
            return False
        if lists["kind"] and r.get("kind") not in lists["kind"]:
            return False
        if low and (r["tick"] or 0) < int(low) or high and (r["tick"] or 0) > int(high):
            return False
        entry_only = lists["priority"] or lists["tag"] or params.get("recipient") or params.get("thread")
        if entry_only and r["source"] != "entry":
            return False
        if lists["priority"] and r["priority"] not in lists["priority"]:
            return False
        if lists["tag"] and not lists["tag"] & set(r["tags"]):
            return False
        if params.get("recipient") and params["recipient"] not in (r["recipients"] or []):
            return False
        return not (params.get("thread") and r["thread"] != params["thread"])

    try:
        rows = db.execute(f"SELECT rowid, bm25(fts), snippet(fts, 0, '{START}', '{END}', '…', 16) FROM fts "
                          "WHERE fts MATCH ?", (q,)).fetchall()
    except sqlite3.OperationalError as error:
        raise BadQuery(str(error).replace("fts5: ", "")) from None
    hits = []
    for rowid, rank, snippet in rows:
        record = records[rowid - 1]
        if keep(record):
            hits.append({**record, "snippet": _split(snippet), "score": round(-rank, 3)})
    if params.get("order") == "time":
        hits.sort(key=lambda r: (r["tick"] or 0, r.get("id") or ""), reverse=True)
    else:
        hits.sort(key=lambda r: (-r["score"], -(r["tick"] or 0)))
    limit = max(1, min(int(params.get("limit", "50")), 200))
    offset = int(params.get("cursor", "0") or 0)
    page = hits[offset:offset + limit]
    following = offset + limit if offset + limit < len(hits) else None
    tick = json.loads((org / "state/tick.json").read_text()).get("last_committed_tick", 0)
    # As the real one: the count comes with the first page only.
    total = None if params.get("cursor") else len(hits)
    return {"query": q, "order": params.get("order", "relevance"), "total": total, "results": page,
            "next_cursor": str(following) if following is not None else None,
            "index": {"tick": tick, "behind": False}}


class SearchStandIn:
    """A proxy in front of ``server`` that answers ``/api/search`` itself."""

    def __init__(self, server):
        self.server = server
        parsed = urllib.parse.urlsplit(server.url)
        self.upstream = (parsed.hostname, parsed.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, rest = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            if method == "GET" and target.startswith("/api/search"):
                self.requests.append(target)
                self._answer(client, target)
                return
            host = f"{self.upstream[0]}:{self.upstream[1]}"
            upgrade = any(re.match(r"(?i)upgrade:", line) for line in lines[1:])
            headers = []
            for line in lines[1:]:
                name = line.split(":", 1)[0].strip().lower()
                if name == "host":
                    line = f"Host: {host}"
                elif name == "origin":
                    line = f"Origin: http://{host}"
                elif name == "connection" and not upgrade:
                    continue
                headers.append(line)
            if not upgrade:
                headers.append("Connection: close")
            upstream = socket.create_connection(self.upstream)
            with upstream:
                upstream.sendall(("\r\n".join([lines[0], *headers]) + "\r\n\r\n").encode("latin-1") + rest)
                threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
                self._pipe(upstream, client)

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def _answer(self, client: socket.socket, target: str) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
        try:
            status, body = 200, search(self.server.org.root, query)
        except BadQuery as error:
            status, body = 400, {"error": {"status": 400, "code": "bad_query", "message": str(error),
                                           "field": "q", "details": []}}
        data = json.dumps(body).encode()
        reason = "OK" if status == 200 else "Bad Request"
        client.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
                       f"Content-Length: {len(data)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
                       .encode() + data)
