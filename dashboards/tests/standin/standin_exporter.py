#!/usr/bin/env python3
"""Stand-in for the trainer's or monitor's /metrics while the real ones are built: serves a fixed
Prometheus text file on 127.0.0.1. Usage: standin_exporter.py METRICS_FILE PORT_FILE
(binds a free port and writes it to PORT_FILE so the caller needs no port guessing)."""
import http.server
import sys
from pathlib import Path

body = Path(sys.argv[1]).read_bytes()


class Metrics(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Metrics)
Path(sys.argv[2]).write_text(str(server.server_address[1]))
server.serve_forever()
