package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	tokCommand = "command:local:Command"
	tokRun     = "command:local:run"
)

//go:embed schema.json
var schemaJSON string

// logger sends one line of a command's output to the engine, attached to a resource.
type logger interface {
	status(ctx context.Context, urn resource.URN, line string)
}

type hostLogger struct{ host *provider.HostClient }

func (h hostLogger) status(ctx context.Context, urn resource.URN, line string) {
	if h.host != nil {
		_ = h.host.LogStatus(ctx, diag.Info, urn, line)
	}
}

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	log    logger
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

func newServer(log logger) *server {
	ctx, cancel := context.WithCancel(context.Background())
	return &server{log: log, ctx: ctx, cancel: cancel}
}

// runCtx ends when either the request or the provider (Cancel) ends.
func (s *server) runCtx(req context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(req)
	stop := context.AfterFunc(s.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: strings.ReplaceAll(schemaJSON, "${VERSION}", version)}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (s *server) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	s.once.Do(s.cancel)
	return &emptypb.Empty{}, nil
}

func checkType(urn string) error {
	t := string(resource.URN(urn).Type())
	if t == tokCommand {
		return nil
	}
	if strings.HasPrefix(t, "command:remote:") {
		return status.Errorf(codes.Unimplemented,
			"%s is not implemented by this command provider (only command:local:Command and command:local:run are)", t)
	}
	return status.Errorf(codes.InvalidArgument, "unknown resource type %q", t)
}

// inputKeys are the input properties of command:local:Command.
var inputKeys = []string{
	"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir",
	"environment", "interpreter", "logging", "stdin", "triggers", "update",
}

func isInputKey(k string) bool {
	for _, i := range inputKeys {
		if i == k {
			return true
		}
	}
	return false
}

// Check validates the inputs; it applies no defaults (nor does pulumi-command).
func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	failures := validate(news, false)
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func fail(prop, format string, args ...any) *pulumirpc.CheckFailure {
	return &pulumirpc.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)}
}

// validate checks the types of the known inputs (unknown values pass).
func validate(m resource.PropertyMap, isRun bool) []*pulumirpc.CheckFailure {
	var fs []*pulumirpc.CheckFailure
	str := func(k string) {
		v, ok := m[resource.PropertyKey(k)]
		if !ok {
			return
		}
		v = unsecret(v)
		if !v.IsComputed() && !v.IsString() {
			fs = append(fs, fail(k, "%s must be a string", k))
		}
	}
	strList := func(k string) {
		v, ok := m[resource.PropertyKey(k)]
		if !ok {
			return
		}
		v = unsecret(v)
		if v.IsComputed() {
			return
		}
		if !v.IsArray() {
			fs = append(fs, fail(k, "%s must be a list of strings", k))
			return
		}
		for _, e := range v.ArrayValue() {
			e = unsecret(e)
			if !e.IsComputed() && !e.IsString() {
				fs = append(fs, fail(k, "%s must be a list of strings", k))
				return
			}
		}
	}
	if isRun {
		if _, ok := m["command"]; !ok {
			fs = append(fs, fail("command", "missing required property 'command'"))
		}
		str("command")
	} else {
		str("create")
		str("update")
		str("delete")
		if v, ok := m["triggers"]; ok {
			v = unsecret(v)
			if !v.IsComputed() && !v.IsArray() {
				fs = append(fs, fail("triggers", "triggers must be a list"))
			}
		}
	}
	str("dir")
	str("stdin")
	strList("interpreter")
	for _, k := range []string{"assetPaths", "archivePaths"} {
		if v, ok := m[resource.PropertyKey(k)]; ok && !v.IsNull() {
			fs = append(fs, fail(k, "%s is not implemented by this command provider; "+
				"collect files with an explicit command instead", k))
		}
	}
	if v, ok := m["environment"]; ok {
		v = unsecret(v)
		if !v.IsComputed() {
			if !v.IsObject() {
				fs = append(fs, fail("environment", "environment must be a map of strings"))
			} else {
				for ek, ev := range v.ObjectValue() {
					ev = unsecret(ev)
					if !ev.IsComputed() && !ev.IsString() {
						fs = append(fs, fail("environment", "environment.%s must be a string", ek))
					}
				}
			}
		}
	}
	if v, ok := m["logging"]; ok {
		v = unsecret(v)
		if !v.IsComputed() && (!v.IsString() || !Logging(v.StringValue()).valid()) {
			fs = append(fs, fail("logging", "logging must be one of stdout, stderr, stdoutAndStderr, none"))
		}
	}
	if v, ok := m["addPreviousOutputInEnv"]; ok {
		v = unsecret(v)
		if !v.IsComputed() && !v.IsBool() {
			fs = append(fs, fail("addPreviousOutputInEnv", "addPreviousOutputInEnv must be a boolean"))
		}
	}
	return fs
}

