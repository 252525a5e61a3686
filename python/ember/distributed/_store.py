"""Key-value stores with torch.distributed's names (TCPStore, FileStore, HashStore, PrefixStore).

A store only carries the few bytes that processes must agree on before they can talk through
MPI (which rank listens, on which MPI port, who has arrived). Values are bytes; `get` and
`wait` block until the keys exist or the store's timeout passes. Nothing read from the wire
is unpickled: requests are a command byte and length-prefixed byte strings.
"""
import datetime
import fcntl
import os
import socket
import struct
import threading
import time

from ._errors import DistStoreError

_DEFAULT_TIMEOUT = datetime.timedelta(seconds=300)


def _seconds(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _as_bytes(value):
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (list, tuple)):  # torch accepts a list of ints (bytes) too
        return bytes(value)
    raise TypeError(f"Store: a value must be str or bytes, got {type(value).__name__}")


class Store:
    """The interface every store has; subclasses define _set/_get/_add/_check/_delete/_keys."""

    def __init__(self, timeout=_DEFAULT_TIMEOUT):
        self._timeout = _seconds(timeout)

    @property
    def timeout(self):
        return datetime.timedelta(seconds=self._timeout)

    def set_timeout(self, timeout):
        self._timeout = _seconds(timeout)

    def set(self, key, value):
        self._set(key, _as_bytes(value))

    def get(self, key):
        self.wait([key])
        return self._get(key)

    def add(self, key, amount):
        return self._add(key, int(amount))

    def append(self, key, value):
        self._append(key, _as_bytes(value))

    def compare_set(self, key, expected_value, desired_value):
        return self._compare_set(key, _as_bytes(expected_value), _as_bytes(desired_value))

    def multi_get(self, keys):
        return [self.get(k) for k in keys]

    def multi_set(self, keys, values):
        for k, v in zip(keys, values):
            self.set(k, v)

    def check(self, keys):
        return all(self._check(k) for k in keys)

    def delete_key(self, key):
        return self._delete(key)

    def num_keys(self):
        return self._num_keys()

    def wait(self, keys, timeout=None):
        limit = self._timeout if timeout is None else _seconds(timeout)
        deadline = time.monotonic() + limit
        pause = 0.0005
        while not self.check(keys):
            if time.monotonic() > deadline:
                missing = [k for k in keys if not self._check(k)]
                raise DistStoreError(f"Store.wait: timed out after {limit:g}s waiting for keys {missing}")
            time.sleep(pause)
            pause = min(pause * 2, 0.02)


class HashStore(Store):
    """A store in this process's memory (threads of one process share it)."""

    def __init__(self):
        super().__init__()
        self._data = {}
        self._lock = threading.Lock()

    def _set(self, key, value):
        with self._lock:
            self._data[key] = value

    def _get(self, key):
        with self._lock:
            return self._data[key]

    def _add(self, key, amount):
        with self._lock:
            value = int(self._data.get(key, b"0")) + amount
            self._data[key] = str(value).encode()
            return value

    def _append(self, key, value):
        with self._lock:
            self._data[key] = self._data.get(key, b"") + value

    def _compare_set(self, key, expected, desired):
        with self._lock:
            current = self._data.get(key)
            if current is None:
                if expected == b"":
                    self._data[key] = desired
                    return desired
                return expected
            if current == expected:
                self._data[key] = desired
                return desired
            return current

    def _check(self, key):
        with self._lock:
            return key in self._data

    def _delete(self, key):
        with self._lock:
            return self._data.pop(key, None) is not None

    def _num_keys(self):
        with self._lock:
            return len(self._data)


