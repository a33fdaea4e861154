package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"

	"github.com/google/shlex"
	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RunPlugin runs a plugin written in Node.js. The 3.248 engine uses it for
// Node.js policy packs (kind "analyzer") whenever a nodejs language plugin
// is installed, instead of the old pulumi-analyzer-policy shim. Output is
// streamed back to the engine, which reads the plugin's gRPC port from it.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return err
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on $PATH: %w", err)
	}
	programDir := req.GetInfo().GetProgramDirectory()
	isPolicyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	module := "@pulumi/pulumi/cmd/run-plugin"
	if isPolicyPack {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	script, err := resolveScript(ctx, nodeBin, programDir, module, "npm install in "+programDir)
	if err != nil {
		return err
	}
	args, err := pluginArgs(isPolicyPack, opts, script, programDir, req.GetArgs())
	if err != nil {
		return err
	}
	env := append(append([]string{}, req.GetEnv()...), opts.typescriptEnv()...)

	// Policy packs built on @pulumi/policy learn the stack (project, stack,
	// config) from environment variables at start-up, while the engine sends
	// it over gRPC (ConfigureStack) only after the pack is running. The SDK's
	// PolicyProxy answers the engine first, hands us that configuration, and
	// then forwards everything to the real pack once it has printed its port.
	var proxy *sdk.PolicyProxy
	if isPolicyPack {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration for the policy pack: %w", err)
		}
		policyVars, err := policyEnv(cfg)
		if err != nil {
			return err
		}
		env = append(env, policyVars...)
	}

	cmd, release := h.nodeCommand(ctx, nodeBin, args)
	defer release()
	// Policy packs have always run from their own directory; other plugins
	// run from the engine's working directory.
	cmd.Dir = req.GetPwd()
	if isPolicyPack {
		cmd.Dir = programDir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("running plugin: %s %v", nodeBin, args)

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd) // waits for the pack to exit
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("plugin exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}

// pluginArgs builds the node command line for a plugin. run-policy-pack
// takes the pack directory as its last argument (after the engine address
// in the engine's args); run-plugin takes the plugin directory first.
func pluginArgs(isPolicyPack bool, opts nodeOptions, script, programDir string, reqArgs []string) ([]string, error) {
	args, err := shlex.Split(opts.nodeArgs)
	if err != nil {
		return nil, fmt.Errorf("invalid nodeargs runtime option: %w", err)
	}
	args = append(args, script)
	if isPolicyPack {
		args = append(args, reqArgs...)
		return append(args, programDir), nil
	}
	args = append(args, programDir)
	return append(args, reqArgs...), nil
}

// policyEnv translates the engine's stack configuration into the variables
// @pulumi/pulumi's runtime reads when a policy pack starts. cfg is nil when
// the engine asked for something else first (e.g. `pulumi policy publish`).
func policyEnv(cfg *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if cfg == nil {
		return nil, nil
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
	add("PULUMI_NODEJS_STACK", cfg.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
	if cfg.GetConfig() != nil {
		b, err := json.Marshal(cfg.GetConfig())
		if err != nil {
			return nil, err
		}
		add("PULUMI_CONFIG", string(b))
	}
	if keys := cfg.GetConfigSecretKeys(); len(keys) > 0 {
		b, err := json.Marshal(keys)
		if err != nil {
			return nil, err
		}
		add("PULUMI_CONFIG_SECRET_KEYS", string(b))
	}
	return env, nil
}
