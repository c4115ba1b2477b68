"""A web app with the standard library only: CF's python buildpack runs it from the Procfile."""
import http.server
import os


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = os.environ.get("GREETING", "hello CF summit").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"hello-python listening on port {port}", flush=True)
    http.server.ThreadingHTTPServer(("", port), Hello).serve_forever()
