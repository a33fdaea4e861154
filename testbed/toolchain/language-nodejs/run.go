package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitAfterUserMessage is the exit code the run scripts use after they have
// already reported the failure to the engine; repeating it would show the
// user the same error twice, so we Bail instead.
const exitAfterUserMessage = 32

// stopGrace is how long node gets to exit after SIGINT before it is killed.
const stopGrace = 5 * time.Second

// Run executes the program with @pulumi/pulumi/cmd/run and blocks until node
// exits. Failures of the program are reported in RunResponse, not as gRPC
// errors, which the engine would treat as a broken language host.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if h.engine() == "" {
		return nil, errors.New("no engine address: pass it as an argument or call Handshake before Run")
	}
	fail := func(err error) (*pulumirpc.RunResponse, error) {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return fail(err)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fail(fmt.Errorf("could not find node on $PATH: %w", err))
	}
	programDir, _, _ := programDirs(req)
	module := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH") // test hook, as in the upstream host
	if module == "" {
		module = "@pulumi/pulumi/cmd/run"
	}
	runScript, err := resolveScript(ctx, nodeBin, programDir, module, "pulumi install")
	if err != nil {
		return fail(err)
	}
	args, err := runArgs(req, opts, runScript, h.engine(), h.tracing)
	if err != nil {
		return fail(err)
	}
	extraEnv, err := runEnv(req, opts)
	if err != nil {
		return fail(err)
	}

	cmd, release := h.nodeCommand(ctx, nodeBin, args)
	defer release()
	cmd.Dir = programDir
	cmd.Env = append(os.Environ(), extraEnv...)
	// Node may switch an inherited stdout/stderr to non-blocking mode, which
	// breaks the engine's reading of our own output; wrapping the files in
	// plain writers makes exec copy through pipes instead.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	logging.V(5).Infof("running program: %s %v", nodeBin, args)

	err = cmd.Run()
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	return runFailure(err), nil
}

// nodeCommand starts node bound to both the request and the host context,
// interrupting it first (so the SDK can flush and disconnect) and killing it
// only if it does not exit within stopGrace. Call release once it is done.
func (h *host) nodeCommand(ctx context.Context, nodeBin string, args []string) (*exec.Cmd, func()) {
	cmdCtx, cancel := context.WithCancel(h.childContext())
	stop := context.AfterFunc(ctx, cancel)
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = stopGrace
	return cmd, func() { stop(); cancel() }
}

// runFailure turns node's exit into the RunResponse the engine expects.
func runFailure(err error) *pulumirpc.RunResponse {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}
	}
	if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was stopped by signal %v", ws.Signal())}
	}
	switch code := exitErr.ExitCode(); code {
	case exitAfterUserMessage:
		return &pulumirpc.RunResponse{Bail: true}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}
	}
}
