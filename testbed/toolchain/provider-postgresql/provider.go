package main

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
)

//go:embed schema.json
var schemaJSON string

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	mu     sync.Mutex
	client *client
}

func newServer() *server { return &server{} }

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: strings.ReplaceAll(schemaJSON, "${VERSION}", version)}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// configMap turns stack-config variables ("postgresql:config:host") into a property map.
func configMap(vars map[string]string) resource.PropertyMap {
	m := resource.PropertyMap{}
	for k, v := range vars {
		if i := strings.LastIndex(k, ":"); i >= 0 {
			k = k[i+1:]
		}
		m[resource.PropertyKey(k)] = resource.NewStringProperty(v)
	}
	return m
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	for k := range news {
		if _, ok := configKeys[string(k)]; !ok && k != "version" && k != "pluginDownloadURL" && !strings.HasPrefix(string(k), "__") {
			failures = append(failures, &pulumirpc.CheckFailure{Property: string(k),
				Reason: fmt.Sprintf("%s is not a configuration key of this postgresql provider", k)})
		}
	}
	_, errs := parseConfig(news)
	for _, e := range errs {
		prop := e
		if i := strings.Index(e, ":"); i > 0 && !strings.Contains(e[:i], " ") {
			prop = e[:i]
		} else {
			prop = ""
		}
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: e})
	}
	if pw, ok := news["password"]; ok && !pw.IsSecret() && !pw.IsComputed() {
		news["password"] = resource.MakeSecret(pw)
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// DiffConfig reports changed keys; none replaces the provider (resources stay, the new
// connection settings are used from then on).
func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true,
		DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if k == "version" || strings.HasPrefix(k, "__") {
			continue
		}
		ov, hasO := olds[resource.PropertyKey(k)]
		nv, hasN := news[resource.PropertyKey(k)]
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case hasO && hasN:
			if !unsecret(nv).IsComputed() && plain(ov).DeepEquals(plain(nv)) {
				continue
			}
			kind = pulumirpc.PropertyDiff_UPDATE
		case hasN:
			kind = pulumirpc.PropertyDiff_ADD
		default:
			kind = pulumirpc.PropertyDiff_DELETE
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, k)
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp, nil
}

func (s *server) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	var m resource.PropertyMap
	if req.GetArgs() != nil {
		var err error
		if m, err = unmarshal(req.GetArgs()); err != nil {
			return nil, err
		}
	} else {
		m = configMap(req.GetVariables())
	}
	cfg, errs := parseConfig(m)
	if len(errs) > 0 {
		return nil, status.Errorf(codes.InvalidArgument, "postgresql provider configuration: %s", strings.Join(errs, "; "))
	}
	s.mu.Lock()
	old := s.client
	s.client = newClient(cfg)
	s.mu.Unlock()
	old.close()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (s *server) getClient() *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

func specFor(urn string) (*resourceSpec, error) {
	switch t := string(resource.URN(urn).Type()); t {
	case tokRole:
		return roleSpec, nil
	case tokDatabase:
		return databaseSpec, nil
	default:
		return nil, status.Errorf(codes.Unimplemented,
			"%s is not implemented by this postgresql provider (only %s and %s are)", t, tokRole, tokDatabase)
	}
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	spec, err := specFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	checked, failures := spec.check(news)
	if _, ok := checked["name"]; !ok {
		// Autonaming, as bridged providers do: keep an earlier name, else <name>-<7 hex>.
		if v, ok := olds["name"]; ok {
			checked["name"] = v
		} else if an := req.GetAutonaming(); an != nil && an.GetMode() == pulumirpc.CheckRequest_AutonamingOptions_DISABLE {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "name", Reason: "name is required (autonaming is disabled)"})
		} else if an != nil && an.GetProposedName() != "" {
			checked["name"] = resource.NewStringProperty(an.GetProposedName())
		} else {
			n, err := resource.NewUniqueName(req.GetRandomSeed(), resource.URN(req.GetUrn()).Name()+"-", 7, 63, nil)
			if err != nil {
				return nil, err
			}
			checked["name"] = resource.NewStringProperty(n)
		}
	}
	inputs, err := marshal(checked)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	spec, err := specFor(req.GetUrn())
	if err != nil {
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
	resp := spec.diff(state, news, req.GetIgnoreChanges())
	// A replacement under the same name must drop the old object first.
	if len(resp.Replaces) > 0 && !changed(state, news, spec, "name") {
		resp.DeleteBeforeReplace = true
	}
	return resp, nil
}

// connect returns the pool of the provider's database, scrubbing the password from errors.
func (s *server) connect(ctx context.Context) (*client, *conn, error) {
	cl := s.getClient()
	if cl == nil {
		return nil, nil, errNotConfigured
	}
	db, err := cl.connect(ctx, "")
	if err != nil {
		return cl, nil, err
	}
	return cl, db, nil
}

// fail wraps an error with the resource, scrubbing the provider's and the resource's passwords.
func (s *server) fail(cl *client, what string, err error, props resource.PropertyMap) error {
	msg := cl.scrub(err.Error(), getString(props, "password"))
	return status.Errorf(codes.Unknown, "%s: %s", what, msg)
}

// initFailed reports an object that was created (or changed) but could not be read back.
func initFailed(id string, props resource.PropertyMap, inputs resource.PropertyMap, reason string) error {
	p, _ := marshal(props)
	in, _ := marshal(inputs)
	detail, err := anypb.New(&pulumirpc.ErrorResourceInitFailed{Id: id, Properties: p, Inputs: in, Reasons: []string{reason}})
	st := status.New(codes.Unknown, reason)
	if err == nil {
		if withDetail, derr := st.WithDetails(detail); derr == nil {
			st = withDetail
		}
	}
	return st.Err()
}

