// hello-go answers every request with "hello CF summit" on $PORT.
package main

import (
	"fmt"
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
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "hello CF summit")
	})
	log.Printf("hello-go listening on port %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
