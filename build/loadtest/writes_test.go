package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestBrowserWritesAreTheUIs: the calls the load generator marks as writes
// are exactly the ones among its calls that the UI sends with a request id,
// so the load pays what the clinic's browsers make the host do.
func TestBrowserWritesAreTheUIs(t *testing.T) {
	api, err := os.ReadFile("../../frontend/src/lib/api.ts")
	if err != nil {
		t.Fatal(err)
	}
	uiWrites := map[string]bool{}
	for _, m := range regexp.MustCompile(`write<[^>]*>\('(\w+)', '(\w+)'`).FindAllStringSubmatch(string(api), -1) {
		uiWrites[m[1]+"."+m[2]] = true
	}
	if len(uiWrites) < 20 {
		t.Fatalf("found %d writes in api.ts: has the way it marks writes changed?", len(uiWrites))
	}
	sources, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, f := range sources {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`call\(ctx, [^,]+, "(\w+)", "(\w+)"`).FindAllStringSubmatch(string(src), -1) {
			made[m[1]+"."+m[2]] = true
		}
	}
	if len(made) < 20 {
		t.Fatalf("found %d calls in the load generator: has the way it calls changed?", len(made))
	}
	for name := range made {
		if uiWrites[name] != browserWrites[name] {
			t.Errorf("%s: the UI sends it as a write: %v; the load generator: %v", name, uiWrites[name], browserWrites[name])
		}
	}
	for name := range browserWrites {
		if !made[name] {
			t.Errorf("%s is marked as a write but the load generator never calls it", name)
		}
	}
}