class PrefixStore(Store):
    """Every key of `store` under `prefix + "/"`: one store shared by several users."""

    def __init__(self, prefix, store):
        super().__init__(store.timeout)
        self._prefix, self._store = prefix, store

    @property
    def underlying_store(self):
        return self._store

    def _key(self, key):
        return f"{self._prefix}/{key}"

    def set(self, key, value):
        self._store.set(self._key(key), value)

    def get(self, key):
        return self._store.get(self._key(key))

    def add(self, key, amount):
        return self._store.add(self._key(key), amount)

    def append(self, key, value):
        self._store.append(self._key(key), value)

    def compare_set(self, key, expected_value, desired_value):
        return self._store.compare_set(self._key(key), expected_value, desired_value)

    def check(self, keys):
        return self._store.check([self._key(k) for k in keys])

    def delete_key(self, key):
        return self._store.delete_key(self._key(key))

    def num_keys(self):
        return self._store.num_keys()

    def wait(self, keys, timeout=None):
        self._store.wait([self._key(k) for k in keys], timeout)


class FileStore(Store):
    """A store in one file that every process can open (init_method="file:///path").

    The file is a log of records; a lock (fcntl) serialises writers and the last record of a
    key is its value. Deleting appends a tombstone."""

    _SET, _DELETE = 0, 1

    def __init__(self, file_name, world_size=-1):
        super().__init__()
        self.path = file_name
        self.world_size = world_size
        open(self.path, "ab").close()

    def _records(self, f):
        f.seek(0)
        data = f.read()
        values, at = {}, 0
        while at + 9 <= len(data):
            kind, klen, vlen = struct.unpack_from("<BII", data, at)
            at += 9
            key = data[at:at + klen].decode()
            at += klen
            value = data[at:at + vlen]
            at += vlen
            if kind == self._SET:
                values[key] = value
            else:
                values.pop(key, None)
        return values

    def _locked(self, write):
        f = open(self.path, "r+b")
        fcntl.flock(f, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        return f

    def _write(self, f, kind, key, value=b""):
        k = key.encode()
        f.seek(0, os.SEEK_END)
        f.write(struct.pack("<BII", kind, len(k), len(value)) + k + value)
        f.flush()

    def _read_all(self):
        with self._locked(False) as f:
            return self._records(f)

    def _set(self, key, value):
        with self._locked(True) as f:
            self._write(f, self._SET, key, value)

    def _get(self, key):
        return self._read_all()[key]

    def _add(self, key, amount):
        with self._locked(True) as f:
            value = int(self._records(f).get(key, b"0")) + amount
            self._write(f, self._SET, key, str(value).encode())
            return value

    def _append(self, key, value):
        with self._locked(True) as f:
            self._write(f, self._SET, key, self._records(f).get(key, b"") + value)

    def _compare_set(self, key, expected, desired):
        with self._locked(True) as f:
            current = self._records(f).get(key)
            if (current is None and expected == b"") or current == expected:
                self._write(f, self._SET, key, desired)
                return desired
            return expected if current is None else current

    def _check(self, key):
        return key in self._read_all()

    def _delete(self, key):
        with self._locked(True) as f:
            present = key in self._records(f)
            if present:
                self._write(f, self._DELETE, key)
            return present

    def _num_keys(self):
        return len(self._read_all())


# ---- TCPStore: a server thread in the master process, a socket per client ---------------------

_SET, _GET, _ADD, _APPEND, _CSET, _CHECK, _DELETE, _NKEYS = range(8)


def _send_parts(sock, *parts):
    sock.sendall(b"".join(struct.pack("<I", len(p)) + p for p in parts))


def _recv_exact(sock, n):
    chunks, left = [], n
    while left:
        chunk = sock.recv(left)
        if not chunk:
            raise ConnectionError("TCPStore: the connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv_part(sock):
    (n,) = struct.unpack("<I", _recv_exact(sock, 4))
    return _recv_exact(sock, n)


class _StoreServer:
    """Serves a HashStore's operations to TCPStore clients, one thread per connection."""

    def __init__(self, host, port):
        self.data = HashStore()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, name="ember-store", daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        d = self.data
        with conn:
            try:
                while True:
                    op = _recv_exact(conn, 1)[0]
                    key = _recv_part(conn).decode()
                    if op == _SET:
                        d._set(key, _recv_part(conn))
                        _send_parts(conn, b"")
                    elif op == _GET:
                        _send_parts(conn, d._get(key) if d._check(key) else b"", b"1" if d._check(key) else b"0")
                    elif op == _ADD:
                        _send_parts(conn, str(d._add(key, int(_recv_part(conn)))).encode())
                    elif op == _APPEND:
                        d._append(key, _recv_part(conn))
                        _send_parts(conn, b"")
                    elif op == _CSET:
                        expected = _recv_part(conn)
                        _send_parts(conn, d._compare_set(key, expected, _recv_part(conn)))
                    elif op == _CHECK:
                        _send_parts(conn, b"1" if d._check(key) else b"0")
                    elif op == _DELETE:
                        _send_parts(conn, b"1" if d._delete(key) else b"0")
                    elif op == _NKEYS:
                        _send_parts(conn, str(d._num_keys()).encode())
                    else:
                        return
            except (ConnectionError, OSError, ValueError):
                return

    def close(self):
        self.closed = True
        try:
            self.listener.close()
        except OSError:
            pass


class TCPStore(Store):
    """torch.distributed.TCPStore: the master (`is_master=True`) serves the store on
    `host_name:port` (port 0 picks a free one: read `.port`); every process, the master
    included, is a client of it."""

    def __init__(self, host_name, port, world_size=None, is_master=False, timeout=_DEFAULT_TIMEOUT,
                 wait_for_workers=True, multi_tenant=False, master_listen_fd=None, use_libuv=True):
        super().__init__(timeout)
        self.host, self.world_size = host_name, world_size
        self._server = _StoreServer("" if host_name in ("", "0.0.0.0") else host_name, port) if is_master else None
        self.port = self._server.port if is_master else port
        self._lock = threading.Lock()
        self._sock = self._connect()
        if is_master and wait_for_workers and world_size:
            self.add("ember/store_workers", 1)
            self.wait_for_workers_count(world_size)
        elif wait_for_workers and world_size:
            self.add("ember/store_workers", 1)

    def wait_for_workers_count(self, count):
        deadline = time.monotonic() + self._timeout
        while int(self._call(_ADD, "ember/store_workers", b"0")) < count:
            if time.monotonic() > deadline:
                raise DistStoreError(f"TCPStore: timed out after {self._timeout:g}s waiting for {count} "
                                     "workers to connect")
            time.sleep(0.005)

    def _connect(self):
        deadline = time.monotonic() + self._timeout
        pause = 0.005
        while True:
            try:
                sock = socket.create_connection((self.host or "127.0.0.1", self.port), timeout=self._timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as e:
                if time.monotonic() > deadline:
                    raise DistStoreError(f"TCPStore: could not connect to {self.host}:{self.port} within "
                                         f"{self._timeout:g}s ({e})") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.2)

    def _call(self, op, key, *parts, answers=1):
        with self._lock:
            try:
                self._sock.sendall(bytes([op]))
                _send_parts(self._sock, key.encode(), *parts)
                return [_recv_part(self._sock) for _ in range(answers)] if answers > 1 else _recv_part(self._sock)
            except OSError as e:
                raise DistStoreError(f"TCPStore: lost the connection to {self.host}:{self.port} ({e})") from None

    def _set(self, key, value):
        self._call(_SET, key, value)

    def _get(self, key):
        value, present = self._call(_GET, key, answers=2)
        if present != b"1":
            raise KeyError(key)
        return value

    def _add(self, key, amount):
        return int(self._call(_ADD, key, str(amount).encode()))

    def _append(self, key, value):
        self._call(_APPEND, key, value)

    def _compare_set(self, key, expected, desired):
        return self._call(_CSET, key, expected, desired)

    def _check(self, key):
        return self._call(_CHECK, key) == b"1"

    def _delete(self, key):
        return self._call(_DELETE, key) == b"1"

    def _num_keys(self):
        return int(self._call(_NKEYS, ""))

    def close(self):
        try:
            self._sock.close()
        except OSError:
            pass
        if self._server is not None:
            self._server.close()