func readFor(ctx context.Context, spec *resourceSpec, db *conn, id string, prior resource.PropertyMap) (resource.PropertyMap, error) {
	if spec == roleSpec {
		return readRole(ctx, db, id, prior)
	}
	return readDatabase(ctx, db, id, prior)
}

// previewOutputs: the inputs, with Optional+Computed properties the inputs leave out unknown
// (or taken from the old state on update).
func previewOutputs(spec *resourceSpec, inputs, state resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	for _, p := range spec.props {
		k := resource.PropertyKey(p.name)
		if _, ok := out[k]; ok || !p.computed {
			continue
		}
		if v, ok := state[k]; ok {
			out[k] = v
		} else {
			out[k] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	}
	return out
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	spec, err := specFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		props, err := marshal(previewOutputs(spec, inputs, nil))
		if err != nil {
			return nil, err
		}
		return &pulumirpc.CreateResponse{Id: getString(inputs, "name"), Properties: props}, nil
	}
	if inputs.ContainsUnknowns() {
		return nil, status.Errorf(codes.InvalidArgument, "%s: inputs are not known", req.GetUrn())
	}
	name := getString(inputs, "name")
	cl, db, err := s.connect(ctx)
	if err != nil {
		return nil, s.fail(cl, "connecting", err, inputs)
	}
	if spec == roleSpec {
		err = createRole(ctx, db, inputs)
	} else {
		err = createDatabase(ctx, db, inputs)
	}
	if err != nil {
		return nil, s.fail(cl, "creating "+name, err, inputs)
	}
	out, err := readFor(ctx, spec, db, name, inputs)
	if err != nil || out == nil {
		reason := fmt.Sprintf("%s was created but could not be read back", name)
		if err != nil {
			reason += ": " + cl.scrub(err.Error(), getString(inputs, "password"))
		}
		return nil, initFailed(name, inputs, inputs, reason)
	}
	props, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: name, Properties: props}, nil
}

// Read reads the object back by id (role or database name): refresh and import.
func (s *server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	spec, err := specFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	prior := state
	if len(prior) == 0 {
		prior = inputs
	}
	cl, db, err := s.connect(ctx)
	if err != nil {
		return nil, s.fail(cl, "connecting", err, prior)
	}
	out, err := readFor(ctx, spec, db, req.GetId(), prior)
	if err != nil {
		return nil, s.fail(cl, "reading "+req.GetId(), err, prior)
	}
	if out == nil {
		return &pulumirpc.ReadResponse{}, nil // gone
	}
	props, err := marshal(out)
	if err != nil {
		return nil, err
	}
	// On import (no inputs) the inputs are the read state's input properties; on refresh the
	// inputs the state also has take the values read back (as bridged providers do).
	if len(inputs) > 0 {
		for k := range inputs {
			if v, ok := out[k]; ok {
				inputs[k] = v
			}
		}
	} else {
		inputs = resource.PropertyMap{}
		for _, p := range spec.props {
			if v, ok := out[resource.PropertyKey(p.name)]; ok {
				inputs[resource.PropertyKey(p.name)] = v
			}
		}
	}
	in, err := marshal(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: getString(out, "name"), Properties: props, Inputs: in}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	spec, err := specFor(req.GetUrn())
	if err != nil {
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
	for _, k := range req.GetIgnoreChanges() {
		if v, ok := state[resource.PropertyKey(k)]; ok {
			news[resource.PropertyKey(k)] = v
		}
	}
	if req.GetPreview() {
		props, err := marshal(previewOutputs(spec, news, state))
		if err != nil {
			return nil, err
		}
		return &pulumirpc.UpdateResponse{Properties: props}, nil
	}
	if news.ContainsUnknowns() {
		return nil, status.Errorf(codes.InvalidArgument, "%s: inputs are not known", req.GetUrn())
	}
	cl, db, err := s.connect(ctx)
	if err != nil {
		return nil, s.fail(cl, "connecting", err, news)
	}
	name := getString(news, "name")
	if spec == roleSpec {
		err = updateRole(ctx, db, state, news)
	} else {
		err = updateDatabase(ctx, cl, db, state, news)
	}
	if err != nil {
		return nil, s.fail(cl, "updating "+getString(state, "name"), err, news)
	}
	out, err := readFor(ctx, spec, db, name, news)
	if err != nil || out == nil {
		reason := fmt.Sprintf("%s was updated but could not be read back", name)
		if err != nil {
			reason += ": " + cl.scrub(err.Error(), getString(news, "password"))
		}
		return nil, initFailed(name, news, news, reason)
	}
	props, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	spec, err := specFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if _, ok := state["name"]; !ok {
		state["name"] = resource.NewStringProperty(req.GetId())
	}
	cl, db, err := s.connect(ctx)
	if err != nil {
		return nil, s.fail(cl, "connecting", err, state)
	}
	if spec == roleSpec {
		err = deleteRole(ctx, db, state)
	} else {
		err = deleteDatabase(ctx, db, state)
	}
	if err != nil {
		return nil, s.fail(cl, "deleting "+getString(state, "name"), err, state)
	}
	return &emptypb.Empty{}, nil
}

func (s *server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, status.Errorf(codes.Unimplemented, "%s is not implemented by this postgresql provider", req.GetTok())
}

func (s *server) Call(_ context.Context, req *pulumirpc.CallRequest) (*pulumirpc.CallResponse, error) {
	return nil, status.Errorf(codes.Unimplemented, "%s is not implemented by this postgresql provider", req.GetTok())
}

func (s *server) Construct(_ context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return nil, status.Errorf(codes.Unimplemented, "%s is not implemented by this postgresql provider", req.GetType())
}
