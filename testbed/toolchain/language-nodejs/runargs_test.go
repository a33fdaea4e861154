package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestParseOptions(t *testing.T) {
	opts, err := parseOptions(map[string]any{"typescript": true, "packagemanager": "npm", "other": 1})
	if err != nil || !opts.typescript || opts.packageManager != "npm" {
		t.Fatalf("got %+v, %v", opts, err)
	}
	if opts, _ := parseOptions(nil); !opts.typescript || opts.packageManager != "auto" {
		t.Fatalf("defaults: got %+v", opts)
	}
	for _, bad := range []map[string]any{
		{"typescript": "yes"}, {"packagemanager": "cargo"}, {"nodeargs": 3},
	} {
		if _, err := parseOptions(bad); err == nil {
			t.Errorf("parseOptions(%v) accepted a bad value", bad)
		}
	}
}

func TestRunArgs(t *testing.T) {
	info, _ := structpb.NewStruct(map[string]any{"nodeargs": "--max-old-space-size=4096 --trace-warnings"})
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1",
		Organization:   "org",
		Project:        "proj",
		Stack:          "dev",
		DryRun:         true,
		Parallel:       16,
		Args:           []string{"extra"},
		Info: &pulumirpc.ProgramInfo{
			RootDirectory: "/p", ProgramDirectory: "/p/src", EntryPoint: "index.ts", Options: info,
		},
	}
	opts, err := parseOptions(req.Info.Options.AsMap())
	if err != nil {
		t.Fatal(err)
	}
	got, err := runArgs(req, opts, "/nm/run/index.js", "127.0.0.1:2", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--max-old-space-size=4096", "--trace-warnings", "/nm/run/index.js",
		"--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--organization", "org",
		"--project", "proj", "--root-directory", "/p", "--stack", "dev", "--pwd", "/p/src",
		"--dry-run", "--parallel", "16", "index.ts", "extra",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("runArgs:\n got %q\nwant %q", got, want)
	}

	// Without Info (older engines) Pwd/Program are used; an update omits --dry-run.
	old := &pulumirpc.RunRequest{MonitorAddress: "m", Pwd: "/old", Program: "."}
	got, _ = runArgs(old, nodeOptions{}, "run.js", "e", "http://zipkin")
	want = []string{"run.js", "--monitor", "m", "--engine", "e", "--pwd", "/old",
		"--parallel", "0", "--tracing", "http://zipkin", "."}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("legacy runArgs:\n got %q\nwant %q", got, want)
	}

	if _, err := runArgs(req, nodeOptions{nodeArgs: `"unterminated`}, "run.js", "e", ""); err == nil {
		t.Fatal("bad nodeargs accepted")
	}
}

func TestRunEnv(t *testing.T) {
	req := &pulumirpc.RunRequest{
		Config:           map[string]string{"proj:greeting": "hi", "aws:region": "x"},
		ConfigSecretKeys: []string{"proj:token"},
	}
	env, err := runEnv(req, nodeOptions{typescript: true, tsconfig: "tsconfig.pulumi.json"})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var cfg map[string]string
	if err := json.Unmarshal([]byte(vars["PULUMI_CONFIG"]), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["proj:config:greeting"] != "hi" || cfg["aws:config:region"] != "x" || len(cfg) != 2 {
		t.Errorf("PULUMI_CONFIG = %v", cfg)
	}
	if vars["PULUMI_CONFIG_SECRET_KEYS"] != `["proj:token"]` {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %q", vars["PULUMI_CONFIG_SECRET_KEYS"])
	}
	if vars["PULUMI_NODEJS_TYPESCRIPT"] != "true" || vars["PULUMI_NODEJS_TSCONFIG_PATH"] != "tsconfig.pulumi.json" {
		t.Errorf("typescript env = %v", env)
	}

	// No config at all still gives the SDK valid JSON, and no TypeScript flag.
	env, _ = runEnv(&pulumirpc.RunRequest{}, nodeOptions{})
	if !reflect.DeepEqual(env, []string{"PULUMI_CONFIG={}", "PULUMI_CONFIG_SECRET_KEYS=[]"}) {
		t.Errorf("empty env = %q", env)
	}
	if _, err := runEnv(&pulumirpc.RunRequest{Config: map[string]string{"nonamespace": "x"}}, nodeOptions{}); err == nil {
		t.Error("config key without namespace accepted")
	}
}

func TestPluginArgs(t *testing.T) {
	got, _ := pluginArgs(true, nodeOptions{}, "rpp.js", "/pack", []string{"-v=9", "127.0.0.1:3"})
	if want := []string{"rpp.js", "-v=9", "127.0.0.1:3", "/pack"}; !reflect.DeepEqual(got, want) {
		t.Errorf("policy pack args %q, want %q", got, want)
	}
	got, _ = pluginArgs(false, nodeOptions{nodeArgs: "--inspect"}, "rp.js", "/plug", []string{"a"})
	if want := []string{"--inspect", "rp.js", "/plug", "a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("plugin args %q, want %q", got, want)
	}
}

func TestPolicyEnv(t *testing.T) {
	env, err := policyEnv(&pulumirpc.AnalyzerStackConfigureRequest{
		Project: "p", Stack: "s", DryRun: true, Config: map[string]string{"p:k": "v"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PULUMI_NODEJS_PROJECT=p", "PULUMI_NODEJS_STACK=s", "PULUMI_NODEJS_DRY_RUN=true",
		`PULUMI_CONFIG={"p:k":"v"}`}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("policyEnv = %q, want %q", env, want)
	}
	if env, _ := policyEnv(nil); env != nil {
		t.Errorf("nil config gave %q", env)
	}
}

func TestRunFailureBailsOnUserMessage(t *testing.T) {
	for code, want := range map[int]*pulumirpc.RunResponse{
		32: {Bail: true},
		1:  {Error: "Program exited with non-zero exit code: 1"},
	} {
		err := exitError(t, code)
		got := runFailure(err)
		if got.Bail != want.Bail || got.Error != want.Error {
			t.Errorf("exit %d: got %+v, want %+v", code, got, want)
		}
	}
}
