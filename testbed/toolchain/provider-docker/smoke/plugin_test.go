// Package smoke starts a built pulumi-resource-docker and drives it over the
// Pulumi provider gRPC protocol (no engine, no network, no Docker daemon):
//
//	PROVIDER_BINARY=/path/pulumi-resource-docker PROVIDER_VERSION=5.2.0 go test ./smoke
package smoke

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const secretSig = "4dabf18193072939515e22adb298388d"

func startPlugin(t *testing.T) (pulumirpc.ResourceProviderClient, context.Context) {
	t.Helper()
	bin := os.Getenv("PROVIDER_BINARY")
	if bin == "" {
		t.Fatal("set PROVIDER_BINARY to the built plugin")
	}
	cmd := exec.Command(bin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no port from plugin: %v", err)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return pulumirpc.NewResourceProviderClient(conn), ctx
}

func obj(t *testing.T, js string) *structpb.Struct {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// secretString returns the plain value of a secret string output.
func secretString(t *testing.T, props map[string]any, name string) string {
	t.Helper()
	v, ok := props[name].(map[string]any)
	if !ok || v[secretSig] == nil {
		t.Fatalf("%s is not a secret: %v", name, props[name])
	}
	s, _ := v["value"].(string)
	return s
}

func TestPlugin(t *testing.T) {
	c, ctx := startPlugin(t)

	info, err := c.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if want := os.Getenv("PROVIDER_VERSION"); want != "" && info.Version != want {
		t.Errorf("plugin version %q, want %q", info.Version, want)
	}
	sch, err := c.GetSchema(ctx, &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Name, Version string
		Resources     map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(sch.Schema), &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Name != "docker" || spec.Version != info.Version {
		t.Errorf("schema name %q version %q, plugin %q", spec.Name, spec.Version, info.Version)
	}
	for _, tok := range []string{"docker:index/container:Container", "docker:index/remoteImage:RemoteImage",
		"docker:index/volume:Volume", "docker:index/network:Network"} {
		if spec.Resources[tok] == nil {
			t.Errorf("schema lacks %s", tok)
		}
	}

	// The daemon is contacted lazily, so configuring with an absent socket works.
	cc, err := c.CheckConfig(ctx, &pulumirpc.CheckRequest{Urn: "urn:pulumi:smoke::smoke::pulumi:providers:docker::default",
		News: obj(t, `{"host":"unix:///nonexistent/docker.sock"}`), Olds: obj(t, `{}`)})
	if err != nil || len(cc.Failures) > 0 {
		t.Fatalf("checkConfig: %v %v", err, cc.GetFailures())
	}
	if _, err := c.Configure(ctx, &pulumirpc.ConfigureRequest{Args: cc.Inputs, AcceptSecrets: true, AcceptResources: true}); err != nil {
		t.Fatal(err)
	}

	check := func(typ, name, news string) map[string]any {
		urn := "urn:pulumi:smoke::smoke::" + typ + "::" + name
		chk, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, Type: typ, Name: name,
			News: obj(t, news), Olds: obj(t, `{}`), RandomSeed: []byte("0123456789abcdef0123456789abcdef")})
		if err != nil {
			t.Fatalf("check %s: %v", typ, err)
		}
		if len(chk.Failures) > 0 {
			t.Fatalf("check %s: %v", typ, chk.Failures)
		}
		return chk.Inputs.AsMap()
	}

	// The container inputs the program uses.
	in := check("docker:index/container:Container", "c", `{"name":"c1","image":"sha256:0123","restart":"unless-stopped",
		"user":"991:991","destroyGraceSeconds":30,
		"uploads":[{"file":"/run/pw","content":"x","owner":"70","group":"70","permissions":"0400"}],
		"healthcheck":{"tests":["CMD","true"],"interval":"5s","timeout":"3s","startPeriod":"10s","retries":5},
		"wait":true,"waitTimeout":120,"networksAdvanced":[{"name":"net","aliases":["db"]}],
		"volumes":[{"volumeName":"v","containerPath":"/data"}],"mounts":[{"target":"/m","type":"tmpfs"}],
		"ports":[{"internal":8008,"external":8008,"ip":"127.0.0.1"}],"envs":["A=b"],
		"labels":[{"label":"k","value":"v"}],"capabilities":{"drops":["ALL"],"adds":["CHOWN"]},
		"logs":true,"attach":true,"mustRun":false}`)
	up := in["uploads"].([]any)[0].(map[string]any)
	if up["owner"] != "70" || up["group"] != "70" || up["permissions"] != "0400" {
		t.Errorf("upload after check: %v", up)
	}
	if hc := in["healthcheck"].(map[string]any); hc["startPeriod"] != "10s" || hc["retries"] != float64(5) {
		t.Errorf("healthcheck after check: %v", hc)
	}
	if na := in["networksAdvanced"].([]any)[0].(map[string]any); na["aliases"].([]any)[0] != "db" {
		t.Errorf("networksAdvanced after check: %v", na)
	}

	img := check("docker:index/remoteImage:RemoteImage", "img", `{"name":"postgres:16","keepLocally":true}`)
	if img["keepLocally"] != true || img["name"] != "postgres:16" {
		t.Errorf("remote image after check: %v", img)
	}

	// Unnamed volumes and networks are auto-named <name>-<random>.
	for _, typ := range []string{"docker:index/volume:Volume", "docker:index/network:Network"} {
		v := check(typ, "auto", `{}`)
		if n, _ := v["name"].(string); !strings.HasPrefix(n, "auto-") {
			t.Errorf("%s auto-name %v", typ, v["name"])
		}
	}

	// Changing a container's image replaces it, deleting the old one first.
	olds := obj(t, `{"id":"abc","name":"c1","image":"sha256:0123","networkMode":"bridge"}`)
	diff, err := c.Diff(ctx, &pulumirpc.DiffRequest{Id: "abc", Urn: "urn:pulumi:smoke::smoke::docker:index/container:Container::c",
		Type: "docker:index/container:Container", Name: "c", Olds: olds, OldInputs: obj(t, `{"name":"c1","image":"sha256:0123"}`),
		News: obj(t, `{"name":"c1","image":"sha256:4567"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.Replaces) == 0 || !diff.DeleteBeforeReplace {
		t.Errorf("image change: replaces %v, deleteBeforeReplace %v", diff.Replaces, diff.DeleteBeforeReplace)
	}
}
