package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// resolveScript finds a module such as "@pulumi/pulumi/cmd/run" the way the
// program itself would load it: with node's own resolution from dir, so
// hoisted, workspace and parent-directory node_modules all work. The module
// name travels as an argument, never spliced into the script.
func resolveScript(ctx context.Context, nodeBin, dir, module, hint string) (string, error) {
	const script = `try { console.log(require.resolve(process.argv[1])) } ` +
		`catch (e) { console.error(e.code === "MODULE_NOT_FOUND" ? "MODULE_NOT_FOUND" : e.message); process.exit(1) }`
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script, module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			msg := strings.TrimSpace(string(exitErr.Stderr))
			if msg == "MODULE_NOT_FOUND" {
				return "", fmt.Errorf("could not find %s from %s; it looks like the Pulumi SDK is not installed, have you run %s?",
					module, dir, hint)
			}
			return "", fmt.Errorf("could not resolve %s from %s: %s", module, dir, msg)
		}
		return "", fmt.Errorf("could not run node to resolve %s: %w", module, err)
	}
	return strings.TrimSpace(string(out)), nil
}
