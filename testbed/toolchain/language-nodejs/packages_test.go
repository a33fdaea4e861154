package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// exitError returns the *exec.ExitError of a process exiting with code.
func exitError(t *testing.T, code int) error {
	t.Helper()
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	if err == nil {
		t.Fatal("expected an exit error")
	}
	return err
}

func TestScanPackages(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")
	writeFile(t, filepath.Join(root, "package.json"), `{"name":"prog","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "@pulumi", "random", "package.json"),
		`{"name":"@pulumi/random","version":"4.21.2","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"),
		`{"name":"@pulumi/pulumi","version":"3.248.0"}`)
	writeFile(t, filepath.Join(nm, "@acme", "thing", "package.json"),
		`{"name":"@acme/thing","version":"1.0.0","pulumi":{"resource":true,"name":"acme","version":"v2.0.0",`+
			`"server":"https://example.com","parameterization":{"name":"sub","version":"0.1.0","value":"aGk="}}}`)
	writeFile(t, filepath.Join(nm, "@acme", "broken", "package.json"),
		`{"name":"@acme/broken","version":"1.0.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "plain", "package.json"), `{"name":"plain","version":"1.0.0"}`)
	// A nested copy under another package's node_modules must be found too.
	writeFile(t, filepath.Join(nm, "plain", "node_modules", "@pulumi", "docker", "package.json"),
		`{"name":"@pulumi/docker","version":"5.2.0","pulumi":{"resource":true}}`)
	// A policy pack inside the program: its dependencies are not the program's.
	writeFile(t, filepath.Join(root, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n")
	writeFile(t, filepath.Join(root, "policy", "node_modules", "@pulumi", "aws", "package.json"),
		`{"name":"@pulumi/aws","version":"6.0.0","pulumi":{"resource":true}}`)
	// A symlink cycle must not hang the scan.
	if err := os.Symlink(nm, filepath.Join(nm, "plain", "loop")); err != nil {
		t.Fatal(err)
	}

	s := scanPackages(root)
	var got []string
	for _, p := range s.packages {
		got = append(got, p.Name+"@"+p.Version+" "+p.Kind+" "+p.Server)
	}
	sort.Strings(got)
	want := []string{
		"acme@v2.0.0 resource https://example.com",
		"docker@v5.2.0 resource ",
		"random@v4.21.2 resource ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("packages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range s.packages {
		if p.Name == "acme" && (p.Parameterization == nil || string(p.Parameterization.Value) != "hi") {
			t.Errorf("acme parameterization = %v", p.Parameterization)
		}
	}
	if len(s.errs) != 1 || !strings.Contains(s.errs[0].Error(), "@acme/broken") {
		t.Errorf("errors = %v, want one about @acme/broken", s.errs)
	}
	if msg := s.sdkVersionConflict(); msg != "" {
		t.Errorf("unexpected conflict: %s", msg)
	}

	writeFile(t, filepath.Join(nm, "old", "node_modules", "@pulumi", "pulumi", "package.json"),
		`{"name":"@pulumi/pulumi","version":"2.25.0"}`)
	if msg := scanPackages(root).sdkVersionConflict(); !strings.Contains(msg, "2.25.0") {
		t.Errorf("conflict not reported: %q", msg)
	}
}

func TestScanPackagesMissingDir(t *testing.T) {
	s := scanPackages(filepath.Join(t.TempDir(), "nope"))
	if len(s.packages) != 0 || len(s.errs) != 1 {
		t.Fatalf("got %v / %v", s.packages, s.errs)
	}
}
