// The small apps debugged on the local foundation (issue 20): each sample's
// server (examples/hello-*) with a handler answering what a test or benchmark
// checks (the request's path, CF_INSTANCE_INDEX and CF_INSTANCE_GUID), a line
// marked BREAK HERE for a breakpoint, and a request to /crash ending the app.
// Used by test/foundation/debug.test.ts (Node), debug-runtimes.test.ts (Java,
// Python, Go) and test/bench/debug.bench.ts. Each builder writes its app into
// `dir` (the caller's, which it removes) and returns the folder to push.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths';

/** A node server (package.json's start: node server.js); nodeApp() of test/foundation/helpers writes it. */
export const NODE_SERVER_JS = `
const http = require('http');
http.createServer((req, res) => {
  if (req.url === '/crash') process.exit(3);
  const seen = { url: req.url, index: process.env.CF_INSTANCE_INDEX, guid: process.env.CF_INSTANCE_GUID };
  res.end(JSON.stringify(seen)); // BREAK HERE
}).listen(process.env.PORT);
`;

/** The app's own sitecustomize (PYTHONPATH=. in its env): it runs beside cf-push's (loopback, debugpy) ones. */
export const APP_SITECUSTOMIZE_PY = `import os
os.environ["APP_SITECUSTOMIZE"] = "ran"
`;

/** The line of `src` marked BREAK HERE, 1-based (as jdb and DAP count). */
export function breakLine(src: string): number {
  return src.split('\n').findIndex((l) => l.includes('BREAK HERE')) + 1;
}

export const MAIN_JAVA = `package hello;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** examples/hello-java's server, answering the request's path and the instance. */
public final class Main {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().toString();
      if (path.equals("/crash")) System.exit(3);
      String body = "{\\"url\\":\\"" + path + "\\",\\"index\\":\\"" + System.getenv("CF_INSTANCE_INDEX")
          + "\\",\\"guid\\":\\"" + System.getenv("CF_INSTANCE_GUID") + "\\"}";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8); // BREAK HERE
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    System.out.println("hello-java listening on " + port);
  }
}
`;

export const SERVER_PY = `"""examples/hello-python's server, answering the request's path and the instance."""
import http.server
import json
import os


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path
        if path == "/crash":
            os._exit(3)
        seen = {"url": path, "index": os.environ.get("CF_INSTANCE_INDEX"), "guid": os.environ.get("CF_INSTANCE_GUID"), "site": os.environ.get("APP_SITECUSTOMIZE")}
        body = json.dumps(seen).encode()  # BREAK HERE
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"hello-python listening on port {port}", flush=True)
    http.server.ThreadingHTTPServer(("", port), Hello).serve_forever()
`;

export const MAIN_GO = `// hello-go's server, answering the request's path and the instance.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.String()
		if path == "/crash" {
			os.Exit(3)
		}
		seen := map[string]string{"url": path, "index": os.Getenv("CF_INSTANCE_INDEX"), "guid": os.Getenv("CF_INSTANCE_GUID")}
		body, _ := json.Marshal(seen) // BREAK HERE
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	log.Printf("hello-go listening on port %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
`;

/** hello-java as `cf push -p hello-java.jar` stages it: the exploded jar (classes with -g, for jdb's locals, and the manifest). */
export function javaApp(dir: string): string {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'hello'), { recursive: true });
  writeFileSync(join(src, 'hello', 'Main.java'), MAIN_JAVA);
  const app = join(dir, 'app');
  execFileSync('javac', ['--release', '17', '-g', '-d', app, join(src, 'hello', 'Main.java')], { stdio: 'pipe' });
  mkdirSync(join(app, 'META-INF'));
  writeFileSync(join(app, 'META-INF', 'MANIFEST.MF'), 'Manifest-Version: 1.0\nMain-Class: hello.Main\n');
  return app;
}

export function pythonApp(dir: string): string {
  cpSync(join(packageRoot(), 'examples', 'hello-python'), dir, { recursive: true });
  writeFileSync(join(dir, 'server.py'), SERVER_PY);
  writeFileSync(join(dir, 'sitecustomize.py'), APP_SITECUSTOMIZE_PY);
  return dir;
}

export function goApp(dir: string): string {
  cpSync(join(packageRoot(), 'examples', 'hello-go'), dir, { recursive: true });
  writeFileSync(join(dir, 'main.go'), MAIN_GO);
  return dir;
}
