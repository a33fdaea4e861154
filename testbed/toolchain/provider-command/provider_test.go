package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const testURN = "urn:pulumi:dev::proj::command:local:Command::step"

type captured struct {
	mu    sync.Mutex
	lines []string
}

func (c *captured) status(_ context.Context, _ resource.URN, line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, line)
}

func (c *captured) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string{}, c.lines...)
}

func props(t *testing.T, m map[string]any) resource.PropertyMap {
	t.Helper()
	return resource.NewPropertyMapFromMap(m)
}

func mustMarshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func create(t *testing.T, s *server, in resource.PropertyMap) (resource.PropertyMap, error) {
	t.Helper()
	resp, err := s.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN, Properties: mustMarshal(t, in)})
	if err != nil {
		return nil, err
	}
	if resp.GetId() == "" {
		t.Fatalf("create returned no id")
	}
	out, err := unmarshal(resp.GetProperties())
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func str(t *testing.T, m resource.PropertyMap, k string) string {
	t.Helper()
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		t.Fatalf("no %s in %v", k, m)
	}
	v = unsecret(v)
	if !v.IsString() {
		t.Fatalf("%s is not a string: %v", k, v)
	}
	return v.StringValue()
}

func TestCreateOutputsEnvStdinTrimming(t *testing.T) {
	t.Setenv("EQMD_PROVIDER_ENV", "from-provider")
	log := &captured{}
	s := newServer(log)
	out, err := create(t, s, props(t, map[string]any{
		"create":      `printf 'out:%s:%s\n\n' "$EQMD_PROVIDER_ENV" "$EXTRA"; echo "err line" >&2; cat`,
		"environment": map[string]any{"EXTRA": "from-input"},
		"stdin":       "piped in\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	// Only one trailing newline is trimmed: the blank line stays.
	if got, want := str(t, out, "stdout"), "out:from-provider:from-input\n\npiped in"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got := str(t, out, "stderr"); got != "err line" {
		t.Errorf("stderr = %q", got)
	}
	if got := str(t, out, "create"); !strings.HasPrefix(got, "printf") {
		t.Errorf("inputs are not echoed in the outputs: %v", out)
	}
	// Default logging streams both.
	lines := strings.Join(log.all(), "|")
	if !strings.Contains(lines, "out:from-provider:from-input") || !strings.Contains(lines, "err line") {
		t.Errorf("default logging did not stream stdout and stderr: %q", lines)
	}
}

func TestDirInterpreterDefaults(t *testing.T) {
	s := newServer(&captured{})
	wd, _ := os.Getwd()
	out, err := create(t, s, props(t, map[string]any{"create": "pwd"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out, "stdout"); got != wd {
		t.Errorf("default dir = %q, want the provider's working directory %q", got, wd)
	}
	dir := t.TempDir()
	dir, _ = filepath.EvalSymlinks(dir)
	out, err = create(t, s, props(t, map[string]any{"create": "pwd", "dir": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out, "stdout"); got != dir {
		t.Errorf("dir = %q, want %q", got, dir)
	}
	_, err = create(t, s, props(t, map[string]any{"create": "true", "dir": filepath.Join(dir, "missing")}))
	if err == nil {
		t.Errorf("a missing dir did not fail")
	}
	// A custom interpreter: -u makes an unset variable fatal.
	_, err = create(t, s, props(t, map[string]any{"create": `echo "$EQMD_SURELY_UNSET_VAR"`,
		"interpreter": []any{"/bin/sh", "-u", "-c"}}))
	if err == nil {
		t.Errorf("interpreter flags were not used")
	}
	out, err = create(t, s, props(t, map[string]any{"create": "print(6*7)", "interpreter": []any{"/bin/sh", "-c", `echo "$0" | sed 's/print(6\*7)/42/'`}}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out, "stdout"); got != "42" {
		t.Errorf("interpreter args: stdout = %q", got)
	}
}

func TestLoggingModes(t *testing.T) {
	for _, tc := range []struct {
		mode       string
		out, errln bool
	}{
		{"stdout", true, false}, {"stderr", false, true}, {"stdoutAndStderr", true, true}, {"none", false, false},
	} {
		log := &captured{}
		s := newServer(log)
		out, err := create(t, s, props(t, map[string]any{"create": "echo O; echo E >&2", "logging": tc.mode}))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(log.all(), ",")
		if strings.Contains(lines, "O") != tc.out || strings.Contains(lines, "E") != tc.errln {
			t.Errorf("logging %s streamed %q", tc.mode, lines)
		}
		// Capture is independent of logging.
		if str(t, out, "stdout") != "O" || str(t, out, "stderr") != "E" {
			t.Errorf("logging %s changed the outputs: %v", tc.mode, out)
		}
	}
}

func TestFailureMessage(t *testing.T) {
	s := newServer(&captured{})
	_, err := create(t, s, props(t, map[string]any{"create": "echo visible-out; echo visible-err >&2; exit 3", "logging": "none"}))
	if err == nil {
		t.Fatal("non-zero exit did not fail")
	}
	msg := err.Error()
	for _, want := range []string{"exit status 3", `running "echo visible-out`, "visible-out", "visible-err"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q: %s", want, msg)
		}
	}
	// Secret inputs never appear in the message: not the command, not values inside JSON stdin.
	in := props(t, map[string]any{
		"create": `cat; echo "token=$TOKEN"; exit 1`,
		"stdin":  `{"password":"hunter2-secret"}`,
	})
	in["create"] = resource.MakeSecret(in["create"])
	in["stdin"] = resource.MakeSecret(in["stdin"])
	in["environment"] = resource.NewObjectProperty(resource.PropertyMap{
		"TOKEN": resource.MakeSecret(resource.NewStringProperty("tok-very-secret")),
	})
	_, err = create(t, s, in)
	if err == nil {
		t.Fatal("exit 1 did not fail")
	}
	msg = err.Error()
	for _, leak := range []string{"hunter2-secret", "tok-very-secret", "echo \"token"} {
		if strings.Contains(msg, leak) {
			t.Errorf("failure message leaks %q: %s", leak, msg)
		}
	}
	if !strings.Contains(msg, "token=[secret]") || !strings.Contains(msg, "[secret command]") {
		t.Errorf("failure message should keep the non-secret output: %s", msg)
	}
}

func TestSecretInputsMakeOutputsSecret(t *testing.T) {
	s := newServer(&captured{})
	in := props(t, map[string]any{"create": "cat", "stdin": "s3cr3t"})
	in["stdin"] = resource.MakeSecret(in["stdin"])
	out, err := create(t, s, in)
	if err != nil {
		t.Fatal(err)
	}
	if !out["stdout"].IsSecret() || !out["stderr"].IsSecret() {
		t.Errorf("outputs of a command with a secret input are not secret: %v", out)
	}
	if !out["stdin"].IsSecret() {
		t.Errorf("the secret input lost its secretness in the state")
	}
	out, err = create(t, s, props(t, map[string]any{"create": "echo plain"}))
	if err != nil {
		t.Fatal(err)
	}
	if out["stdout"].IsSecret() {
		t.Errorf("stdout secret without secret inputs")
	}
}

func TestPreviewRunsNothing(t *testing.T) {
	s := newServer(&captured{})
	marker := filepath.Join(t.TempDir(), "ran")
	in := props(t, map[string]any{"create": "touch " + marker})
	resp, err := s.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN, Properties: mustMarshal(t, in), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("preview ran the create command")
	}
	out, _ := unmarshal(resp.GetProperties())
	if !out["stdout"].IsComputed() || !out["stderr"].IsComputed() {
		t.Errorf("preview outputs are not unknown: %v", out)
	}
	uresp, err := s.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: testURN, Olds: mustMarshal(t, in), News: mustMarshal(t, in), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("update preview ran a command")
	}
	out, _ = unmarshal(uresp.GetProperties())
	if !out["stdout"].IsComputed() {
		t.Errorf("update preview stdout is known: %v", out)
	}
}

func update(t *testing.T, s *server, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	t.Helper()
	resp, err := s.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: testURN, Id: "x",
		Olds: mustMarshal(t, olds), News: mustMarshal(t, news)})
	if err != nil {
		return nil, err
	}
	out, err := unmarshal(resp.GetProperties())
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

func TestUpdateSemantics(t *testing.T) {
	s := newServer(&captured{})
	state, err := create(t, s, props(t, map[string]any{"create": "echo first"}))
	if err != nil {
		t.Fatal(err)
	}
	// No update command: create runs again, seeing the previous output.
	out, err := update(t, s, state, props(t, map[string]any{"create": `echo "again after $PULUMI_COMMAND_STDOUT"`}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out, "stdout"); got != "again after first" {
		t.Errorf("update without update command: stdout = %q", got)
	}
	out2, err := update(t, s, out, props(t, map[string]any{"create": "echo no", "update": `echo "update saw [$PULUMI_COMMAND_STDOUT]"`}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out2, "stdout"); got != "update saw [again after first]" {
		t.Errorf("update command: stdout = %q", got)
	}
	out3, err := update(t, s, out2, props(t, map[string]any{"update": `echo "[${PULUMI_COMMAND_STDOUT-unset}]"`, "addPreviousOutputInEnv": false}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out3, "stdout"); got != "[unset]" {
		t.Errorf("addPreviousOutputInEnv=false: stdout = %q", got)
	}
	// Neither command: the old outputs stay.
	out4, err := update(t, s, out3, props(t, map[string]any{"delete": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := str(t, out4, "stdout"); got != "[unset]" {
		t.Errorf("update without commands changed stdout to %q", got)
	}
	// A failing update fails.
	if _, err := update(t, s, out4, props(t, map[string]any{"update": "echo bad; exit 4"})); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("failing update: %v", err)
	}
}

func TestDeleteUsesStoredState(t *testing.T) {
	s := newServer(&captured{})
	dir := t.TempDir()
	state, err := create(t, s, props(t, map[string]any{
		"create":      "echo created-value",
		"delete":      `printf '%s|%s|%s' "$PULUMI_COMMAND_STDOUT" "$MARK" "$(pwd)" > deleted.txt`,
		"dir":         dir,
		"environment": map[string]any{"MARK": "stored-env"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: testURN, Id: "x", Properties: mustMarshal(t, state)}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "deleted.txt"))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if got, want := string(b), "created-value|stored-env|"+real; got != want {
		t.Errorf("delete saw %q, want %q", got, want)
	}
	state["delete"] = resource.NewStringProperty("echo cannot-delete >&2; exit 2")
	_, err = s.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: testURN, Id: "x", Properties: mustMarshal(t, state)})
	if err == nil || !strings.Contains(err.Error(), "cannot-delete") || !strings.Contains(err.Error(), "exit status 2") {
		t.Errorf("failing delete: %v", err)
	}
	delete(state, "delete")
	if _, err := s.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: testURN, Id: "x", Properties: mustMarshal(t, state)}); err != nil {
		t.Errorf("delete without delete command: %v", err)
	}
}

func diff(t *testing.T, s *server, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	t.Helper()
	resp, err := s.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: testURN, Id: "x",
		Olds: mustMarshal(t, olds), OldInputs: mustMarshal(t, olds), News: mustMarshal(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDiff(t *testing.T) {
	s := newServer(&captured{})
	base := map[string]any{"create": "echo a", "triggers": []any{"x", 1.0}}
	if d := diff(t, s, props(t, base), props(t, base)); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("no change: %v", d)
	}
	secretOnly := props(t, base)
	secretOnly["create"] = resource.MakeSecret(secretOnly["create"])
	if d := diff(t, s, props(t, base), secretOnly); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("secretness alone is a change: %v", d)
	}
	d := diff(t, s, props(t, base), props(t, map[string]any{"create": "echo b", "triggers": []any{"x", 1.0}}))
	if d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(d.GetReplaces()) != 0 ||
		d.GetDetailedDiff()["create"].GetKind() != pulumirpc.PropertyDiff_UPDATE {
		t.Errorf("create change should update in place: %v", d)
	}
	d = diff(t, s, props(t, base), props(t, map[string]any{"create": "echo a", "triggers": []any{"x", 2.0}}))
	if len(d.GetReplaces()) != 1 || d.GetReplaces()[0] != "triggers" ||
		d.GetDetailedDiff()["triggers[1]"].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("trigger change should replace: %v", d)
	}
	d = diff(t, s, props(t, base), props(t, map[string]any{"create": "echo a"}))
	if len(d.GetReplaces()) != 1 {
		t.Errorf("removing triggers should replace: %v", d)
	}
	unknown := props(t, base)
	unknown["create"] = resource.MakeComputed(resource.NewStringProperty(""))
	if d := diff(t, s, props(t, base), unknown); d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
		t.Errorf("an unknown input should be a change: %v", d)
	}
}

func TestCheck(t *testing.T) {
	s := newServer(&captured{})
	check := func(m map[string]any) []*pulumirpc.CheckFailure {
		resp, err := s.Check(context.Background(), &pulumirpc.CheckRequest{Urn: testURN, News: mustMarshal(t, props(t, m))})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetFailures()
	}
	if fs := check(map[string]any{"create": "true", "logging": "none", "interpreter": []any{"/bin/sh", "-c"}}); len(fs) != 0 {
		t.Errorf("valid inputs failed: %v", fs)
	}
	if fs := check(map[string]any{"create": "true", "assetPaths": []any{"*.txt"}}); len(fs) != 1 || !strings.Contains(fs[0].GetReason(), "not implemented") {
		t.Errorf("assetPaths must fail clearly: %v", fs)
	}
	if fs := check(map[string]any{"create": "true", "logging": "loud"}); len(fs) != 1 {
		t.Errorf("bad logging accepted: %v", fs)
	}
	_, err := s.Check(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:dev::proj::command:remote:Command::r"})
	if status.Code(err) != codes.Unimplemented || !strings.Contains(err.Error(), "command:remote:Command") {
		t.Errorf("remote command: %v", err)
	}
}

func TestRunInvoke(t *testing.T) {
	s := newServer(&captured{})
	resp, err := s.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tokRun,
		Args: mustMarshal(t, props(t, map[string]any{"command": "echo hi; echo there >&2"}))})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := unmarshal(resp.GetReturn())
	if str(t, out, "stdout") != "hi" || str(t, out, "stderr") != "there" || str(t, out, "command") == "" {
		t.Errorf("run returned %v", out)
	}
	resp, err = s.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tokRun, Args: mustMarshal(t, props(t, map[string]any{}))})
	if err != nil || len(resp.GetFailures()) == 0 {
		t.Errorf("run without command: %v %v", resp, err)
	}
}

func TestSchema(t *testing.T) {
	s := newServer(&captured{})
	resp, err := s.GetSchema(context.Background(), &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var sch struct {
		Name      string
		Version   string
		Resources map[string]struct {
			InputProperties map[string]struct {
				ReplaceOnChanges bool
			}
		}
		Functions map[string]any
	}
	if err := json.Unmarshal([]byte(resp.GetSchema()), &sch); err != nil {
		t.Fatal(err)
	}
	r, ok := sch.Resources[tokCommand]
	if sch.Name != "command" || sch.Version != version || !ok || !r.InputProperties["triggers"].ReplaceOnChanges || sch.Functions[tokRun] == nil {
		t.Errorf("schema: %+v", sch)
	}
}

// TestBuiltPlugin builds the plugin with build.sh and talks gRPC to it as the engine does.
func TestBuiltPlugin(t *testing.T) {
	dir := t.TempDir()
	build := exec.Command("./build.sh", dir, "1.2.1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	plugin := exec.Command(filepath.Join(dir, "pulumi-resource-command"), "127.0.0.1:1")
	stdout, _ := plugin.StdoutPipe()
	if err := plugin.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = plugin.Process.Kill(); _ = plugin.Wait() }()
	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			portc <- strings.TrimSpace(sc.Text())
		}
	}()
	var port string
	select {
	case port = <-portc:
	case <-time.After(60 * time.Second):
		t.Fatal("the plugin printed no port")
	}
	cc, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := pulumirpc.NewResourceProviderClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if info.GetVersion() != "1.2.1" {
		t.Errorf("plugin version %q", info.GetVersion())
	}
	in := props(t, map[string]any{"create": "echo over-grpc", "logging": "none"})
	resp, err := client.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: mustMarshal(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := unmarshal(resp.GetProperties())
	if str(t, out, "stdout") != "over-grpc" || !strings.HasPrefix(resp.GetId(), "step") {
		t.Errorf("create over gRPC: %s %v", resp.GetId(), out)
	}
}