func unsecret(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// plain strips secrets (deeply) so values can be compared and used.
func plain(v resource.PropertyValue) resource.PropertyValue {
	v = unsecret(v)
	switch {
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = plain(e)
		}
		return resource.NewArrayProperty(a)
	case v.IsObject():
		return resource.NewObjectProperty(plainMap(v.ObjectValue()))
	}
	return v
}

func plainMap(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = plain(v)
	}
	return out
}

// secretStrings collects the string leaves of secret values (and, when a secret string is
// JSON, the string leaves inside it), to redact them from error messages.
func secretStrings(m resource.PropertyMap) []string {
	var out []string
	var walk func(v resource.PropertyValue, secret bool)
	walk = func(v resource.PropertyValue, secret bool) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true)
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret)
			}
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret)
			}
		case v.IsString() && secret:
			s := v.StringValue()
			out = append(out, s, strings.TrimSuffix(s, "\n"))
			var j any
			if json.Unmarshal([]byte(s), &j) == nil {
				out = append(out, jsonStrings(j)...)
			}
		}
	}
	for _, v := range m {
		walk(v, false)
	}
	return out
}

func jsonStrings(j any) []string {
	switch t := j.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, jsonStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range t {
			out = append(out, jsonStrings(e)...)
		}
		return out
	}
	return nil
}

// specFrom reads the run settings shared by Command and run from known inputs.
func specFrom(m resource.PropertyMap, command string, commandKey string) runSpec {
	p := plainMap(m)
	spec := runSpec{Command: command}
	if v, ok := p["interpreter"]; ok && v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				spec.Interpreter = append(spec.Interpreter, e.StringValue())
			}
		}
	}
	if v, ok := p["dir"]; ok && v.IsString() {
		d := v.StringValue()
		spec.Dir = &d
	}
	if v, ok := p["environment"]; ok && v.IsObject() {
		spec.Environment = map[string]string{}
		for k, e := range v.ObjectValue() {
			if e.IsString() {
				spec.Environment[string(k)] = e.StringValue()
			}
		}
	}
	if v, ok := p["stdin"]; ok && v.IsString() {
		in := v.StringValue()
		spec.Stdin = &in
	}
	if v, ok := p["logging"]; ok && v.IsString() {
		spec.Logging = Logging(v.StringValue())
	}
	if v, ok := p["addPreviousOutputInEnv"]; ok && v.IsBool() {
		b := v.BoolValue()
		spec.AddPreviousOutputInEnv = &b
	}
	if v, ok := m[resource.PropertyKey(commandKey)]; ok && v.ContainsSecrets() {
		spec.CommandSecret = true
	}
	spec.Redact = secretStrings(m)
	return spec
}

func stringProp(m resource.PropertyMap, k string) (string, bool) {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return "", false
	}
	v = unsecret(v)
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// inputsOf keeps only the input properties of a state.
func inputsOf(state resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range state {
		if isInputKey(string(k)) {
			out[k] = v
		}
	}
	return out
}

// outputs are the inputs plus stdout and stderr; those are secret when any input is.
func outputs(inputs resource.PropertyMap, stdout, stderr resource.PropertyValue) resource.PropertyMap {
	out := inputs.Copy()
	if inputs.ContainsSecrets() {
		if !stdout.IsComputed() {
			stdout = resource.MakeSecret(stdout)
		}
		if !stderr.IsComputed() {
			stderr = resource.MakeSecret(stderr)
		}
	}
	out["stdout"] = stdout
	out["stderr"] = stderr
	return out
}

func unknownString() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

func (s *server) logFor(ctx context.Context, urn resource.URN) lineLogger {
	return func(line string) { s.log.status(ctx, urn, line) }
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var olds resource.PropertyMap
	if req.GetOldInputs() != nil {
		if olds, err = unmarshal(req.GetOldInputs()); err != nil {
			return nil, err
		}
	} else {
		olds = inputsOf(state)
	}
	for _, k := range req.GetIgnoreChanges() {
		if v, ok := olds[resource.PropertyKey(k)]; ok {
			news[resource.PropertyKey(k)] = v
		} else {
			delete(news, resource.PropertyKey(k))
		}
	}
	for k := range news {
		if k == "version" || strings.HasPrefix(string(k), "__") {
			delete(news, k)
		}
	}
	return diffInputs(olds, news), nil
}

