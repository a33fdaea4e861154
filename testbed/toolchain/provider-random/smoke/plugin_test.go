// Package smoke starts a built pulumi-resource-random and drives it over the
// Pulumi provider gRPC protocol (no engine, no network):
//
//	PROVIDER_BINARY=/path/pulumi-resource-random PROVIDER_VERSION=4.21.2 go test ./smoke
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
	if spec.Name != "random" || spec.Version != info.Version || len(spec.Resources) == 0 {
		t.Errorf("schema name %q version %q (%d resources), plugin %q", spec.Name, spec.Version, len(spec.Resources), info.Version)
	}

	if _, err := c.Configure(ctx, &pulumirpc.ConfigureRequest{Args: obj(t, `{}`), AcceptSecrets: true, AcceptResources: true}); err != nil {
		t.Fatal(err)
	}

	create := func(typ, name, news string) (string, map[string]any) {
		urn := "urn:pulumi:smoke::smoke::" + typ + "::" + name
		chk, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, Type: typ, Name: name,
			News: obj(t, news), Olds: obj(t, `{}`), RandomSeed: []byte("0123456789abcdef0123456789abcdef")})
		if err != nil {
			t.Fatalf("check %s: %v", typ, err)
		}
		if len(chk.Failures) > 0 {
			t.Fatalf("check %s: %v", typ, chk.Failures)
		}
		cr, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Type: typ, Name: name, Properties: chk.Inputs})
		if err != nil {
			t.Fatalf("create %s: %v", typ, err)
		}
		return cr.Id, cr.Properties.AsMap()
	}

	_, pw := create("random:index/randomPassword:RandomPassword", "pw", `{"length":24,"special":false}`)
	if r := secretString(t, pw, "result"); len(r) != 24 || strings.ContainsAny(r, "!@#$%&*()-_=+[]{}<>:?") {
		t.Errorf("password result %q", r)
	}
	secretString(t, pw, "bcryptHash")

	id, b := create("random:index/randomBytes:RandomBytes", "bytes", `{"length":32}`)
	if b64 := secretString(t, b, "base64"); id != b64 || len(b64) != 44 {
		t.Errorf("random bytes id %q, base64 %q", id, b64)
	}
	if h := secretString(t, b, "hex"); len(h) != 64 {
		t.Errorf("random bytes hex %q", h)
	}

	_, s := create("random:index/randomString:RandomString", "str", `{"length":12,"special":false,"upper":false}`)
	if r, _ := s["result"].(string); len(r) != 12 || strings.ToLower(r) != r {
		t.Errorf("random string result %v", s["result"])
	}
}
