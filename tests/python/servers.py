"""Servers the network tests start and stop themselves, on 127.0.0.1 and a free port: nginx serving a
folder (range requests included), and a proxy in front of a server that delays or breaks replies."""
import contextlib
import http.client
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {proc.stderr.read().decode()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def nginx_binary():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.which("/usr/sbin/nginx") else None)


@contextlib.contextmanager
def nginx(root, tmp):
    """nginx serving `root` at http://127.0.0.1:PORT/, every file of it inside `tmp`; yields the URL."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (scripts/deps.sh installs nginx-light)")
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    for d in ("logs", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ application/x-tar tar; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ }}
  }}
}}
""")
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf), "-e", "stderr"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class FaultProxy:
    """Forwards GET and HEAD to `upstream` (http://127.0.0.1:PORT), after `delay` seconds; `fail(n,
    status)` answers the next n requests with `status` instead, `drop(n)` closes the next n connections
    after half the reply. Counts the requests it saw."""

    def __init__(self, upstream, delay=0.0):
        self.upstream = upstream.removeprefix("http://")
        self.delay = delay
        self.lock = threading.Lock()
        self.failures = []  # statuses to answer with, in order; "drop" for a dropped connection
        self.requests = []  # (method, path, Range header or None) of every request seen
        self.broken = {}  # path -> status answered to every request for it
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self, head):
                with proxy.lock:
                    proxy.requests.append(("HEAD" if head else "GET", self.path, self.headers.get("Range")))
                    fault = proxy.failures.pop(0) if proxy.failures else None
                    fault = proxy.broken.get(self.path, fault)
                if proxy.delay:
                    time.sleep(proxy.delay)
                if isinstance(fault, int):
                    body = b"injected fault"
                    self.send_response(fault)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("range", "if-range")}
                conn.request("HEAD" if head else "GET", self.path, headers=headers)
                r = conn.getresponse()
                data = r.read()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() in ("content-length", "content-range", "etag", "last-modified", "accept-ranges",
                                     "content-type"):
                        self.send_header(k, v)
                self.end_headers()
                if head:
                    return
                if fault == "drop":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def do_GET(self):
                self.forward(False)

            def do_HEAD(self):
                self.forward(True)

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail(self, n, status):
        with self.lock:
            self.failures += [status] * n

    def break_path(self, path, status):
        with self.lock:
            self.broken[path] = status

    def drop(self, n):
        with self.lock:
            self.failures += ["drop"] * n

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