// diffInputs diffs old and new inputs (secretness alone is no change); any change of
// triggers replaces, every other change updates.
func diffInputs(olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	od := plainMap(olds).Diff(plainMap(news))
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true,
		DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	if od == nil || !od.AnyChanges() {
		return resp
	}
	resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	replaces := map[string]bool{}
	diffs := map[string]bool{}
	for path, pd := range plugin.NewDetailedDiffFromObjectDiff(od, true) {
		top := topKey(path)
		kind := pd.Kind
		if top == "triggers" {
			kind = kind.AsReplace()
			replaces["triggers"] = true
		}
		diffs[top] = true
		resp.DetailedDiff[path] = &pulumirpc.PropertyDiff{Kind: rpcKind(kind), InputDiff: true}
	}
	resp.Replaces = sortedKeys(replaces)
	resp.Diffs = sortedKeys(diffs)
	return resp
}

func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func rpcKind(k plugin.DiffKind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case plugin.DiffAdd:
		return pulumirpc.PropertyDiff_ADD
	case plugin.DiffAddReplace:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case plugin.DiffDelete:
		return pulumirpc.PropertyDiff_DELETE
	case plugin.DiffDeleteReplace:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case plugin.DiffUpdateReplace:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE
	}
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	urn := resource.URN(req.GetUrn())
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, err := resource.NewUniqueHex(urn.Name(), 8, 0)
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		props, err := marshal(outputs(inputs, unknownString(), unknownString()))
		if err != nil {
			return nil, err
		}
		return &pulumirpc.CreateResponse{Properties: props}, nil
	}
	res := runResult{}
	if create, ok := stringProp(inputs, "create"); ok {
		rctx, cancel := s.runCtx(ctx)
		defer cancel()
		res, err = runCommand(rctx, specFrom(inputs, create, "create"), s.logFor(ctx, urn))
		if err != nil {
			return nil, err
		}
	}
	props, err := marshal(outputs(inputs, resource.NewStringProperty(res.Stdout), resource.NewStringProperty(res.Stderr)))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	urn := resource.URN(req.GetUrn())
	state, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	oldOut, _ := stringProp(state, "stdout")
	oldErr, _ := stringProp(state, "stderr")
	if req.GetPreview() {
		props, err := marshal(outputs(news, unknownString(), unknownString()))
		if err != nil {
			return nil, err
		}
		return &pulumirpc.UpdateResponse{Properties: props}, nil
	}
	key := "update"
	command, ok := stringProp(news, "update")
	if !ok {
		key = "create"
		command, ok = stringProp(news, "create")
	}
	res := runResult{Stdout: oldOut, Stderr: oldErr}
	if ok {
		spec := specFrom(news, command, key)
		spec.PrevStdout, spec.PrevStderr = oldOut, oldErr
		rctx, cancel := s.runCtx(ctx)
		defer cancel()
		res, err = runCommand(rctx, spec, s.logFor(ctx, urn))
		if err != nil {
			return nil, err
		}
	}
	props, err := marshal(outputs(news, resource.NewStringProperty(res.Stdout), resource.NewStringProperty(res.Stderr)))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Delete runs the delete command of the stored state, with that state's settings.
func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	command, ok := stringProp(state, "delete")
	if !ok {
		return &emptypb.Empty{}, nil
	}
	spec := specFrom(state, command, "delete")
	spec.PrevStdout, _ = stringProp(state, "stdout")
	spec.PrevStderr, _ = stringProp(state, "stderr")
	rctx, cancel := s.runCtx(ctx)
	defer cancel()
	if _, err := runCommand(rctx, spec, s.logFor(ctx, resource.URN(req.GetUrn()))); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the stored state: a command has nothing to read back.
func (s *server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	props := req.GetProperties()
	inputs := req.GetInputs()
	if inputs == nil && props != nil {
		state, err := unmarshal(props)
		if err != nil {
			return nil, err
		}
		if inputs, err = marshal(inputsOf(state)); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: inputs}, nil
}

func (s *server) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if req.GetTok() != tokRun {
		return nil, status.Errorf(codes.Unimplemented, "unknown function %q (this provider implements %s)", req.GetTok(), tokRun)
	}
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	if fs := validate(args, true); len(fs) > 0 {
		return &pulumirpc.InvokeResponse{Failures: fs}, nil
	}
	if args.ContainsUnknowns() {
		return nil, status.Errorf(codes.InvalidArgument, "%s: arguments must be known", tokRun)
	}
	command, _ := stringProp(args, "command")
	rctx, cancel := s.runCtx(ctx)
	defer cancel()
	res, err := runCommand(rctx, specFrom(args, command, "command"), s.logFor(ctx, ""))
	if err != nil {
		return nil, err
	}
	ret, err := marshal(outputs(args, resource.NewStringProperty(res.Stdout), resource.NewStringProperty(res.Stderr)))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func (s *server) Construct(context.Context, *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return nil, status.Error(codes.Unimplemented, "the command provider has no components")
}

func (s *server) Call(context.Context, *pulumirpc.CallRequest) (*pulumirpc.CallResponse, error) {
	return nil, status.Error(codes.Unimplemented, "the command provider has no methods")
}
