package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// programDirs returns the program directory, the entry point and the root
// (Pulumi.yaml) directory of a RunRequest. Current engines fill Info; the
// Pwd/Program fields are what older engines sent.
func programDirs(req *pulumirpc.RunRequest) (programDir, entryPoint, rootDir string) {
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		entryPoint = info.GetEntryPoint()
		if entryPoint == "" {
			entryPoint = "."
		}
		return info.GetProgramDirectory(), entryPoint, info.GetRootDirectory()
	}
	entryPoint = req.GetProgram()
	if entryPoint == "" {
		entryPoint = "."
	}
	return req.GetPwd(), entryPoint, ""
}

// runArgs builds `node [nodeargs] <run script> <flags> <entry point> [args]`
// for @pulumi/pulumi/cmd/run. The script parses its flags with minimist
// (stopEarly), so every flag must come before the entry point.
//
// monitor is the engine's resource monitor itself: the real host puts a
// forwarding proxy in between only to serve the --sync pipes used by
// synchronous invokes, which @pulumi/pulumi 3.248 no longer opens.
func runArgs(req *pulumirpc.RunRequest, opts nodeOptions, runScript, engineAddress, tracing string,
) ([]string, error) {
	args, err := shlex.Split(opts.nodeArgs)
	if err != nil {
		return nil, fmt.Errorf("invalid nodeargs runtime option: %w", err)
	}
	args = append(args, runScript)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	programDir, entryPoint, rootDir := programDirs(req)
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", rootDir)
	flag("stack", req.GetStack())
	flag("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", tracing)
	args = append(args, entryPoint)
	return append(args, req.GetArgs()...), nil
}

// runEnv returns the variables added to the host's environment for a
// program run: the configuration and its secret keys (the SDK reads them
// only from the environment) and the TypeScript options.
func runEnv(req *pulumirpc.RunRequest, opts nodeOptions) ([]string, error) {
	cfg, err := legacyConfig(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := []string{"PULUMI_CONFIG=" + cfg, "PULUMI_CONFIG_SECRET_KEYS=" + string(keys)}
	return append(env, opts.typescriptEnv()...), nil
}

// legacyConfig serialises config with keys as "<namespace>:config:<name>".
// @pulumi/pulumi accepts both this and "<namespace>:<name>", but a program
// can load an older copy of the SDK next to the current one, and old copies
// understand only the long form.
func legacyConfig(cfg map[string]string) (string, error) {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("bad config key %q: %w", k, err)
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}
