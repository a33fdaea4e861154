package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// host implements pulumirpc.LanguageRuntimeServer. Methods the engine only
// needs for code generation or packaging (GenerateProgram, GenerateProject,
// GeneratePackage, Pack, Link) fall through to the embedded Unimplemented
// server, which answers codes.Unimplemented.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing string

	mu            sync.Mutex
	engineAddress string
	// ctx bounds every node child we start; cancelling it stops them all.
	// Cancel swaps in a fresh one afterwards, because a host the engine
	// attached to (PULUMI_DEBUG_LANGUAGES) outlives each engine's plugin
	// host, and every plugin host sends Cancel when it closes. Only a
	// signal (shutdown) stops the host for good.
	ctx      context.Context
	cancel   context.CancelFunc
	shutdown bool
}

func newHost(engineAddress, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{engineAddress: engineAddress, tracing: tracing, ctx: ctx, cancel: cancel}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// childContext is the context new node children are bound to.
func (h *host) childContext() context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ctx
}

// stopChildren interrupts every running child; later requests still work.
func (h *host) stopChildren() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cancel()
	if !h.shutdown {
		h.ctx, h.cancel = context.WithCancel(context.Background())
	}
}

// cancelAll interrupts every running child and refuses to start new ones.
func (h *host) cancelAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.shutdown = true
	h.cancel()
}

// Handshake is only used when the engine attaches to an already running host
// (PULUMI_DEBUG_LANGUAGES); normally the address comes on the command line.
func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	// If that engine dies, stop its programs but stay up for the next one.
	if err := rpcutil.Healthcheck(context.Background(), req.GetEngineAddress(), 5*time.Minute, h.stopChildren); err != nil {
		return nil, err
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// Cancel stops running programs and plugins. Answering it (rather than
// Unimplemented) also tells the engine we shut down on purpose.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.stopChildren()
	return &emptypb.Empty{}, nil
}

// Template is called by `pulumi new`; Node.js templates need no processing.
func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

// RuntimeOptionsPrompts lets `pulumi new` ask for a package manager when the
// template did not pin one.
func (h *host) RuntimeOptionsPrompts(ctx context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	if _, ok := req.GetInfo().GetOptions().AsMap()["packagemanager"]; ok {
		return &pulumirpc.RuntimeOptionsResponse{}, nil
	}
	return &pulumirpc.RuntimeOptionsResponse{Prompts: []*pulumirpc.RuntimeOptionPrompt{{
		Key:         "packagemanager",
		Description: "The package manager to use for installing dependencies",
		PromptType:  pulumirpc.RuntimeOptionPrompt_STRING,
		Choices:     plugin.MakeExecutablePromptChoices("npm", "pnpm", "yarn", "bun"),
		Default: &pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{
			PromptType:  pulumirpc.RuntimeOptionPrompt_STRING,
			StringValue: "npm",
		},
	}}}, nil
}

// About feeds `pulumi about`; version lookups are best effort.
func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return nil, err
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("could not find node on $PATH")
	}
	resp := &pulumirpc.AboutResponse{Executable: nodeBin, Metadata: map[string]string{}}
	if out, err := exec.CommandContext(ctx, nodeBin, "--version").Output(); err == nil {
		resp.Version = strings.TrimSpace(string(out))
	}
	if pm, err := npm.ResolvePackageManager(opts.packageManager, req.GetInfo().GetProgramDirectory()); err == nil {
		resp.Metadata["packagemanager"] = pm.Name()
		if v, err := pm.Version(); err == nil {
			resp.Metadata["packagemanagerVersion"] = v.String()
		}
	}
	return resp, nil
}
